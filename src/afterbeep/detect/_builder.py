"""The synthetic corpus builder: deterministic, exactly labelled calls (``afterbeep corpus build``).

Owns a call's structure (carrier pre-silence, who answers and what they say, beeps, what follows)
and its labels, which are exact because they are taken from where the pieces were placed:
``greeting_end_ms`` is the last sample of the last speech clip (clips are trimmed to speech),
``beep_end_ms`` the last sample of the last tone, ``human_greeting_end_ms`` the end of a human's
first words. Impairments (noise, gain, PSTN band, DC, mu-law, packet loss) are applied after
placement and never move a label (packet loss spares the frames around labels; the causal band
filter's ring is over 75 dB down within 10 ms).

Call ``index`` of seed ``seed`` is drawn from ``numpy.random.default_rng([seed, index])`` alone,
so a call is the same whatever the worker count or order; features added later draw from
``_Call.stream(k)`` so calls without them stay byte-identical. Must not read the held-out real
greetings nor evaluate detectors.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio.codec import float_to_int16
from afterbeep.detect import _builder_text as text
from afterbeep.detect import _synth as synth
from afterbeep.detect._speech import SpeechSynth, Voice, default_cache_dir, random_voice
from afterbeep.detect.corpus import CALLS_FILE, CorpusWriter, LabelledCall, parse_call
from afterbeep.errors import ConfigError

BUILDER_VERSION = 4  # 2: pauses between a greeting's sentences as in recorded greetings;
# 3: hold and recording notices, "If you are ..., press one now." menus, shared team lines;
# 4: a person's room is heard from the pick-up, and a recorded greeting's room (talkers, the
# street) only within the recording (see _impair)
# Backgrounds heard through a microphone (a person's room, a recorded greeting's), against
# those of the line itself (hiss, mains hum), which run on the whole call.
ACOUSTIC_NOISES = frozenset({"babble", "street"})
ENGINES = ("espeak", "piper")
# Share of each (answered_by, mailbox) class in a corpus.
CLASS_MIX: tuple[tuple[str, str | None, float], ...] = (
    ("human", None, 0.35),
    ("machine", "personal", 0.30),
    ("machine", "carrier_default", 0.15),
    ("machine", "general", 0.07),
    ("machine", "full", 0.04),
    ("machine", "not_set_up", 0.04),
    ("fax", None, 0.025),
    ("silence", None, 0.025),
)
COMMON_BEEP_HZ = (440.0, 850.0, 1000.0, 1400.0)
FloatArray = NDArray[np.float32]

# Pauses between the sentences of a recorded greeting. In the 35 recorded greetings of the
# evaluation set, the 222 pauses of 250 ms or more had p50 395, p90 510 and p99 646 ms, and
# only one (a company menu's) was over 700 ms; `benchmarks/greeting_pauses.py` measures them.
# Most pauses here are drawn from that range. A few are long hesitations, which home-made
# greetings have and that set (all professional recordings) lacks: they are the machines
# a pause-timed decision takes for a person, so the corpus keeps some.
SENTENCE_PAUSE_MS = (250.0, 650.0)
HESITATION_SHARE = 0.05
HESITATION_MS = (650.0, 1500.0)


def sentence_pause_ms(quantile: float) -> float:
    """The pause at ``quantile`` (0-1) of the sentence-pause distribution.

    Drawn by quantile so that each pause takes one uniform draw, as builder version 1's
    uniform 250-1100 ms did: the rest of a seed's calls is drawn as before, and corpora of the
    two versions differ mainly in these pauses.
    """
    if quantile < 1.0 - HESITATION_SHARE:
        low, high = SENTENCE_PAUSE_MS
        return low + (high - low) * quantile / (1.0 - HESITATION_SHARE)
    low, high = HESITATION_MS
    return low + (high - low) * (quantile - (1.0 - HESITATION_SHARE)) / HESITATION_SHARE


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What to build. ``engines`` picks the TTS engines (espeak only is fastest)."""

    seed: int
    count: int
    sample_rate: int = 8000
    engines: tuple[str, ...] = ENGINES
    cache_dir: Path | None = None
    workers: int = 1

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ConfigError(f"count must be at least 1, got {self.count}")
        if self.sample_rate not in (8000, 16000):
            raise ConfigError(f"sample_rate must be 8000 or 16000, got {self.sample_rate}")
        if self.workers < 1:
            raise ConfigError(f"workers must be at least 1, got {self.workers}")
        unknown = [e for e in self.engines if e not in ENGINES]
        if unknown or not self.engines:
            raise ConfigError(f"engines must be among {', '.join(ENGINES)}, got {self.engines}")


@dataclass(frozen=True, slots=True)
class BuildResult:
    directory: Path
    calls: int
    seconds: float
    audio_seconds: float


def class_plan(seed: int, count: int) -> list[tuple[str, str | None]]:
    """Each call's class: CLASS_MIX shares by largest remainder, shuffled by the seed."""
    quotas = [share * count for _, _, share in CLASS_MIX]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(quotas)), key=lambda i: quotas[i] - counts[i], reverse=True)
    for i in order[: count - sum(counts)]:
        counts[i] += 1
    plan = [(a, m) for (a, m, _), n in zip(CLASS_MIX, counts, strict=True) for _ in range(n)]
    rng = np.random.default_rng([seed, 0x5EED])
    return [plan[i] for i in rng.permutation(len(plan))]


def _ms(samples: int, sample_rate: int) -> int:
    return round(samples * 1000 / sample_rate)


def _n(ms: float, sample_rate: int) -> int:
    return round(float(ms) * sample_rate / 1000)


@dataclass
class _Call:
    """A call being composed: pieces on a timeline, labels, notes."""

    rng: np.random.Generator
    key: tuple[int, int]
    """(seed, index): names the call's extra generators (see ``stream``)."""
    sample_rate: int
    speech: SpeechSynth
    engines: tuple[str, ...]
    pieces: list[FloatArray] = field(default_factory=list)
    length: int = 0
    tags: dict[str, str] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    speech_start: int | None = None
    engines_used: set[str] = field(default_factory=set)
    overlays: list[tuple[int, FloatArray]] = field(default_factory=list)
    floor_span: tuple[int, int] | None = None
    """Where the far end's own background is heard on an otherwise clean line (see _impair)."""
    recorded_span: tuple[int, int] | None = None
    """A machine's greeting as its owner recorded it, with the room it was recorded in."""

    def add(self, samples: FloatArray) -> tuple[int, int]:
        start = self.length
        self.pieces.append(samples.astype(np.float32))
        self.length += len(samples)
        return start, self.length

    def pause(self, ms: float) -> None:
        self.add(synth.silence(_n(ms, self.sample_rate)))

    def say(self, voice: Voice, words: str, *, gain_db: float = 0.0) -> tuple[int, int]:
        clip = self.speech.say(voice, words) * np.float32(10 ** (gain_db / 20))
        self.engines_used.add(voice.engine)
        self.detail.setdefault("speech", []).append({"voice": voice.describe(), "text": words})
        span = self.add(clip)
        if self.speech_start is None:
            self.speech_start = span[0]
        return span

    def say_sentences(self, voice: Voice, words: str) -> tuple[int, int]:
        """Say ``words``; some machines pause between sentences as people do (see
        ``sentence_pause_ms``)."""
        sentences = [part for part in re.split(r"(?<=[.!?])\s+", words.strip()) if part]
        if len(sentences) < 2 or self.rng.random() >= 0.4:
            return self.say(voice, words)
        self.tags["pauses"] = "yes"
        start, end = self.say(voice, sentences[0])
        for sentence in sentences[1:]:
            self.pause(sentence_pause_ms(float(self.rng.random())))
            _, end = self.say(voice, sentence)
        return start, end

    def voice(self) -> Voice:
        return random_voice(self.rng, engines=self.engines)

    def ms(self, samples: int) -> int:
        return _ms(samples, self.sample_rate)

    def stream(self, number: int) -> np.random.Generator:
        """Generator ``number`` of this call, for features added after the first corpora.

        Drawing a new feature's choices from its own stream leaves every call without it
        byte-identical to what earlier builder versions made.
        """
        return np.random.default_rng([*self.key, number])

    def overlay(self, start: int, samples: FloatArray) -> None:
        """Mix ``samples`` into the timeline from ``start`` (must not reach past its end)."""
        self.overlays.append((start, samples.astype(np.float32)))

    def audio(self) -> FloatArray:
        out = np.concatenate(self.pieces) if self.pieces else synth.silence(0)
        for start, samples in self.overlays:
            out[start : start + len(samples)] += samples[: max(0, len(out) - start)]
        return out


def _beep(call: _Call, *, hang_up_after: bool = False) -> int:
    """Place a 1-3 tone beep; returns the sample where its last tone ends."""
    rng = call.rng
    count = int(rng.choice([1, 2, 3], p=[0.72, 0.2, 0.08]))
    level_dbfs = float(rng.uniform(-24.0, -9.0))
    amplitude = float(np.sqrt(2) * 10 ** (level_dbfs / 20))
    freqs: list[float] = []
    durations: list[int] = []
    end = call.length
    for position in range(count):
        if rng.random() < 0.7:
            freq = float(rng.choice(COMMON_BEEP_HZ))
        else:
            freq = float(round(rng.uniform(350.0, 2500.0)))
        if freqs and freq == freqs[-1] and rng.random() < 0.5:
            freq = float(rng.choice([f for f in COMMON_BEEP_HZ if f != freq]))
        long_beep = rng.random() < 0.15
        duration = int(rng.uniform(600, 2000) if long_beep else rng.uniform(60, 600))
        if position > 0:
            # Back to back (a frequency step) or a short gap.
            gap = 0 if (freq != freqs[-1] and rng.random() < 0.4) else int(rng.uniform(10, 80))
            call.pause(gap)
        _, end = call.add(
            synth.tone(freq, duration, sample_rate=call.sample_rate, amplitude=amplitude)
        )
        freqs.append(freq)
        durations.append(duration)
    call.tags["beeps"] = str(count)
    call.tags["beep_hz"] = str(int(freqs[-1])) if freqs[-1] in COMMON_BEEP_HZ else "other"
    call.detail["beep"] = {"hz": freqs, "ms": durations, "level_dbfs": round(level_dbfs, 1)}
    if hang_up_after:
        call.pause(rng.uniform(200, 900))
    else:
        call.pause(rng.uniform(2000, 5000))  # where the message would go
    return end


def _pre_silence(call: _Call, *, human: bool) -> None:
    """Silence between answer and the far end's first sound.

    Machines (and fax/silence lines) get the carrier's 0-7 s; a person usually speaks within
    a second of picking up, so humans get mostly short pre-silence (a few answer after a
    pause: see ``late`` in ``_human``).
    """
    rng = call.rng
    band = rng.random()
    short, mid = (0.7, 0.95) if human else (0.45, 0.75)
    if band < short:
        ms = rng.uniform(0, 800)
        call.tags["pre"] = "short"
    elif band < mid:
        ms = rng.uniform(800, 2000 if human else 3000)
        call.tags["pre"] = "mid"
    else:
        ms = rng.uniform(2000, 4000) if human else rng.uniform(3000, 7000)
        call.tags["pre"] = "long"
    n = _n(ms, call.sample_rate)
    if rng.random() < 0.6:
        call.tags["pre_kind"] = "digital"
        call.add(synth.silence(n))
    else:
        call.tags["pre_kind"] = "comfort"
        level = 10 ** (rng.uniform(-72, -60) / 20)
        call.add(synth.coloured_noise(rng, n, exponent=1.0) * np.float32(level))
    call.detail["pre_ms"] = call.ms(n)


def _human(call: _Call) -> dict[str, Any]:
    rng = call.rng
    voice = call.voice()
    if rng.random() < 0.15:
        # Picked up, then a pause before speaking (room sound, not digital silence).
        call.tags["late"] = "yes"
        n = _n(rng.uniform(1000, 3000), call.sample_rate)
        room = np.float32(10 ** (rng.uniform(-65, -50) / 20))
        call.add(synth.coloured_noise(rng, n, exponent=1.0) * room)
    style = str(rng.choice(["short", "double", "business"], p=[0.5, 0.22, 0.28]))
    call.tags["style"] = style
    if style == "business":
        _, first_end = call.say(voice, text.human_business(rng))
        call.pause(rng.uniform(3000, 5000))
    elif style == "double":
        hello = str(rng.choice(["Hello?", "Hello?", "Hi?", "Yes, hello?"]))
        _, first_end = call.say(voice, hello)
        call.pause(rng.uniform(1000, 2500))
        call.say(voice, str(rng.choice(["Hello?", "Hello? Anyone there?", "Hello-o?"])))
        call.pause(rng.uniform(1500, 3000))
    else:
        _, first_end = call.say(voice, text.human_short(rng))
        call.pause(rng.uniform(3000, 6000))
    return {"human_greeting_end_ms": call.ms(first_end)}


def _machine(call: _Call, mailbox: str) -> dict[str, Any]:
    rng = call.rng
    greeting_voice = call.voice()
    system_voice = call.voice()
    beep_end: int | None = None
    hang_up = False
    if mailbox == "personal":
        beep = rng.random() < 0.85
        tail = beep and rng.random() < 0.3
        prank = call.stream(2)
        fake_hello = prank.random() < 0.06
        if fake_hello:
            # The prank greeting: "Hello?", a pause as if listening, then the real greeting.
            call.tags["fake_hello"] = "yes"
            call.say(greeting_voice, str(prank.choice(["Hello?", "Hello.", "Hi!"])))
            call.pause(prank.uniform(1200, 2500))
            joke = str(
                prank.choice(["Ha, got you!", "Just kidding.", "Sorry, you got my voicemail."])
            )
            call.say(greeting_voice, joke)
            call.pause(prank.uniform(150, 400))
        start, end = call.say_sentences(
            greeting_voice, text.personal_greeting(rng, beep=beep and not tail)
        )
        if not fake_hello:
            _maybe_music(call, start, end)
        call.floor_span = (call.speech_start or start, end)
        call.recorded_span = call.floor_span
        if tail:
            call.tags["style"] = "greeting+system"
            call.pause(rng.uniform(300, 900))
            _, end = call.say(system_voice, text.system_tail(rng), gain_db=rng.uniform(-6, 6))
        else:
            call.tags["style"] = "greeting"
    elif mailbox == "carrier_default":
        beep = True
        if rng.random() < 0.4:
            # The owner's recorded name spliced into the carrier's prompt.
            call.tags["style"] = "carrier+name"
            first, last = text.person(rng)
            call.say(system_voice, "The person you are calling,")
            call.pause(rng.uniform(100, 300))
            call.recorded_span = call.say(greeting_voice, f"{first} {last}")
            call.pause(rng.uniform(100, 300))
            _, end = call.say(system_voice, text.carrier_after_name(rng))
        else:
            call.tags["style"] = "carrier"
            _, end = call.say(system_voice, text.carrier_default(rng))
    elif mailbox == "general":
        beep = rng.random() < 0.4
        # Hold and recording notices, "If you are ..., press one now." menus and shared team
        # lines: drawn from the call's sixth generator, so the other company lines stay
        # exactly as they were before these were added.
        line = call.stream(5)
        if line.random() < 0.35:
            style, words = text.company_line(line, beep=beep)
        else:
            style, words = "department" if beep else "menu", text.general_mailbox(rng, beep=beep)
        call.tags["style"] = style
        key = text.operator_key(words)
        if key is not None:
            call.tags["operator"] = key
        start, end = call.say_sentences(greeting_voice, words)
        _maybe_music(call, start, end)
        call.floor_span = (start, end)
        call.recorded_span = call.floor_span
    else:
        beep = rng.random() < 0.15
        hang_up = True
        call.tags["style"] = mailbox
        words = text.full_mailbox(rng) if mailbox == "full" else text.not_set_up(rng)
        _, end = call.say(system_voice, words)
    if beep:
        call.pause(rng.uniform(150, 1000))
        beep_end = _beep(call, hang_up_after=hang_up)
    else:
        call.tags["beeps"] = "0"
        call.pause(rng.uniform(200, 900) if hang_up else rng.uniform(3000, 6000))
    if hang_up:
        call.tags["hangup"] = "yes"
    return {
        "greeting_end_ms": call.ms(end),
        "beep_end_ms": call.ms(beep_end) if beep_end is not None else None,
    }


def _maybe_music(call: _Call, start: int, end: int) -> None:
    """Put a music bed under some recorded greetings (steady chords: a trap for beep finders).

    Drawn from the call's second generator, so adding music leaves every other choice, and
    every call without music, exactly as before. The music fades out by the speech's end.
    """
    rng = call.stream(1)
    if rng.random() >= 0.15:
        return
    rate = call.sample_rate
    scale = (220.0, 246.9, 277.2, 329.6, 370.0, 440.0, 493.9, 554.4, 659.3, 740.0)
    level = float(10 ** ((-20 - rng.uniform(10, 22)) / 20))
    chords: list[FloatArray] = []
    length = 0
    while length < end - start:
        ms = float(rng.uniform(250, 700))
        notes = rng.choice(len(scale), size=int(rng.integers(2, 4)), replace=False)
        chord = sum(
            synth.tone(scale[i], ms, sample_rate=rate, amplitude=level)
            + synth.tone(2 * scale[i], ms, sample_rate=rate, amplitude=level / 3)
            for i in notes
        )
        chords.append(np.asarray(chord, dtype=np.float32))
        length += len(chords[-1])
    music = np.concatenate(chords)[: end - start]
    fade = min(len(music), rate // 20)
    music[len(music) - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    call.overlay(start, music)
    call.tags["music"] = "yes"


def _fax(call: _Call) -> None:
    rng = call.rng
    amplitude = float(10 ** (rng.uniform(-20, -8) / 20))
    if rng.random() < 0.7:
        call.tags["style"] = "cng"
        for _ in range(int(rng.integers(3, 5))):
            call.add(synth.tone(1100, 500, sample_rate=call.sample_rate, amplitude=amplitude))
            call.pause(3000)
    else:
        call.tags["style"] = "ced"
        call.add(
            synth.tone(
                2100, rng.uniform(2600, 4000), sample_rate=call.sample_rate, amplitude=amplitude
            )
        )
        call.pause(rng.uniform(75, 200))
        # V.21 channel 2 flags, roughly: alternating 1650/1850 Hz.
        for _ in range(int(rng.integers(8, 20))):
            call.add(synth.tone(1650, 40, sample_rate=call.sample_rate, amplitude=amplitude))
            call.add(synth.tone(1850, 40, sample_rate=call.sample_rate, amplitude=amplitude))
        call.pause(rng.uniform(2000, 4000))


def _noise_bed(call: _Call, n: int) -> tuple[FloatArray | None, str]:
    rng = call.rng
    kind = str(
        rng.choice(
            ["none", "white", "pink", "street", "babble", "hum"],
            p=[0.35, 0.15, 0.2, 0.1, 0.15, 0.05],
        )
    )
    if kind == "none" or n == 0:
        return None, "none"
    if kind == "white":
        bed = synth.white_noise(rng, n)
    elif kind == "pink":
        bed = synth.coloured_noise(rng, n, exponent=1.0)
    elif kind == "street":
        bed = synth.coloured_noise(rng, n, exponent=2.0)
    elif kind == "hum":
        bed = synth.hum(n, sample_rate=call.sample_rate, mains_hz=float(rng.choice([50.0, 60.0])))
    else:
        talkers = []
        for _ in range(int(rng.integers(2, 4))):
            voice = random_voice(rng, engines=("espeak",))
            clip = call.speech.say(voice, text.babble_text(rng))
            offset = int(rng.integers(0, max(1, len(clip))))
            talkers.append(np.roll(synth.loop_to(clip, n), offset))
        bed = np.sum(talkers, axis=0).astype(np.float32)
        level = synth.rms(bed) or 1.0
        bed = (bed / level).astype(np.float32)
    return bed, kind


def _where_heard(
    call: _Call, bed: FloatArray, kind: str, *, start: int, room_from: int
) -> tuple[FloatArray | None, int]:
    """The part of a background ``bed`` (drawn for ``[start:]``) that the caller hears, and
    where it begins. A line's own noise runs from ``start`` on. A room is heard through a
    microphone: a person's from the pick-up (``room_from``, before their first word: the
    bed's own end, repeated, fills the gap, so no draw changes), a recorded greeting's only
    within its recording (faded in and out over 10 ms); a carrier's prompt has none."""
    if kind not in ACOUSTIC_NOISES:
        return bed, start
    if room_from < start:
        lead = start - room_from
        reps = -(-lead // len(bed))
        return np.concatenate([np.tile(bed, reps)[-lead:], bed]).astype(np.float32), room_from
    if call.recorded_span is None:
        return (None, start) if room_from > start else (bed, start)
    lo, hi = (max(0, edge - start) for edge in call.recorded_span)
    mask = np.zeros(len(bed), np.float32)
    mask[lo:hi] = 1.0
    fade = min(_n(10, call.sample_rate), (hi - lo) // 2)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        mask[lo : lo + fade] = ramp
        mask[hi - fade : hi] = ramp[::-1]
    return bed * mask, start


def _impair(
    call: _Call, audio: FloatArray, *, start: int, labels: list[int], room_from: int
) -> tuple[FloatArray, str]:
    """Noise, gain, DC, mu-law and packet loss on ``audio[start:]``; returns audio and codec.

    ``room_from``: where the far end's room can first be heard: at or before ``start`` for a
    person (the pick-up), past the end of the audio for a machine (only its recording's)."""
    rng = call.rng
    out = audio.copy()
    tail = len(out) - start
    bed, kind = _noise_bed(call, tail)
    call.tags["noise"] = kind
    heard_from = start
    snr = 0.0
    if bed is not None:
        snr = float(rng.uniform(8, 35))
        speech_rms = 10 ** (-20 / 20)
        bed = bed * np.float32(speech_rms / 10 ** (snr / 20))
        bed, heard_from = _where_heard(call, bed, kind, start=start, room_from=room_from)
    if bed is not None:
        out[heard_from : heard_from + len(bed)] += bed
        call.tags["snr"] = "low" if snr < 15 else "mid" if snr < 25 else "high"
        call.detail["snr_db"] = round(snr, 1)
    elif kind != "none":
        kind = call.tags["noise"] = "none"
    if bed is None and kind == "none" and call.floor_span is not None:
        # No added noise, but a live phone (or a greeting's recording) is never digital
        # silence: the room is heard at a low level. Recorded greetings stop at their end.
        floor_rng = call.stream(4)
        lo, hi = call.floor_span
        level = float(10 ** (floor_rng.uniform(-72, -58) / 20))
        room = synth.coloured_noise(floor_rng, hi - lo, exponent=1.0) * np.float32(level)
        out[lo:hi] += room
        call.tags["room"] = "yes"
    gain_db = float(rng.uniform(-14, 2))
    out *= np.float32(10 ** (gain_db / 20))
    call.detail["gain_db"] = round(gain_db, 1)
    if call.stream(3).random() < 0.4:
        # An analogue PSTN leg: 300-3400 Hz. Causal, so digital pre-silence stays exact zeros
        # and nothing sounds before it did; the ring after a tone's end is over 30 dB down.
        out = synth.telephone_band(out, sample_rate=call.sample_rate)
        call.tags["band"] = "pstn"
    if rng.random() < 0.1:
        dc = float(rng.uniform(0.002, 0.012)) * float(rng.choice([-1, 1]))
        out[start:] += np.float32(dc)
        call.tags["dc"] = "yes"
    codec = str(rng.choice(["pcm16", "mulaw", "mulaw-file"], p=[0.5, 0.35, 0.15]))
    call.tags["codec"] = codec
    if codec != "pcm16":
        out = synth.mulaw_round_trip(out)
    if rng.random() < 0.2:
        loss = float(rng.uniform(0.002, 0.03))
        out, frames = synth.packet_loss(
            rng,
            out,
            sample_rate=call.sample_rate,
            rate=loss,
            protected_ms=labels,
            start=start,
        )
        call.tags["loss"] = "yes"
        call.detail["loss_frames"] = frames
    else:
        call.tags["loss"] = "no"
    return out, codec


def render_call(
    options: BuildOptions, index: int, klass: tuple[str, str | None], speech: SpeechSynth
) -> tuple[NDArray[np.int16], LabelledCall, bool]:
    """Compose call ``index``: its int16 samples, labels, and whether to write it as mu-law."""
    answered_by, mailbox = klass
    rng = np.random.default_rng([options.seed, index])
    call = _Call(
        rng=rng,
        key=(options.seed, index),
        sample_rate=options.sample_rate,
        speech=speech,
        engines=options.engines,
    )
    _pre_silence(call, human=answered_by == "human")
    line_start = call.length
    labels: dict[str, Any] = {
        "beep_end_ms": None,
        "greeting_end_ms": None,
        "human_greeting_end_ms": None,
    }
    if answered_by == "human":
        labels.update(_human(call))
    elif answered_by == "machine":
        assert mailbox is not None
        labels.update(_machine(call, mailbox))
    elif answered_by == "fax":
        _fax(call)
    else:
        call.tags["style"] = "silence"
        call.pause(rng.uniform(6000, 12000))
    audio = call.audio()
    room_from = len(audio)
    if answered_by == "human":
        # The phone is live from the pick-up: the room is heard from there, after the
        # network's first 0-300 ms (of digital silence or comfort noise).
        room_from = min(line_start, _n(call.stream(6).uniform(0, 300), call.sample_rate))
        call.floor_span = (room_from, len(audio))
        call.detail["room_from_ms"] = call.ms(room_from)
    marks = [v for v in labels.values() if v is not None]
    impaired, codec = _impair(call, audio, start=line_start, labels=marks, room_from=room_from)
    if call.engines_used:
        call.tags["engine"] = (
            next(iter(call.engines_used)) if len(call.engines_used) == 1 else "mixed"
        )
    order = (
        "style",
        "pauses",
        "music",
        "fake_hello",
        "beeps",
        "beep_hz",
        "engine",
        "noise",
        "snr",
        "codec",
        "band",
        "loss",
        "pre",
        "pre_kind",
        "late",
        "room",
        "hangup",
        "operator",
        "dc",
    )
    notes = "; ".join(f"{k}={call.tags[k]}" for k in order if k in call.tags)
    call_id = f"c{index + 1:04d}"
    record = {
        "id": call_id,
        "audio": f"{call_id}.wav",
        "answered_by": answered_by,
        "mailbox": mailbox,
        **labels,
        "notes": notes,
        "synth": call.detail,
    }
    labelled = parse_call(record, source="builder", line=index + 1)
    return float_to_int16(impaired), labelled, codec == "mulaw-file"


# One speech synthesiser per worker process (Piper's model loads once per process).
_WORKER_SPEECH: dict[tuple[int, str], SpeechSynth] = {}


def _speech_for(options: BuildOptions) -> SpeechSynth:
    key = (options.sample_rate, str(options.cache_dir))
    if key not in _WORKER_SPEECH:
        _WORKER_SPEECH[key] = SpeechSynth(
            sample_rate=options.sample_rate, cache_dir=options.cache_dir
        )
    return _WORKER_SPEECH[key]


def _build_one(
    options: BuildOptions, out: Path, index: int, klass: tuple[str, str | None]
) -> tuple[dict[str, Any], float]:
    samples, call, mulaw = render_call(options, index, klass, _speech_for(options))
    CorpusWriter(out).write_audio(call.audio, samples, sample_rate=options.sample_rate, mulaw=mulaw)
    return call.to_json(), len(samples) / options.sample_rate


def _remove_stale_audio(out: Path, *, keep: set[str]) -> None:
    """Delete calls of an earlier, larger build into the same folder (ours only: cNNNN.wav)."""
    for path in out.glob("c[0-9][0-9][0-9][0-9].wav"):
        if path.name not in keep:
            path.unlink()


def build_corpus(
    out: str | Path,
    options: BuildOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build ``options.count`` calls into folder ``out`` (audio + calls.jsonl + build.json)."""
    started = time.perf_counter()
    out = Path(out)
    if options.cache_dir is None:
        options = replace(options, cache_dir=default_cache_dir())
    rebuilding = (out / "build.json").is_file()
    writer = CorpusWriter(out)
    plan = class_plan(options.seed, options.count)
    records: list[dict[str, Any] | None] = [None] * options.count
    audio_seconds = 0.0
    done = 0
    if options.workers == 1:
        for index, klass in enumerate(plan):
            records[index], seconds = _build_one(options, out, index, klass)
            audio_seconds += seconds
            done += 1
            if progress is not None:
                progress(done, options.count)
    else:
        with ProcessPoolExecutor(max_workers=options.workers) as pool:
            futures = {
                pool.submit(_build_one, options, out, index, klass): index
                for index, klass in enumerate(plan)
            }
            for future in as_completed(futures):
                records[futures[future]], seconds = future.result()
                audio_seconds += seconds
                done += 1
                if progress is not None:
                    progress(done, options.count)
    for index, record in enumerate(records):
        assert record is not None
        writer.add(parse_call(record, source=CALLS_FILE, line=index + 1))
    writer.close()
    if rebuilding:
        _remove_stale_audio(out, keep={f"c{i + 1:04d}.wav" for i in range(options.count)})
    (out / "build.json").write_text(
        json.dumps(
            {
                "builder_version": BUILDER_VERSION,
                "seed": options.seed,
                "count": options.count,
                "sample_rate": options.sample_rate,
                "engines": list(options.engines),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return BuildResult(
        directory=out,
        calls=options.count,
        seconds=round(time.perf_counter() - started, 2),
        audio_seconds=round(audio_seconds, 1),
    )


__all__ = ["CLASS_MIX", "BuildOptions", "BuildResult", "build_corpus", "class_plan", "render_call"]

"""A synthesised test set for the recording coach: Piper takes with known faults.

Owns ``build_takes(folder, seed=..., count=...)``: each take is a sales voicemail spoken by the
bundled Piper voice at a chosen rate (``length_scale``), then given known faults - a long pause,
dead air at the start, a flattened pitch (LPC analysis and resynthesis on a constant F0, so the
words stay and the melody goes; the same vocoder with the natural F0 makes the "varied" control
takes), clipping, background noise, fillers, the number said once, no call to action. The truth
of every property is computed from how the take was built, not from the coach. Takes and a
``takes.jsonl`` are cached under ``folder`` (git-ignored ``corpora/``), keyed by builder
version, seed and count.
Also ``evaluate_takes`` scores the coach's verdicts against that truth. For tests and
benchmarks only; must not be used on users' audio.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from numpy.typing import NDArray
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from afterbeep.audio._coach_signal import yin
from afterbeep.scripts import spoken_words

RATE = 16000
# Bump when the takes change, so cached takes of an older builder are not reused.
# 4: Piper's random draws seeded (seeded_voice), so a seed's takes are the same on every build.
VERSION = 4
GAP_S = 0.35
LONG_PAUSE_S = 2.0
LEAD_DEAD_AIR_S = 2.5
# Piper's length_scale for each pace (measured rates of the bundled voice: docs/coach.md).
PACES = {"fast": 0.9, "ok": 1.55, "slow": 2.6}

_FIRST = ["Dana", "Priya", "Marcus", "Elena", "Tom", "Grace", "Hiro", "Nadia", "Owen", "Lucia"]
_REPS = ["Sam", "Jordan", "Alex", "Maria", "Chris", "Leah"]
_COMPANIES = ["Northwind", "Brightpath", "Cobalt Labs", "Summit Data", "Harbor Health"]
_REASONS = [
    "I saw your team is hiring three new account executives this quarter.",
    "I noticed you just opened an office in Denver.",
    "Your post about slow onboarding caught my eye.",
    "We helped a company like yours cut ramp time in half last year.",
    "Your peer at Acme mentioned you are rethinking your sales tools.",
]
_VALUE = [
    "We help sales teams ramp new reps faster, usually in half the time.",
    "Teams like yours use us to book more meetings from the same list.",
    "We cut the time reps spend on data entry by about a third.",
]
_CTAS = [
    "Would you be open to a quick call on Thursday?",
    "Give me a call back when you have ten minutes.",
    "Are you open to a fifteen minute chat next week?",
]
_EXTRA = [
    "We work with more than two hundred teams across retail, banking and health care.",
    "Our customers usually see results within the first month of using the product.",
    "I also put together a short summary of what we found in your market.",
    "There is a case study on our website that shows exactly how it worked for them.",
]
_FILLERS = ["Um,", "Uh,", "Umm,"]


@dataclass(frozen=True, slots=True)
class TakeTruth:
    """How a take was built, and so what the coach should find."""

    id: str
    audio: str
    script: str
    first_name: str
    phone: str
    pace: str
    true_wpm: float
    speech_s: float
    long_pause: bool
    """Whether the clean speech has a silence of 1 s or more (inserted, or Piper's own)."""
    longest_gap_s: float
    inserted_pause: bool
    dead_air: bool
    monotone: bool
    vocoded: bool
    clipping: bool
    noisy: bool
    number_twice: bool
    call_to_action: bool
    fillers: bool


def _digits_text(phone: str) -> str:
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    groups = (phone[:3], phone[3:6], phone[6:])
    return ", ".join(" ".join(names[int(d)] for d in g) for g in groups)


def _sentences(rng: np.random.Generator, long: bool) -> dict[str, Any]:
    first = str(rng.choice(_FIRST))
    rep = str(rng.choice(_REPS))
    company = str(rng.choice(_COMPANIES))
    phone = "555" + f"{int(rng.integers(100, 999)):03d}" + f"{int(rng.integers(0, 9999)):04d}"
    written = f"{phone[:3]}-{phone[3:6]}-{phone[6:]}"
    parts = {
        "greeting": f"Hi {first}, this is {rep} with {company}.",
        "reason": str(rng.choice(_REASONS)),
        "value": [str(rng.choice(_VALUE))] if rng.random() < 0.5 else [],
        "extra": [str(e) for e in rng.choice(_EXTRA, size=3, replace=False)] if long else [],
        "cta": str(rng.choice(_CTAS)),
        "number": f"My direct line is {written}.",
        "repeat": f"Again, that's {written}.",
        "sign_off": f"Thanks {first}, talk soon.",
    }
    return {"first": first, "phone": phone, "written": written, "parts": parts}


def _script(parts: dict[str, Any], *, cta: bool, twice: bool) -> list[str]:
    sentences = [parts["greeting"], parts["reason"], *parts["value"], *parts["extra"]]
    if cta:
        sentences.append(parts["cta"])
    sentences.append(parts["number"])
    if twice:
        sentences.append(parts["repeat"])
    sentences.append(parts["sign_off"])
    return sentences


def seeded_voice(seed: int) -> Any:
    """A Piper voice of its own whose random draws follow ``seed``.

    Piper varies each sentence's rhythm and tone with noise drawn inside its model, which is
    what makes takes sound spoken rather than read; unseeded, the same seed's takes came out
    different on every build, and so did the coach's held-out figures (87.5-95% on the same
    seed). onnxruntime seeds a session's generator when the session is made, so a voice
    loaded right after ``set_seed`` says the same sentences the same way, in the same order.
    """
    from afterbeep._optional import require
    from afterbeep.audio.tts import load_voice

    require("onnxruntime", "tts").set_seed(seed)
    return load_voice()


def _say(sentence: str, length_scale: float, voice: Any) -> NDArray[np.float32]:
    import soxr
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=length_scale)
    chunks = list(voice.synthesize(sentence, syn_config=config))
    audio = np.concatenate([np.asarray(c.audio_float_array, np.float32) for c in chunks])
    rate = int(chunks[0].sample_rate)
    out = np.asarray(soxr.resample(audio, rate, RATE), np.float32)
    # Trim Piper's own leading/trailing near-silence so gaps are exactly ours.
    loud = np.flatnonzero(np.abs(out) > 0.01)
    return out[loud[0] : loud[-1] + 1] if len(loud) else out


def _longest_silence_s(speech: NDArray[np.float32]) -> float:
    """Longest run of 20 ms frames 40 dB under the peak in clean (noise-free) speech, s."""
    frame = RATE // 50
    count = len(speech) // frame
    rms = np.sqrt(np.mean(speech[: count * frame].reshape(count, frame) ** 2, axis=1))
    quiet = rms < 0.01 * float(np.max(np.abs(speech)))
    longest = current = 0
    for flag in quiet:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest * frame / RATE


def lpc_vocode(samples: NDArray[np.float32], *, pitch_scale: float) -> NDArray[np.float32]:
    """LPC analysis-resynthesis with the F0 contour scaled by ``pitch_scale`` (in semitones).

    The spectral envelope (order-18 LPC every 10 ms) keeps the words; the excitation is a pulse
    train at the frame's F0 moved toward the take's median F0 (1 keeps the melody, 0 is one
    constant pitch), noise when unvoiced. Amplitude follows the original frame by frame.
    """
    x = samples.astype(np.float64)
    size, hop, order = 480, 160, 18
    count = max(1, 1 + (len(x) - size) // hop)
    window = np.hanning(size)
    framed = np.stack(
        [
            np.pad(x[i * hop : i * hop + size], (0, max(0, i * hop + size - len(x))))
            for i in range(count)
        ]
    )
    f0_all, voiced_all = yin(framed - framed.mean(axis=1, keepdims=True), RATE)
    f0 = np.where(voiced_all, f0_all, 0.0)
    coeffs = np.zeros((count, order + 1))
    gains = np.zeros(count)
    for i in range(count):
        frame = x[i * hop : i * hop + size]
        if len(frame) < size:
            frame = np.pad(frame, (0, size - len(frame)))
        w = frame * window
        r = np.correlate(w, w, mode="full")[size - 1 :]
        if r[0] <= 1e-9:
            coeffs[i, 0] = 1.0
            continue
        r_lpc = r[: order + 1].copy()
        r_lpc[0] *= 1.0001
        a = solve_toeplitz(r_lpc[:order], r_lpc[1 : order + 1])
        coeffs[i] = np.concatenate([[1.0], -a])
        gains[i] = np.sqrt(max(r_lpc[0] - np.dot(a, r_lpc[1 : order + 1]), 1e-12) / size)
    voiced = f0 > 0
    if voiced.any():
        median = float(np.median(f0[voiced]))
        f0[voiced] = median * (f0[voiced] / median) ** pitch_scale
    rng = np.random.default_rng(0)
    out = np.zeros(count * hop + size)
    phase = 0.0
    for i in range(count):
        if gains[i] == 0:
            continue
        if voiced[i]:
            exc = np.zeros(size)
            period = RATE / f0[i]
            position = phase
            while position < size:
                exc[int(position)] = np.sqrt(period)
                position += period
            phase = (position - hop) % period if position - hop >= 0 else 0.0
        else:
            exc = rng.standard_normal(size)
        y = lfilter([gains[i]], coeffs[i], exc) * window
        out[i * hop : i * hop + size] += y
    out = out[: len(x)]
    # Match the original's overall loudness (the LPC gains already follow its contour).
    scale = float(np.sqrt(float(np.mean(x**2)) / max(float(np.mean(out**2)), 1e-12)))
    return (out * scale).astype(np.float32)


def _build_one(
    index: int, rng: np.random.Generator, folder: Path, prefix: str, voice: Any
) -> TakeTruth:
    pace = str(rng.choice(list(PACES), p=[0.25, 0.5, 0.25]))
    long = bool(rng.random() < 0.2)
    text = _sentences(rng, long)
    cta = bool(rng.random() >= 0.25)
    twice = bool(rng.random() >= 0.3)
    fillers = bool(rng.random() < 0.3)
    long_pause = bool(rng.random() < 0.3)
    dead_air = bool(rng.random() < 0.3)
    vocode = float(rng.random())
    monotone = vocode < 0.3
    vocoded = vocode < 0.5
    clipping = bool(rng.random() < 0.25)
    noisy = bool(rng.random() < 0.25)

    script_sentences = _script(text["parts"], cta=True, twice=True)
    said = _script(text["parts"], cta=cta, twice=twice)
    said = [s.replace(text["written"], _digits_text(text["phone"])) for s in said]
    if fillers:
        for position in rng.choice(np.arange(1, len(said)), size=2, replace=False):
            said[int(position)] = f"{rng.choice(_FILLERS)} {said[int(position)]}"
    pieces: list[NDArray[np.float32]] = []
    pause_after = int(rng.integers(1, len(said) - 1)) if long_pause else -1
    speech_samples = 0
    for k, sentence in enumerate(said):
        clip = _say(sentence, PACES[pace], voice)
        pieces.append(clip)
        speech_samples += len(clip)
        if k < len(said) - 1:
            gap = LONG_PAUSE_S if k == pause_after else GAP_S
            pieces.append(np.zeros(round(gap * RATE), np.float32))
    speech = np.concatenate(pieces)
    longest_gap = _longest_silence_s(speech)
    if vocoded:
        scale = float(rng.uniform(0.1, 0.3)) if monotone else 1.0
        speech = lpc_vocode(speech, pitch_scale=scale)
    talk_s = (len(speech) - (round(LONG_PAUSE_S * RATE) if long_pause else 0)) / RATE
    words = sum(len(spoken_words(s)) for s in said)
    lead = LEAD_DEAD_AIR_S if dead_air else float(rng.uniform(0.2, 0.5))
    tail = float(rng.uniform(0.3, 0.8))
    take = np.concatenate(
        [np.zeros(round(lead * RATE), np.float32), speech, np.zeros(round(tail * RATE), np.float32)]
    )
    peak = float(np.max(np.abs(take)))
    take = take * (0.5 / peak)  # -6 dBFS peak
    speech_rms = float(np.sqrt(np.mean(take[np.abs(take) > 0.01] ** 2)))
    noise = rng.standard_normal(len(take))
    noise = lfilter([1.0], [1.0, -0.9], noise)  # reddish, like room and fan noise
    noise /= np.sqrt(np.mean(noise**2))
    snr = float(rng.uniform(8.0, 15.0)) if noisy else float(rng.uniform(45.0, 55.0))
    take = take + noise * speech_rms * 10 ** (-snr / 20)
    if clipping:
        take = np.clip(take * 10 ** (float(rng.uniform(10.0, 16.0)) / 20), -1.0, 1.0)
    name = f"{prefix}{index:03d}.wav"
    soundfile.write(folder / name, take.astype(np.float32), RATE, subtype="FLOAT")
    speech_s = len(speech) / RATE
    return TakeTruth(
        id=f"{prefix}{index:03d}",
        audio=name,
        script=" ".join(script_sentences),
        first_name=text["first"],
        phone=text["phone"],
        pace=pace,
        true_wpm=round(60.0 * words / talk_s, 1),
        speech_s=round(speech_s, 2),
        long_pause=longest_gap >= 1.0,
        longest_gap_s=round(longest_gap, 2),
        inserted_pause=long_pause,
        dead_air=dead_air,
        monotone=monotone,
        vocoded=vocoded,
        clipping=clipping,
        noisy=noisy,
        number_twice=twice,
        call_to_action=cta,
        fillers=fillers,
    )


def build_takes(folder: Path, *, seed: int, count: int = 40) -> list[TakeTruth]:
    """The ``count`` takes of ``seed`` under ``folder/v<VERSION>-seed-<seed>`` (built once, then read)."""
    target = folder / f"v{VERSION}-seed-{seed}"
    index_file = target / "takes.jsonl"
    if index_file.exists():
        rows = [json.loads(line) for line in index_file.read_text().splitlines() if line]
        if len(rows) >= count and all((target / r["audio"]).exists() for r in rows[:count]):
            return [TakeTruth(**row) for row in rows[:count]]
    target.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    voice = seeded_voice(seed)
    takes = [_build_one(i, rng, target, f"s{seed}-", voice) for i in range(count)]
    index_file.write_text("".join(json.dumps(asdict(t)) + "\n" for t in takes))
    return takes


PROPERTIES = (
    "duration",
    "pace",
    "long_pause",
    "dead_air",
    "monotone",
    "clipping",
    "noise",
    "number_twice",
    "call_to_action",
    "fillers",
)


def truth_of(
    take: TakeTruth, *, fast_wpm: float = 165.0, slow_wpm: float = 110.0
) -> dict[str, Any]:
    """The expected answer for each property of ``take``."""
    pace = "fast" if take.true_wpm > fast_wpm else "slow" if take.true_wpm < slow_wpm else "ok"
    return {
        "duration": 10.0 <= take.speech_s <= 30.0,
        "pace": pace,
        "long_pause": take.long_pause,
        "dead_air": take.dead_air,
        "monotone": take.monotone,
        "clipping": take.clipping,
        "noise": take.noisy,
        "number_twice": take.number_twice,
        "call_to_action": take.call_to_action,
        "fillers": take.fillers,
    }


def answers_of(report: Any, *, fast_wpm: float = 165.0, slow_wpm: float = 110.0) -> dict[str, Any]:
    """The coach's answer for each property, from a ``CoachReport``."""
    wpm = report.words_per_minute or 0.0
    return {
        "duration": report.verdict_of("duration") == "ok",
        "pace": "fast" if wpm > fast_wpm else "slow" if wpm < slow_wpm else "ok",
        "long_pause": bool(report.pauses),
        "dead_air": report.dead_air_start_s > 1.0 or report.verdict_of("dead_air") != "ok",
        "monotone": report.verdict_of("monotone") == "warn",
        "clipping": report.verdict_of("clipping") == "fail",
        "noise": report.verdict_of("noise") == "warn",
        "number_twice": len(report.number_mentions) >= 2,
        "call_to_action": report.call_to_action,
        "fillers": len(report.fillers) > 0,
    }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Per-property accuracy of the coach on a set of takes, and the per-take rows."""

    seed: int
    takes: int
    accuracy: dict[str, float]
    rows: list[dict[str, Any]]
    seconds_per_take: float


def evaluate_takes(
    folder: Path,
    *,
    seed: int,
    count: int = 40,
    coach: Callable[..., Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """Run the coach on the takes of ``seed`` and score each property against the truth."""
    from afterbeep.audio.coach import coach_take

    run = coach or coach_take
    takes = build_takes(folder, seed=seed, count=count)
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for take in takes:
        report = run(
            folder / f"v{VERSION}-seed-{seed}" / take.audio,
            script=take.script,
            fields={"first_name": take.first_name},
        )
        truth, answer = truth_of(take), answers_of(report)
        rows.append(
            {
                "id": take.id,
                "truth": truth,
                "answer": answer,
                "wpm": report.words_per_minute,
                "pitch": report.pitch_variability_semitones,
                "snr": report.snr_db,
            }
        )
        if progress:
            wrong = [p for p in PROPERTIES if truth[p] != answer[p]]
            progress(f"{take.id}: {'ok' if not wrong else 'wrong ' + ', '.join(wrong)}")
    elapsed = time.perf_counter() - started
    accuracy = {
        p: sum(r["truth"][p] == r["answer"][p] for r in rows) / len(rows) for p in PROPERTIES
    }
    return Evaluation(seed, len(rows), accuracy, rows, elapsed / max(len(rows), 1))


def iter_wrong(evaluation: Evaluation) -> Iterator[tuple[str, str, Any, Any]]:
    """(take id, property, truth, answer) for every wrong answer."""
    for row in evaluation.rows:
        for prop in PROPERTIES:
            if row["truth"][prop] != row["answer"][prop]:
                yield row["id"], prop, row["truth"][prop], row["answer"][prop]


__all__ = [
    "PROPERTIES",
    "Evaluation",
    "TakeTruth",
    "answers_of",
    "build_takes",
    "evaluate_takes",
    "iter_wrong",
    "lpc_vocode",
    "truth_of",
]

"""Fast tests of the recording coach's checks: synthesised signals and a fake transcriber.

No speech model runs here: ``FakeTranscriber`` returns words with chosen timings, so each check's
expected verdict follows from numbers worked out by hand in the test.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from afterbeep.audio import _coach_signal as sig
from afterbeep.audio import _coach_text as txt
from afterbeep.audio._coach_asr import CoachTranscript, Word
from afterbeep.audio._synth import speech_like
from afterbeep.audio.coach import CoachReport, CoachSettings, coach_take
from afterbeep.audio.io import Audio
from afterbeep.errors import InvalidInput

RATE = 16000


class FakeTranscriber:
    """Returns the same words whatever the audio (and records that it was called)."""

    def __init__(self, words: Sequence[Word]) -> None:
        self.words = tuple(words)
        self.calls = 0

    def transcribe(self, samples: NDArray[np.float32]) -> CoachTranscript:
        self.calls += 1
        return CoachTranscript(" ".join(w.text for w in self.words), self.words)


def timed(text: str, start: float, end: float) -> list[Word]:
    """The words of ``text`` over ``start``-``end`` s, each as long as its spoken words.

    "555-014-2389" is ten spoken words and gets ten words' time, so pace is even throughout.
    """
    tokens = text.split()
    counts = [sum(c.isdigit() for c in t) or 1 for t in tokens]
    step = (end - start) / sum(counts)
    words, at = [], start
    for token, count in zip(tokens, counts, strict=True):
        words.append(Word(token, at, at + count * step - 0.02))
        at += count * step
    return words


def harmonic(seconds: float, f0: NDArray[np.float64] | float, level: float = 0.2) -> NDArray:
    """A voiced sound (10 harmonics) whose F0 follows ``f0`` (Hz, per sample or constant)."""
    count = round(seconds * RATE)
    contour = np.broadcast_to(np.asarray(f0, dtype=np.float64), (count,))
    phase = 2 * np.pi * np.cumsum(contour) / RATE
    wave = sum(np.sin(k * phase) / k for k in range(1, 11))
    return (level * wave / np.max(np.abs(wave))).astype(np.float32)


def speech(seconds: float, seed: int = 0, level_dbfs: float = -20.0) -> NDArray[np.float32]:
    return speech_like(seconds, sample_rate=RATE, seed=seed, level_dbfs=level_dbfs).samples


def silence(seconds: float, noise_dbfs: float = -70.0, seed: int = 3) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(round(seconds * RATE)) * 10 ** (noise_dbfs / 20)).astype(np.float32)


SCRIPT = (
    "Hi Dana, this is Sam with Northwind. I saw your team is hiring three new reps. "
    "Would you be open to a quick call on Thursday? My number is 555-014-2389. "
    "Again, that's 555-014-2389. Thanks Dana, talk soon."
)
SAID = (
    "Hi Dana, this is Sam with Northwind. I saw your team is hiring three new reps. "
    "Would you be open to a quick call on Thursday? My number is 555-014-2389. "
    "Again, that's 555-014-2389. Thanks Dana, talk soon."
)


def coach(samples: NDArray[np.float32], words: Sequence[Word], **kwargs: object) -> CoachReport:
    return coach_take(Audio(samples, RATE), transcriber=FakeTranscriber(words), **kwargs)  # type: ignore[arg-type]


# --- waveform checks -------------------------------------------------------------------------


def test_yin_finds_the_fundamental_of_a_harmonic_sound() -> None:
    audio = harmonic(1.0, 150.0)
    activity = sig.speech_activity(audio, RATE)
    f0 = sig.f0_track(audio, RATE, activity)
    # 150 Hz is a lag of 106.7 samples; the integer lags 106/107 give 150.9/149.5 Hz.
    assert len(f0) > 80
    assert abs(float(np.median(f0)) - 150.0) < 1.5


def test_constant_pitch_is_monotone_and_a_gliding_one_is_not() -> None:
    flat = harmonic(3.0, 120.0)
    t = np.arange(3 * RATE) / RATE
    # +-6 semitones around 120 Hz at 0.5 Hz: a 10-90 % range of about 11 semitones.
    varied = harmonic(3.0, 120.0 * 2 ** (6 * np.sin(2 * np.pi * 0.5 * t) / 12))
    for audio, low, high in ((flat, 0.0, 0.5), (varied, 9.0, 13.0)):
        activity = sig.speech_activity(audio, RATE)
        spread = sig.pitch_spread_semitones(sig.f0_track(audio, RATE, activity))
        assert spread is not None
        assert low <= spread <= high


def test_pauses_and_dead_air_are_measured_from_the_waveform() -> None:
    # 2 s of room tone, 4 s speech, a 1.5 s pause, 4 s speech, 2 s room tone.
    audio = np.concatenate([silence(2.0), speech(4.0), silence(1.5), speech(4.0, 1), silence(2.0)])
    activity = sig.speech_activity(audio, RATE)
    long_pauses = [(a, b) for a, b in activity.pauses() if b - a >= 1.0]
    assert len(long_pauses) == 1
    start, end = long_pauses[0]
    # speech_like fades in and out over a syllable (~125 ms), so edges move by up to ~0.2 s.
    assert 5.7 <= start <= 6.05
    assert 7.45 <= end <= 7.8
    assert 1.95 <= activity.speech_start_s <= 2.2
    assert 11.3 <= activity.speech_end_s <= 11.55


def test_clipping_counts_runs_at_full_scale_not_single_peaks() -> None:
    clean = speech(3.0) * 0.5
    clean[1000] = 1.0  # one full-scale sample: a normalised peak, not clipping
    assert sig.clipping(clean, RATE).runs == 0
    hot = np.clip(speech(3.0) * 20, -1.0, 1.0)
    clipped = sig.clipping(hot, RATE)
    assert clipped.runs > 10
    assert clipped.first_at_s is not None


def test_snr_estimate_tracks_the_noise_added() -> None:
    rng = np.random.default_rng(0)
    base = np.concatenate([silence(1.0, -200), speech(6.0), silence(1.0, -200), speech(6.0, 2)])
    speech_rms = float(np.sqrt(np.mean(base[np.abs(base) > 1e-3] ** 2)))
    for snr in (5.0, 30.0):
        noise = rng.standard_normal(len(base)) * speech_rms * 10 ** (-snr / 20)
        estimate = sig.snr_db(sig.speech_activity((base + noise).astype(np.float32), RATE))
        # Speech frames include syllable troughs, so the estimate sits a few dB under the
        # RMS-based SNR that was added; it must still separate 5 dB from 30 dB clearly.
        assert estimate is not None
        assert snr - 8 <= estimate <= snr + 3


# --- word checks -----------------------------------------------------------------------------


def test_digit_runs_read_words_numerals_and_split_groups() -> None:
    words = timed("call five five five, zero one four, two three eight nine. thanks", 0, 6)
    (run,) = txt.digit_runs(words)
    assert run.digits == "5550142389"
    assert txt.digit_runs(timed("at 555-0142 today", 0, 2))[0].digits == "5550142"
    # Whisper's "550-142": one digit lost, still the number 555-0142.
    garbled = txt.digit_runs(timed("at 550-142 today", 0, 2))
    assert [r.digits for r in txt.number_mentions(garbled, "5550142")] == ["550142"]
    other = txt.digit_runs(timed("at 867-5309 today", 0, 2))
    assert txt.number_mentions(other, "5550142") == []


def test_phone_numbers_of_a_script_written_or_spoken() -> None:
    assert txt.phone_digits_of(SCRIPT) == ["5550142389", "5550142389"]
    assert txt.phone_digits_of("ring five five five, zero one four two") == ["5550142"]


def test_fillers_are_hesitations_and_comma_set_like() -> None:
    words = timed("Um, we help teams like yours, uh, ramp faster, like, in half the time.", 0, 5)
    found = [f.text for f in txt.fillers(words)]
    assert found == ["um", "uh", "like"]


def test_sentence_pace_counts_digits_as_words() -> None:
    # 10 digits in one token span 3 s: 10 words in 3 s = 200 wpm.
    (sentence,) = txt.sentences([Word("555-014-2389.", 1.0, 4.0)])
    assert sentence.words == 10
    assert sentence.words_per_minute == pytest.approx(200.0)


def test_script_alignment_names_the_skipped_phrase_and_its_time() -> None:
    said = SAID.replace(" Would you be open to a quick call on Thursday?", "")
    words = timed(said, 0.0, 20.0)
    match = txt.compare_with_script(words, SCRIPT)
    skipped = [p for p in match.phrases if p.kind == "skipped"]
    assert [p.text for p in skipped] == ["would you be open to a quick call on thursday"]
    # 10 of the script's 55 spoken words are missing: 7 + 9 + 10 + (3 + 10) + (2 + 10) + 4,
    # phone numbers read digit by digit.
    assert match.wer == pytest.approx(10 / 55, abs=0.001)
    identical = txt.compare_with_script(timed(SAID, 0.0, 20.0), SCRIPT)
    assert identical.wer == 0.0
    assert identical.phrases == ()


def test_name_mentions_allow_one_letter_of_asr_spelling() -> None:
    words = timed("Hi Dayna, this is Sam. Thanks Dana's team, Don.", 0, 4)
    assert len(txt.name_mentions(words, "Dana")) == 2  # Dayna, Dana's; not Don (2 edits)


# --- the whole report ------------------------------------------------------------------------


def _take(seconds: float = 20.0) -> NDArray[np.float32]:
    return np.concatenate([silence(0.3), speech(seconds), silence(0.5)])


def test_good_take_is_ready_and_json_has_the_documented_keys() -> None:
    # 55 spoken words over 24 s of talk: 137.5 wpm, inside 110-165; the number is said at
    # 55 / 24 = 2.3 digits per second, under 3.3.
    report = coach(_take(24.0), timed(SAID, 0.3, 24.3), script=SCRIPT)
    data = json.loads(json.dumps(report.to_dict()))
    for key in (
        "speech_duration_s",
        "words_per_minute",
        "longest_pause_s",
        "filler_count",
        "pitch_variability_semitones",
        "clipping",
        "snr_db",
        "callback_number_mentions",
        "first_name_mentions",
        "script_wer",
        "transcript",
        "findings",
    ):
        assert key in data
    assert data["words_per_minute"] == pytest.approx(137.5, abs=1.0)
    assert data["callback_number_mentions"] == 2
    assert data["first_name_mentions"] == 2
    assert data["script_wer"] == 0.0
    assert data["call_to_action"] is True
    bad = [f for f in report.findings if f.verdict in {"warn", "fail"}]
    # speech_like's glide is +-12 % (about 4 semitones peak to peak): it may read as monotone.
    assert {f.check for f in bad} <= {"monotone"}
    assert all({"check", "verdict", "at_s", "advice"} <= f.keys() for f in data["findings"])
    assert data["timeline"] == sorted(data["timeline"], key=lambda i: i["start_s"])


def test_fast_talker_with_number_once_and_no_cta() -> None:
    said = SAID.replace(" Would you be open to a quick call on Thursday?", "").replace(
        " Again, that's 555-014-2389.", ""
    )
    # 55 - 10 - 12 = 33 spoken words in 8 s: 247 wpm, over 165.
    report = coach(_take(8.0), timed(said, 0.3, 8.3), script=SCRIPT)
    assert report.verdict_of("pace") == "fail"
    assert report.verdict_of("callback_number") == "warn"
    assert report.verdict_of("call_to_action") == "fail"
    assert report.verdict_of("duration") == "warn"  # 8 s of speech, under 10
    assert report.verdict == "re-record"
    top = report.top_changes
    assert len(top) == 3
    assert top[0].verdict == "fail"
    assert {f.check for f in top} <= {"pace", "call_to_action", "callback_number", "duration"}


def test_slow_talker_and_long_take() -> None:
    # 55 words over 35 s: 94 wpm, and 35 s of speech is over the 30 s limit.
    report = coach(_take(35.0), timed(SAID, 0.3, 35.3), script=SCRIPT)
    assert report.verdict_of("pace") == "warn"
    assert report.verdict_of("duration") == "fail"


def test_clipped_noisy_take_with_dead_air() -> None:
    rng = np.random.default_rng(1)
    body = np.clip(speech(15.0) * 20, -1.0, 1.0)
    take = np.concatenate([silence(2.5), body, silence(2.0)])
    # Clipped speech is near 0 dBFS RMS; noise at 0.15 RMS (-16.5 dBFS) leaves about 15 dB.
    take = (take + rng.standard_normal(len(take)) * 0.15).astype(np.float32)
    report = coach(take, timed(SAID, 2.5, 17.5), script=SCRIPT)
    assert report.verdict_of("clipping") == "fail"
    assert report.verdict_of("noise") == "warn"
    assert report.verdict_of("dead_air") == "warn"
    assert report.dead_air_start_s == pytest.approx(2.5, abs=0.25)


def test_fields_give_the_number_and_name_without_a_script() -> None:
    words = timed("Hi Priya, call me at five five five, zero one four, two three eight nine.", 0, 8)
    report = coach(_take(8.0), words, fields={"first_name": "Priya", "rep_phone": "555-014-2389"})
    assert report.expected_number == "5550142389"
    assert len(report.number_mentions) == 1
    # "Priya," is the second of 15 spoken words over 8 s: it starts at 8 / 15 s.
    assert report.first_name_times == pytest.approx((8 / 15,))
    assert report.script_wer is None


def test_bad_inputs_are_invalid_input_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="rep_phone"):
        coach(_take(), [], fields={"rep_phone": "12"})
    with pytest.raises(InvalidInput, match="script"):
        coach(_take(), [], script="  ")
    with pytest.raises(InvalidInput):
        coach_take(Audio(np.zeros(0, np.float32), RATE), transcriber=FakeTranscriber([]))


def test_settings_are_validated() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        CoachSettings(fast_wpm=-1)
    with pytest.raises(ValidationError):
        CoachSettings(unknown=1)  # type: ignore[call-arg]


def test_digit_homophones_and_split_runs_still_make_the_number() -> None:
    # Whisper wrote "four" as "For", and split "555-338-4175" with an inserted "or".
    words = timed("line is 555-304. For 3-2-1-8. Again", 0, 4)
    runs = txt.digit_runs(words, min_digits=1)
    assert [r.digits for r in runs] == ["55530443218"]  # one extra 4: one edit from the number
    assert len(txt.number_mentions(runs, "5553043218")) == 1
    split = txt.digit_runs(timed("is 555-338- or 175. Again", 0, 3), min_digits=1)
    assert [r.digits for r in txt.number_mentions(split, "5553384175")] == ["555338175"]
    # "three new reps" and "200 teams" are not the number.
    other = txt.digit_runs(timed("hiring three new reps across 200 teams", 0, 3), min_digits=1)
    assert txt.number_mentions(other, "5553384175") == []


def test_acoustic_filler_cue_finds_a_steady_unrecognised_hum() -> None:
    from afterbeep.audio._coach_fillers import acoustic_fillers

    # 3 s of speech, a 0.4 s steady 110 Hz "uh" between pauses, 3 s of speech; the fake words
    # cover both speech stretches but nothing over the hum.
    hum = harmonic(0.4, 110.0, level=0.1)
    audio = np.concatenate([speech(3.0), silence(0.5), hum, silence(0.5), speech(3.0, 1)])
    activity = sig.speech_activity(audio, RATE)
    words = timed("we help teams ramp faster", 0.0, 3.0) + timed("in half the time", 4.4, 7.4)
    found = acoustic_fillers(audio, RATE, activity, words, [])
    assert [f.text for f in found] == ["um?"]
    assert 3.4 <= found[0].at_s <= 3.6
    # A filler the transcript already has at that time is not counted twice.
    assert acoustic_fillers(audio, RATE, activity, words, [txt.Filler("uh", 3.5)]) == []


# --- the Whisper transcriber's fallback when the prompted pass skips speech -------------------


class _Seg:
    def __init__(self, words: Sequence[Word]) -> None:
        self.text = " ".join(w.text for w in words)
        self.words = [_W(f" {w.text}", w.start_s, w.end_s) for w in words]


class _W:
    def __init__(self, word: str, start: float, end: float) -> None:
        self.word, self.start, self.end = word, start, end


class SkippingModel:
    """A stand-in for faster-whisper: with a prompt it hears only the first second's word and an
    "Um,"; without one it hears every word. Records the prompts it was given."""

    def __init__(self, words: Sequence[Word]) -> None:
        self.words = list(words)
        self.prompts: list[str | None] = []

    def transcribe(self, audio: NDArray[np.float32], **options: object) -> tuple[list[_Seg], None]:
        prompt = options.get("initial_prompt")
        self.prompts.append(prompt)  # type: ignore[arg-type]
        if prompt is None:
            return [_Seg(self.words)], None
        return [_Seg([self.words[0], Word("Um,", 5.0, 5.2)])], None


def test_unheard_speech_is_the_speech_no_word_covers() -> None:
    from afterbeep.audio._coach_asr import unheard_speech

    audio = np.concatenate([silence(0.5), speech(1.0), silence(0.5), speech(3.0, 1), silence(0.5)])
    first = [Word("Hi", 0.5, 1.5)]
    holes = unheard_speech(audio, first)
    assert len(holes) == 1
    start, end = holes[0]
    assert 1.8 <= start <= 2.2
    assert 4.8 <= end <= 5.2
    every = [*first, Word("there", 2.0, 5.0)]
    assert unheard_speech(audio, every) == []


def test_a_chunk_the_prompted_pass_skipped_is_heard_again_without_the_prompt() -> None:
    from afterbeep.audio import _coach_asr as asr

    audio = np.concatenate([silence(0.5), speech(1.0), silence(0.5), speech(3.0, 1), silence(0.5)])
    said = [
        Word("Hi", 0.5, 1.5),
        Word("this", 2.0, 3.0),
        Word("is", 3.0, 4.0),
        Word("Sam", 4.0, 5.0),
    ]
    model = SkippingModel(said)
    asr._MODELS["fake-model"] = model
    try:
        transcript = asr.WhisperCoachTranscriber("fake-model").transcribe(audio)
    finally:
        del asr._MODELS["fake-model"]
    assert model.prompts == [asr.FILLER_PROMPT, None]
    # Every word of the plain pass, plus the prompted pass's hesitation where no word was.
    assert [w.text for w in transcript.words] == ["Hi", "this", "is", "Sam", "Um,"]

import json
import unicodedata

import numpy as np
import pytest
import soundfile

from afterbeep.audio._synth import speech_like, with_silence
from afterbeep.audio.assemble import (
    Gap,
    assemble_file,
    assemble_message,
    find_gap,
    find_name_clip,
    normalise_name,
    splice,
)
from afterbeep.audio.io import Audio, read_audio
from afterbeep.audio.levels import integrated_lufs, speech_lufs, true_peak_dbtp
from afterbeep.audio.settings import AudioSettings
from afterbeep.errors import InvalidInput

RATE = 8000
PAUSE = (1.6, 2.2)  # the pause the rep leaves for the name, seconds


def _base(seconds=6.0, seed=0):
    """A phone-rate take at about -20 dBFS with a 600 ms pause (10 ms ramps) at PAUSE."""
    speech = speech_like(seconds, sample_rate=RATE, seed=seed, level_dbfs=-20.0).samples
    mask = np.ones(len(speech))
    lo, hi = round(PAUSE[0] * RATE), round(PAUSE[1] * RATE)
    ramp = round(0.01 * RATE)
    mask[lo:hi] = 0.0
    mask[lo - ramp : lo] = np.linspace(1, 0, ramp)
    mask[hi : hi + ramp] = np.linspace(0, 1, ramp)
    return Audio((speech * mask).astype(np.float32), RATE)


def _name_clip(level_dbfs=-32.0, seed=7, rate=16000):
    word = speech_like(0.55, sample_rate=rate, seed=seed, level_dbfs=level_dbfs, f0_hz=180.0)
    return with_silence(word, before_s=0.25, after_s=0.3, noise_dbfs=-80.0)


JOIN_FACTOR = np.sqrt(2)
"""Joins may step up to sqrt(2) times the largest step inside either piece, no more.

Why: a crossfade sample is w1*a + w2*b with equal-power weights (cos, sin), so its step is at
most (w1 + w2) * max step + |dw| * (|a| + |b|); w1 + w2 peaks at sqrt(2) mid-fade, and the
weights change by at most pi/(2N) per sample (0.013 over 15 ms at 8 kHz), adding nothing
audible. A click is a step beyond anything the voice itself does; a hard cut steps by the
full amplitude at the cut.
"""


def _max_jump(samples):
    return float(np.abs(np.diff(samples.astype(np.float64))).max())


def _join_jumps(message, fade_s):
    """Largest sample-to-sample step within one crossfade either side of each join."""
    rate = message.audio.sample_rate
    name = message.segments[1]
    jumps = []
    for at in (name.start_s, name.end_s):
        lo = max(0, round((at - fade_s) * rate))
        hi = round((at + 2 * fade_s) * rate)
        jumps.append(_max_jump(message.audio.samples[lo:hi]))
    return jumps


def _name_interior(message, fade_s):
    rate = message.audio.sample_rate
    name = message.segments[1]
    return message.audio.samples[
        round((name.start_s + fade_s) * rate) : round((name.end_s - fade_s) * rate)
    ]


@pytest.fixture
def library(tmp_path):
    names = tmp_path / "names"
    names.mkdir()
    clip = _name_clip()
    soundfile.write(str(names / "Dana.wav"), clip.samples, clip.sample_rate)
    soundfile.write(
        str(names / unicodedata.normalize("NFD", "José.wav")), clip.samples, clip.sample_rate
    )
    (names / "notes.txt").write_text("not a clip")
    return names


def _write_base(tmp_path, audio):
    path = tmp_path / "base.wav"
    soundfile.write(str(path), audio.samples, audio.sample_rate, subtype="PCM_16")
    return path


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("José", "jose"),
        ("  ANN marie ", "ann-marie"),
        ("Zoë", "zoe"),
        ("D'Andre", "dandre"),
        ("Łukasz", "łukasz"),
    ],
)
def test_names_are_matched_without_case_or_accents(given, key):
    assert normalise_name(given) == key


def test_a_name_without_letters_is_refused():
    with pytest.raises(InvalidInput, match="first_name"):
        normalise_name("--!!")


def test_the_library_finds_clips_whatever_the_spelling(library):
    assert find_name_clip(library, "DANA").name == "Dana.wav"
    assert find_name_clip(library, "jose") is not None
    assert find_name_clip(library, "José") is not None
    assert find_name_clip(library, "Priya") is None
    with pytest.raises(InvalidInput, match="name library folder not found"):
        find_name_clip(library / "missing", "Dana")


def test_the_pause_nearest_a_time_is_found():
    base = _base()
    gap = find_gap(base, near_s=2.0)
    # The pause is 1.6-2.2 s (its ramps end 10 ms outside); 60 ms of it is kept each side.
    assert gap.start_s == pytest.approx(PAUSE[0] + 0.06, abs=0.02)
    assert gap.end_s == pytest.approx(PAUSE[1] - 0.06, abs=0.02)


def test_no_pause_is_a_clear_error():
    steady = Audio(
        (0.3 * np.sin(2 * np.pi * 200 * np.arange(3 * RATE) / RATE)).astype(np.float32), RATE
    )
    with pytest.raises(InvalidInput, match="no pause"):
        find_gap(steady, near_s=1.0)


@pytest.mark.parametrize("gap", [Gap(PAUSE[0] + 0.06, PAUSE[1] - 0.06), Gap(1.55, 2.25)])
def test_splice_has_no_click_and_keeps_the_loudness(gap):
    """No join steps further than JOIN_FACTOR times the largest step inside either piece.

    The second gap cuts into live speech 50 ms before the pause on both sides.
    """
    base = _base()
    message = splice(base, gap, _name_clip(), clip_source="dana.wav", synthetic=False)
    fade_s = AudioSettings().crossfade_ms / 1000
    bound = JOIN_FACTOR * max(_max_jump(base.samples), _max_jump(_name_interior(message, fade_s)))
    for jump in _join_jumps(message, fade_s):
        assert jump <= bound
    assert abs(message.loudness_lufs - message.base_loudness_lufs) <= 1.0
    assert message.loudness_lufs == pytest.approx(integrated_lufs(message.audio))
    # The name is as loud as the speech around it (it was recorded 12 dB quieter).
    name = Audio(_name_interior(message, fade_s), RATE)
    assert speech_lufs(name) == pytest.approx(speech_lufs(base), abs=1.0)
    assert message.name_gain_db > 6.0
    assert not message.artificial_voice


def test_the_join_metric_catches_a_hard_cut():
    # Tones make the pieces' own steps small: 200 Hz at 0.5 steps at most 2*pi*200/8000*0.5 =
    # 0.079 per sample, the 300 Hz "name" about 0.12 after matching (bound 0.16). Cut where the
    # base is at 0.37 into a name starting at 0: a hard splice steps by 0.37, over twice that.
    t = np.arange(4 * RATE) / RATE
    tone = Audio((0.5 * np.sin(2 * np.pi * 200 * t + 0.9)).astype(np.float32), RATE)
    clip = Audio((0.3 * np.sin(2 * np.pi * 300 * t[:RATE])).astype(np.float32), RATE)
    gap = Gap(1.5013, 2.2037)
    message = splice(tone, gap, clip, clip_source="x", synthetic=False)
    fade_s = AudioSettings().crossfade_ms / 1000
    bound = JOIN_FACTOR * max(_max_jump(tone.samples), _max_jump(_name_interior(message, fade_s)))
    assert bound < 0.2
    assert max(_join_jumps(message, fade_s)) <= bound
    start = round(gap.start_s * RATE)
    gain = 10 ** (message.name_gain_db / 20)
    hard_jump = abs(tone.samples[start - 1] - gain * clip.samples[0])
    assert hard_jump > 2 * bound


def test_crossfading_two_loud_pieces_stays_under_the_ceiling():
    # Worst case for an equal-power fade: the same full-level tone on both sides of each join,
    # in phase, sums to sqrt(2) (+3 dB) mid-fade without the final limiter.
    t = np.arange(4 * RATE) / RATE
    loud = Audio((0.8 * np.sin(2 * np.pi * 250 * t)).astype(np.float32), RATE)
    message = splice(
        loud, Gap(1.0, 2.0), Audio(loud.samples[:RATE], RATE), clip_source="x", synthetic=False
    )
    ceiling = max(AudioSettings().true_peak_dbtp, true_peak_dbtp(loud.samples))
    assert true_peak_dbtp(message.audio.samples) <= ceiling + 0.01
    # The base outside the joins is untouched (to 0.0001 dB: the limiter aims that far under).
    np.testing.assert_allclose(
        message.audio.samples[: RATE - 200], loud.samples[: RATE - 200], rtol=2e-5, atol=1e-7
    )


def test_a_synthetic_name_marks_the_message_artificial():
    message = splice(_base(), Gap(1.66, 2.14), _name_clip(), clip_source="piper:x", synthetic=True)
    assert message.artificial_voice
    assert [s.kind for s in message.synthetic_segments] == ["name"]
    assert json.loads(json.dumps(message.to_dict()))["artificial_voice"] is True


def test_a_gap_outside_the_take_or_too_short_is_refused():
    base = _base()
    for gap in (Gap(5.9, 7.0), Gap(2.0, 2.01), Gap(2.0, 1.8)):
        with pytest.raises(InvalidInput, match="gap"):
            splice(base, gap, _name_clip(), clip_source="x", synthetic=False)


@pytest.mark.parametrize("text", ["1.2", "a:b", "1:2:3"])
def test_gap_text_must_be_start_colon_end(text):
    with pytest.raises(InvalidInput, match="START:END"):
        Gap.parse(text)


def test_gap_text_parses():
    assert Gap.parse("1.66:2.14") == Gap(1.66, 2.14)


def test_assemble_file_from_the_library_with_a_detected_gap(tmp_path, library):
    base_path = _write_base(tmp_path, _base())
    out = tmp_path / "out" / "dana.wav"
    message = assemble_file(
        base_path, out, first_name="dana", names_dir=library, near_s=1.9, phone_format="mulaw"
    )
    written = read_audio(out)
    assert soundfile.info(str(out)).subtype == "ULAW"
    assert written.sample_rate == 8000
    assert abs(integrated_lufs(written) - message.base_loudness_lufs) <= 1.0
    assert message.segments[1].source.endswith("Dana.wav")
    assert not message.artificial_voice
    with pytest.raises(InvalidInput, match="overwrite the base"):
        assemble_file(base_path, base_path, first_name="dana", names_dir=library, near_s=1.9)


def test_missing_clip_without_tts_names_the_field(tmp_path, library):
    base_path = _write_base(tmp_path, _base())
    with pytest.raises(InvalidInput, match="no recorded clip for 'Priya'") as caught:
        assemble_message(base_path, first_name="Priya", names_dir=library, near_s=1.9, tts=False)
    assert caught.value.field == "first_name"


def test_gap_and_near_are_exclusive(tmp_path, library):
    base_path = _write_base(tmp_path, _base())
    with pytest.raises(InvalidInput, match="either"):
        assemble_message(base_path, first_name="Dana", names_dir=library)


@pytest.mark.slow
def test_tts_fallback_speaks_the_name_and_marks_it_artificial(tmp_path, library):
    base_path = _write_base(tmp_path, _base())
    message = assemble_message(
        base_path, first_name="Priya", names_dir=library, gap=Gap(1.66, 2.14)
    )
    assert message.artificial_voice
    (synthetic,) = message.synthetic_segments
    assert synthetic.source.startswith("piper:")
    assert 0.2 < synthetic.end_s - synthetic.start_s < 1.5
    assert abs(message.loudness_lufs - message.base_loudness_lufs) <= 1.0
    fade_s = AudioSettings().crossfade_ms / 1000
    bound = max(
        _max_jump(read_audio(base_path).samples), _max_jump(_name_interior(message, fade_s))
    )
    assert max(_join_jumps(message, fade_s)) <= bound


def test_the_pause_is_found_in_a_noisy_room():
    base = _base()
    noise = np.random.default_rng(3).standard_normal(len(base.samples)) * 10 ** (-45 / 20)
    noisy = Audio((base.samples + noise).astype(np.float32), RATE)
    gap = find_gap(noisy, near_s=2.0)
    # The same pause; its edges may move into the soft ends of the syllables around it, which
    # sink into the noise (the speech envelope rises over ~60 ms).
    assert PAUSE[0] - 0.1 < gap.start_s < PAUSE[0] + 0.1
    assert PAUSE[1] - 0.1 < gap.end_s < PAUSE[1] + 0.1


def test_tts_without_the_extra_says_which_extra_to_install(tmp_path, library, monkeypatch):
    from afterbeep.audio import tts
    from afterbeep.errors import MissingExtra

    def missing(module, extra):
        raise MissingExtra(module, extra)

    monkeypatch.setattr(tts, "require", missing)
    tts._voice.cache_clear()
    base_path = _write_base(tmp_path, _base())
    with pytest.raises(MissingExtra, match=r"afterbeep\[tts\]"):
        assemble_message(base_path, first_name="Priya", names_dir=library, near_s=1.9)
    tts._voice.cache_clear()

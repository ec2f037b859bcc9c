"""The corpus builder: class mix, determinism, and labels that are true of the written audio."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from afterbeep.detect import _builder_text as text
from afterbeep.detect._builder import ACOUSTIC_NOISES, CLASS_MIX, class_plan, sentence_pause_ms
from afterbeep.detect._mailbox import MailboxState, classify_mailbox
from afterbeep.detect.corpus import build_corpus, load_corpus, read_call_audio
from afterbeep.errors import ConfigError


def _digest(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.suffix in (".wav", ".jsonl")
    }


def _goertzel_db(samples: np.ndarray, rate: int, hz: float) -> float:
    """Power at ``hz`` of a short window, dB (full scale sine = about 0 dB)."""
    x = samples.astype(np.float64) / 32768.0
    t = np.arange(len(x)) / rate
    window = np.hanning(len(x))
    value = np.abs(np.sum(x * window * np.exp(-2j * np.pi * hz * t))) / (window.sum() / 2)
    return float(20 * np.log10(value + 1e-12))


def test_class_plan_follows_the_mix():
    plan = class_plan(1, 600)
    counts = {(a, m): plan.count((a, m)) for a, m, _ in CLASS_MIX}
    # 600 calls: 35% human, 30% personal, 15% carrier, 7% general, 4% full, 4% not set up,
    # 2.5% fax, 2.5% silence.
    assert counts == {
        ("human", None): 210,
        ("machine", "personal"): 180,
        ("machine", "carrier_default"): 90,
        ("machine", "general"): 42,
        ("machine", "full"): 24,
        ("machine", "not_set_up"): 24,
        ("fax", None): 15,
        ("silence", None): 15,
    }
    assert plan != class_plan(2, 600)  # shuffled by the seed
    assert len(class_plan(3, 7)) == 7


def test_bad_options_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="sample_rate must be 8000 or 16000"):
        build_corpus(tmp_path, seed=1, count=1, sample_rate=44100)
    with pytest.raises(ConfigError, match="engines must be among"):
        build_corpus(tmp_path, seed=1, count=1, engines=("festival",))


def test_same_seed_same_corpus_even_with_a_fresh_cache(tiny_corpus, tmp_path):
    again = tmp_path / "again"
    build_corpus(again, seed=7, count=16, engines=("espeak",), cache_dir=tmp_path / "cache")
    assert _digest(again) == _digest(tiny_corpus)
    other = tmp_path / "other"
    build_corpus(other, seed=8, count=4, engines=("espeak",), cache_dir=tmp_path / "cache")
    assert _digest(other) != {k: v for k, v in _digest(tiny_corpus).items() if k in _digest(other)}


def test_tiny_corpus_is_valid_and_varied(tiny_corpus):
    corpus = load_corpus(tiny_corpus)
    assert len(corpus) == 16
    texts = {item["text"] for c in corpus for item in c.extra["synth"].get("speech", [])}
    assert len(texts) >= 10  # texts come from templates, not a fixed handful
    build = json.loads((tiny_corpus / "build.json").read_text())
    assert build["seed"] == 7


def test_labels_are_true_of_the_audio(tiny_corpus):
    corpus = load_corpus(tiny_corpus)
    checked_beeps = checked_speech = checked_pre = checked_rooms = checked_recordings = 0
    for call in corpus:
        samples, rate = read_call_audio(corpus.audio_path(call))
        synth = call.extra["synth"]
        tags = call.tags
        n20 = rate // 50
        # Digital pre-silence is exact zeros (mu-law keeps zero at zero), up to where a
        # person's room is heard from the pick-up.
        if tags["pre_kind"] == "digital":
            pre = (synth["pre_ms"] - 1) * rate // 1000  # pre_ms is rounded to the ms
            room_from = synth.get("room_from_ms")
            if call.answered_by == "human":
                assert room_from is not None
                assert 0 <= room_from <= 300, call.id
                pre = min(pre, max(0, room_from - 1) * rate // 1000)
            assert not np.any(samples[:pre]), call.id
            checked_pre += 1
        if call.answered_by == "human" and tags["noise"] in ACOUSTIC_NOISES:
            # Talkers or the street behind a person are heard before their first word.
            first_word = synth["pre_ms"] * rate // 1000
            heard = (synth["room_from_ms"] + 1) * rate // 1000
            assert np.any(samples[heard:first_word]), call.id
            checked_rooms += 1
        if (
            call.answered_by == "machine"
            and tags["noise"] in ACOUSTIC_NOISES
            and call.beep_end_ms is not None
            and tags.get("dc") != "yes"
        ):
            # A recorded greeting's room ends with its recording: none after the beep.
            end = call.beep_end_ms * rate // 1000 + n20
            assert np.abs(samples[end : end + 5 * n20].astype(np.int32)).max() <= 2, call.id
            checked_recordings += 1
        if call.beep_end_ms is not None:
            hz = synth["beep"]["hz"][-1]
            last_ms = synth["beep"]["ms"][-1]
            end = call.beep_end_ms * rate // 1000
            window = min(n20, last_ms * rate // 1000 // 2)
            inside = _goertzel_db(samples[end - window - 8 : end - 8], rate, hz)
            after = _goertzel_db(samples[end + 8 : end + 8 + window], rate, hz)
            # The tone is there up to its labelled end and gone right after it.
            assert inside > after + 15, (call.id, inside, after)
            checked_beeps += 1
        speech_end = call.greeting_end_ms or call.human_greeting_end_ms
        if speech_end is not None and tags["noise"] == "none" and tags.get("dc") != "yes":
            end = speech_end * rate // 1000
            # A band-limited (PSTN) call rings on for a few ms after the speech; by 10 ms it
            # is more than 75 dB down.
            settle = n20 // 2 if tags.get("band") == "pstn" else 8
            before = np.abs(samples[end - n20 // 2 : end].astype(np.int32)).max()
            after = np.abs(samples[end + settle : end + settle + 4 * n20].astype(np.int32)).max()
            # Speech ends at the label: its last 10 ms are sound (within 40 dB of its loudest),
            # then there is silence.
            assert before >= 4, (call.id, before)
            if call.answered_by == "human" and tags.get("room") == "yes":
                # A live line keeps its room tone (-72 to -58 dBFS before the call's gain).
                tail = samples[end + settle : end + settle + 4 * n20].astype(np.float64)
                assert 0 < np.sqrt(np.mean(tail**2)) < 60, call.id
            else:
                assert after <= 2, (call.id, after)
            checked_speech += 1
    assert checked_beeps >= 3
    assert checked_speech >= 2
    assert checked_pre >= 3
    assert checked_rooms >= 1
    assert checked_recordings >= 1


def test_sixteen_khz_build(tmp_path, tts_cache):
    build_corpus(
        tmp_path, seed=11, count=3, sample_rate=16000, engines=("espeak",), cache_dir=tts_cache
    )
    corpus = load_corpus(tmp_path)
    for call in corpus:
        info = soundfile.info(str(corpus.audio_path(call)))
        assert info.samplerate == 16000


@pytest.mark.slow
def test_piper_build_is_deterministic_and_valid(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    build_corpus(first, seed=21, count=24, cache_dir=tmp_path / "c1", workers=2)
    build_corpus(second, seed=21, count=24, cache_dir=tmp_path / "c2")
    assert _digest(first) == _digest(second)
    corpus = load_corpus(first)
    engines = {c.tags.get("engine") for c in corpus}
    assert "piper" in engines or "mixed" in engines


def test_packet_loss_spares_frames_around_labels():
    from afterbeep.detect import _synth

    rng = np.random.default_rng(0)
    audio = (np.arange(8000 * 4) % 97).astype(np.float32) / 97 + 0.5  # no zeros anywhere
    protected = [1000, 2510]
    lossy, changed = _synth.packet_loss(
        rng, audio, sample_rate=8000, rate=0.9, protected_ms=protected, start=800
    )
    assert changed > 100
    # Nothing before ``start`` and nothing within 60 ms of a protected instant changes.
    assert np.array_equal(lossy[:800], audio[:800])
    for ms in protected:
        lo, hi = (ms - 60) * 8, (ms + 60) * 8
        assert np.array_equal(lossy[lo:hi], audio[lo:hi])


def test_tone_ends_on_its_last_sample():
    from afterbeep.detect import _synth

    wave = _synth.tone(1000, 250, sample_rate=8000, amplitude=0.5)
    assert len(wave) == 2000
    # Raised-cosine edges: near zero at both ends, full level in the middle.
    assert abs(wave[-1]) < 0.05
    assert np.abs(wave[900:1100]).max() > 0.49


def test_sentence_pauses_follow_recorded_greetings_with_a_few_hesitations() -> None:
    pauses = np.array([sentence_pause_ms(q) for q in np.linspace(0.0, 0.9999, 10_000)])
    assert np.all(np.diff(pauses) >= 0)  # a quantile function
    assert pauses.min() == pytest.approx(250.0)
    assert pauses.max() == pytest.approx(1500.0, abs=2.0)
    # 95% within the recorded greetings' range, 5% long hesitations past it.
    assert np.mean(pauses <= 650.0) == pytest.approx(0.95, abs=0.001)
    # The hesitations over the 950 ms a person's decision waits: about 3% of pauses.
    assert np.mean(pauses > 950.0) == pytest.approx(0.05 * 550 / 850, abs=0.002)


@pytest.mark.parametrize("beep", [False, True])
def test_every_company_line_the_builder_writes_says_it_takes_no_sales_message(beep):
    """A company line labelled general must say so in its words, or the corpus would ask the
    detector for what no listener could tell."""
    styles = set()
    for seed in range(60):
        rng = np.random.default_rng([seed, int(beep)])
        style, words = text.company_line(rng, beep=beep)
        styles.add(style)
        assert classify_mailbox(words) is MailboxState.GENERAL, words
        words = text.general_mailbox(rng, beep=beep)
        assert classify_mailbox(words) is MailboxState.GENERAL, words
    assert styles == ({"line"} if beep else {"hold", "menu"})


def test_a_menu_is_labelled_with_its_key_for_a_person_from_its_own_script():
    """``operator=0`` where the builder's script names the key (what the simulator's menu
    listens for); never for a line without one, and the words' reading agrees."""
    from afterbeep.detect._mailbox import operator_digit

    labelled = 0
    for seed in range(80):
        rng = np.random.default_rng([seed, 7])
        words = text.general_mailbox(rng, beep=False)
        _, line = text.company_line(rng, beep=False)
        for script in (words, line, text.general_mailbox(rng, beep=True)):
            key = text.operator_key(script)
            assert key == operator_digit(script), script
            labelled += key is not None
    assert labelled >= 80  # every beep-less general menu, and some company menus
    assert text.operator_key("Please hold while we connect your call.") is None

import hashlib

import numpy as np
import pytest
import soundfile
from audio_fixtures import needs_ffmpeg, write_take

from afterbeep.audio._synth import speech_like, with_silence
from afterbeep.audio.io import Audio, read_audio
from afterbeep.audio.levels import integrated_lufs, true_peak_dbtp
from afterbeep.audio.normalise import limit_true_peak, normalise_for_phone, trim_silence
from afterbeep.audio.settings import AudioSettings
from afterbeep.errors import InvalidInput


def _measure(path):
    audio = read_audio(path)
    return audio, integrated_lufs(audio), true_peak_dbtp(audio.samples)


@pytest.mark.parametrize(
    ("level_dbfs", "sample_rate", "channels", "target"),
    [
        (-42.0, 16000, 1, -19.0),
        (-12.0, 44100, 2, -19.0),
        (-24.0, 48000, 1, -16.0),
        (-24.0, 8000, 1, -23.0),
    ],
)
def test_output_hits_target_loudness_and_true_peak_ceiling(
    tmp_path, level_dbfs, sample_rate, channels, target
):
    source = tmp_path / "take.wav"
    write_take(
        source, seconds=6.0, sample_rate=sample_rate, channels=channels, level_dbfs=level_dbfs
    )
    outputs = {"mulaw": tmp_path / "out.mulaw.wav", "pcm16": tmp_path / "out.pcm16.wav"}
    result = normalise_for_phone(source, outputs, target_lufs=target)
    for phone_format, path in outputs.items():
        audio, loudness, peak = _measure(path)
        assert audio.sample_rate == 8000
        assert (
            soundfile.info(str(path)).subtype == {"mulaw": "ULAW", "pcm16": "PCM_16"}[phone_format]
        )
        assert loudness == pytest.approx(target, abs=0.5)
        assert peak <= -1.5
    reported = {item.format: item for item in result.files}
    # The result reports what a fresh measurement of the written file finds.
    assert reported["mulaw"].loudness_lufs == pytest.approx(_measure(outputs["mulaw"])[1], abs=0.01)
    assert result.loudness_before_lufs == pytest.approx(level_dbfs, abs=6.0)
    # The gain is what the loudness difference asks for, plus make-up for what limiting took.
    assert result.gain_db >= target - result.loudness_before_lufs - 1.0


def test_the_limiter_holds_the_ceiling_at_a_louder_target(tmp_path):
    # The synthetic voice's peak-to-loudness ratio is ~16-18 dB (close-miked speech):
    # at -16 LUFS its peaks would reach about +1 dBTP, over the -1.5 dBTP ceiling.
    source = tmp_path / "take.wav"
    write_take(source, seconds=5.0, level_dbfs=-20.0)
    out = tmp_path / "out.wav"
    result = normalise_for_phone(source, {"pcm16": out}, target_lufs=-16.0)
    _, loudness, peak = _measure(out)
    assert result.limiter_max_reduction_db > 1.0
    assert result.target_reached
    assert peak <= -1.5
    assert loudness == pytest.approx(-16.0, abs=0.5)


def test_a_target_that_needs_heavy_limiting_is_reported_missed(tmp_path):
    source = tmp_path / "take.wav"
    write_take(source, seconds=5.0, level_dbfs=-20.0)
    out = tmp_path / "out.wav"
    result = normalise_for_phone(source, {"pcm16": out}, target_lufs=-11.0)
    _, loudness, peak = _measure(out)
    assert not result.target_reached
    assert peak <= -1.5
    assert -19.0 < loudness < -11.5
    assert result.files[0].loudness_lufs == pytest.approx(loudness, abs=0.01)


def test_limiter_alone_holds_an_intersample_peak():
    # A tone at fs/4 with a 45-degree phase: samples sit at 0.707 of the true peak.
    t = np.arange(8000)
    fade = np.minimum(1.0, np.minimum(t, t[::-1]) / 200)  # no edge overshoot
    tone = (np.sin(np.pi / 2 * t + np.pi / 4) * fade).astype(np.float32)
    assert true_peak_dbtp(tone) == pytest.approx(0.0, abs=0.1)
    limited, reduction = limit_true_peak(Audio(tone, 8000), -3.0)
    assert true_peak_dbtp(limited.samples) <= -3.0
    assert reduction == pytest.approx(3.0, abs=0.2)


def test_trimming_keeps_all_the_speech_and_a_margin(tmp_path):
    speech = speech_like(4.0, sample_rate=16000, seed=5, level_dbfs=-22.0)
    padded = with_silence(speech, before_s=1.2, after_s=0.9, noise_dbfs=-70.0)
    trimmed, trim = trim_silence(padded, margin_ms=150, threshold_db=35, floor_dbfs=-60)
    loud = np.flatnonzero(np.abs(padded.samples) > 0.1 * np.abs(padded.samples).max())
    first_ms, last_ms = loud[0] / 16, loud[-1] / 16
    kept_start, kept_end = trim.start_ms, padded.duration_s * 1000 - trim.end_ms
    assert kept_start <= first_ms - 150 + 20  # the margin, give or take one 20 ms frame
    assert kept_end >= last_ms + 150 - 20
    # And most of the padding is gone (1.2 s and 0.9 s of it).
    assert trim.start_ms > 900
    assert trim.end_ms > 600
    assert trimmed.duration_s == pytest.approx(
        padded.duration_s - (trim.start_ms + trim.end_ms) / 1000
    )


def test_trimming_ignores_a_click_in_the_silence():
    speech = speech_like(3.0, sample_rate=8000, seed=2, level_dbfs=-20.0)
    padded = with_silence(speech, before_s=1.0, after_s=0.5, noise_dbfs=-70.0)
    samples = padded.samples.copy()
    samples[800:810] = 0.5  # a 1 ms click 100 ms in, well before the speech
    _, trim = trim_silence(Audio(samples, 8000), margin_ms=150, threshold_db=35, floor_dbfs=-60)
    assert trim.start_ms > 700


def _band_db(audio, frequency):
    spectrum = np.abs(np.fft.rfft(audio.samples * np.hanning(len(audio.samples))))
    freqs = np.fft.rfftfreq(len(audio.samples), 1 / audio.sample_rate)
    return 20 * np.log10(spectrum[np.abs(freqs - frequency) < 2].max())


def _tones_take(path, rate, tones):
    t = np.arange(4 * rate) / rate
    samples = sum(amplitude * np.sin(2 * np.pi * f * t) for f, amplitude in tones)
    soundfile.write(str(path), samples.astype(np.float32), rate, subtype="FLOAT")
    return read_audio(path)


def test_high_pass_takes_hum_off_more_than_the_voice_band(tmp_path):
    source = _tones_take(tmp_path / "hum.wav", 16000, [(50, 0.05), (1000, 0.05)])
    out = tmp_path / "out.wav"
    normalise_for_phone(tmp_path / "hum.wav", {"pcm16": out})
    audio = read_audio(out)
    hum_drop = _band_db(source, 50) - _band_db(audio, 50)
    voice_drop = _band_db(source, 1000) - _band_db(audio, 1000)
    # 2nd-order Butterworth at 100 Hz: about -12.3 dB at 50 Hz, -0.04 dB at 1 kHz.
    assert hum_drop - voice_drop == pytest.approx(12.3, abs=1.0)


def test_resampling_to_8k_band_limits_without_aliasing(tmp_path):
    source = _tones_take(tmp_path / "whistle.wav", 48000, [(1000, 0.05), (5000, 0.05)])
    out = tmp_path / "out.wav"
    normalise_for_phone(tmp_path / "whistle.wav", {"pcm16": out})
    audio = read_audio(out)
    assert _band_db(source, 5000) == pytest.approx(_band_db(source, 1000), abs=0.5)
    # Without the anti-aliasing low-pass, 5 kHz would fold to 3 kHz at the level of 1 kHz.
    assert _band_db(audio, 3000) < _band_db(audio, 1000) - 50.0


def test_the_original_is_untouched_and_cannot_be_an_output(tmp_path):
    source = tmp_path / "take.wav"
    write_take(source, seconds=3.0)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    normalise_for_phone(source, {"mulaw": tmp_path / "out.wav"})
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    with pytest.raises(InvalidInput, match="overwrite the original"):
        normalise_for_phone(source, {"mulaw": source})
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav", "take.wav"]


def test_unknown_format_and_bad_target_are_refused(tmp_path):
    source = tmp_path / "take.wav"
    write_take(source, seconds=3.0)
    with pytest.raises(InvalidInput, match="expected one of mulaw, pcm16"):
        normalise_for_phone(source, {"alaw": tmp_path / "o.wav"})
    with pytest.raises(InvalidInput, match="-40 to -10 LUFS"):
        normalise_for_phone(source, {"mulaw": tmp_path / "o.wav"}, target_lufs=-3.0)


@needs_ffmpeg
def test_browser_webm_goes_through_the_whole_chain(take, tmp_path):
    source = take("browser.webm", seconds=4.0, silence_s=0.8, sample_rate=48000)
    out = tmp_path / "out.wav"
    result = normalise_for_phone(source, {"mulaw": out}, settings=AudioSettings())
    _, loudness, peak = _measure(out)
    assert result.decoder == "ffmpeg"
    assert loudness == pytest.approx(-19.0, abs=0.5)
    assert peak <= -1.5
    assert result.trimmed_start_ms > 500
    assert set(result.to_dict()) >= {"files", "loudness_before_lufs", "gain_db", "trimmed_end_ms"}


def test_trimming_works_in_a_noisy_room():
    # Room noise at -45 dBFS is only ~25 dB under the speech: the noise floor, not the loudest
    # frame, decides what is silence.
    speech = speech_like(3.0, sample_rate=16000, seed=4, level_dbfs=-20.0)
    padded = with_silence(speech, before_s=1.0, after_s=1.0, noise_dbfs=-45.0)
    _, trim = trim_silence(padded, margin_ms=150, threshold_db=35, floor_dbfs=-60)
    assert 600 < trim.start_ms <= 850 + 20
    assert trim.end_ms > 600

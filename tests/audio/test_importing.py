import subprocess

import numpy as np
import pytest
import soundfile
from audio_fixtures import needs_ffmpeg, write_take

from afterbeep.audio.importing import import_recording
from afterbeep.audio.settings import AudioSettings
from afterbeep.errors import ConfigError, InvalidInput


def _rms_db(samples):
    return 10 * np.log10(np.mean(np.square(samples, dtype=np.float64)))


@pytest.mark.parametrize(
    ("name", "decoder", "rate"),
    [
        ("take.wav", "soundfile", 16000),
        ("take.flac", "soundfile", 16000),
        pytest.param("take.ogg", "soundfile", 16000, marks=needs_ffmpeg),
        pytest.param("take.opus", "soundfile", 16000, marks=needs_ffmpeg),
        pytest.param("take.mp3", "soundfile", 16000, marks=needs_ffmpeg),
        pytest.param("take.webm", "ffmpeg", 48000, marks=needs_ffmpeg),
        pytest.param("take.m4a", "ffmpeg", 16000, marks=needs_ffmpeg),
    ],
)
def test_every_format_imports_as_mono_with_its_length_and_level(take, name, decoder, rate):
    path = take(name, seconds=3.0, channels=2, level_dbfs=-24.0)
    recording = import_recording(path)
    assert recording.decoder == decoder
    assert recording.channels == 2
    assert recording.audio.samples.ndim == 1
    assert recording.audio.sample_rate == rate
    # Lossy codecs add encoder delay/padding (AAC 1024 samples, MP3 ~1100, Opus 312): < 0.1 s.
    assert recording.audio.duration_s == pytest.approx(3.0, abs=0.1)
    reference = write_take(path.with_suffix(".ref.wav"), seconds=3.0, level_dbfs=-24.0)
    # Same sound: lossy coding at these bit rates keeps the level within 1.5 dB.
    assert _rms_db(recording.audio.samples) == pytest.approx(_rms_db(reference.samples), abs=1.5)


@needs_ffmpeg
def test_ffmpeg_decoding_leaves_no_files_behind(take, tmp_path):
    path = take("take.webm")
    before = sorted(tmp_path.iterdir())
    import_recording(path)
    assert sorted(tmp_path.iterdir()) == before


def test_stereo_is_mixed_to_mono(tmp_path):
    path = tmp_path / "stereo.wav"
    mono = write_take(tmp_path / "mono.wav", seconds=2.5, sample_rate=44100)
    soundfile.write(str(path), np.stack([mono.samples, np.zeros_like(mono.samples)], 1), 44100)
    recording = import_recording(path)
    # Mean of the channels: the one-sided take comes back at half amplitude (-6 dB).
    assert _rms_db(recording.audio.samples) == pytest.approx(_rms_db(mono.samples) - 6.02, abs=0.1)


def _error(path, **settings):
    with pytest.raises(InvalidInput) as caught:
        import_recording(path, settings=AudioSettings(**settings))
    assert path.name in str(caught.value)
    return str(caught.value)


def test_missing_and_empty_files_are_named(tmp_path):
    assert "file not found" in _error(tmp_path / "nowhere.wav")
    empty = tmp_path / "empty.webm"
    empty.write_bytes(b"")
    assert "file is empty" in _error(empty)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("corrupt.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x07" * 200),
        ("corrupt.webm", bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8))),
        ("notes.xyz", b"these are my notes for the call, not audio\n" * 20),
    ],
)
@needs_ffmpeg
def test_undecodable_files_say_what_is_expected(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    message = _error(path)
    assert "cannot decode" in message
    assert "WebM/Opus" in message


@needs_ffmpeg
def test_a_video_without_sound_is_refused(tmp_path):
    path = tmp_path / "screen.mkv"
    video = "testsrc=duration=1:size=32x32:rate=5"
    command = ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", video, "-c:v", "mjpeg"]
    subprocess.run([*command, str(path)], check=True, capture_output=True)
    assert "has no audio stream" in _error(path)


def test_a_folder_is_not_a_take(tmp_path):
    folder = tmp_path / "take.wav"
    folder.mkdir()
    assert "not a file" in _error(folder)


@needs_ffmpeg
def test_truncated_webm_is_refused(take):
    path = take("cut.webm", seconds=3.0)
    path.write_bytes(path.read_bytes()[:300])
    message = _error(path)
    assert "cannot decode" in message or "long" in message


@pytest.mark.parametrize("noise_dbfs", [None, -75.0])
def test_silent_takes_are_refused(tmp_path, noise_dbfs):
    path = tmp_path / "silent.wav"
    rng = np.random.default_rng(0)
    samples = np.zeros(3 * 16000) if noise_dbfs is None else rng.standard_normal(3 * 16000)
    if noise_dbfs is not None:
        samples *= 10 ** (noise_dbfs / 20)
    soundfile.write(str(path), samples, 16000, subtype="FLOAT")
    assert "is silent" in _error(path)


def test_a_click_in_silence_is_still_silent(tmp_path):
    path = tmp_path / "click.wav"
    samples = np.random.default_rng(0).standard_normal(3 * 16000) * 10 ** (-75 / 20)
    samples[16000:16032] = 0.8  # a 2 ms click at 0.8 (-2 dBFS): one 50 ms window reads -23 dBFS
    soundfile.write(str(path), samples, 16000, subtype="FLOAT")
    assert "is silent" in _error(path)


def test_quiet_but_real_speech_is_accepted(tmp_path):
    path = tmp_path / "quiet.wav"
    write_take(path, seconds=3.0, level_dbfs=-45.0)
    assert import_recording(path).sustained_level_dbfs > -60.0


def test_too_short_and_too_long_takes_are_refused(tmp_path):
    short = tmp_path / "short.wav"
    write_take(short, seconds=1.5)
    assert "expected at least 2 s" in _error(short)
    long = tmp_path / "long.wav"
    write_take(long, seconds=7.0)
    assert "longer than the 6 s maximum" in _error(long, max_duration_s=6.0)


@needs_ffmpeg
def test_too_long_compressed_take_is_refused(take):
    path = take("long.m4a", seconds=7.0)
    assert "longer than the 6 s maximum" in _error(path, max_duration_s=6.0)


def test_missing_ffmpeg_is_a_config_error_saying_what_to_install(take):
    path = take("take.wav")
    fake = path.with_suffix(".webm")
    fake.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 100)
    with pytest.raises(ConfigError, match="apt-get install ffmpeg"):
        import_recording(fake, settings=AudioSettings(ffmpeg="no-such-ffmpeg-program"))

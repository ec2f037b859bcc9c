import pytest

from afterbeep.audio.settings import AudioSettings, load_audio_settings
from afterbeep.errors import ConfigError


def test_defaults_are_the_documented_ones():
    settings = AudioSettings()
    assert (settings.min_duration_s, settings.max_duration_s) == (2.0, 120.0)
    assert (settings.target_lufs, settings.true_peak_dbtp) == (-19.0, -1.5)
    assert settings.silence_floor_dbfs == -60.0


def test_the_audio_table_of_afterbeep_toml_is_read(tmp_path):
    config = tmp_path / "afterbeep.toml"
    config.write_text(
        "[afterbeep]\nport = 9000\n\n[audio]\nmax_duration_s = 60\ntarget_lufs = -16\n"
    )
    settings = load_audio_settings(config)
    assert settings.max_duration_s == 60.0
    assert settings.target_lufs == -16.0
    assert load_audio_settings(config, target_lufs=-23.0).target_lufs == -23.0


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ("target_lufs = -3", "audio.target_lufs"),
        ("min_duration_s = 30\nmax_duration_s = 20", "audio"),
        ("loudness = 1", "audio.loudness"),
    ],
)
def test_bad_values_are_config_errors_naming_the_setting(tmp_path, table, field):
    config = tmp_path / "afterbeep.toml"
    config.write_text(f"[audio]\n{table}\n")
    with pytest.raises(ConfigError, match=f"setting {field}"):
        load_audio_settings(config)

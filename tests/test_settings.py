from pathlib import Path

import pytest

from afterbeep.errors import ConfigError
from afterbeep.settings import load_settings, read_config_file


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for name in ("DATA_DIR", "DATABASE_URL", "ASR_MODEL_PATH", "HOST", "PORT"):
        monkeypatch.delenv(f"AFTERBEEP_{name}", raising=False)
    monkeypatch.delenv("AFTERBEEP_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_put_a_sqlite_file_under_data_dir():
    settings = load_settings()
    assert settings.port == 8000
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("var/afterbeep.db")


def test_file_then_environment_then_overrides(monkeypatch, tmp_path):
    (tmp_path / "afterbeep.toml").write_text('[afterbeep]\nport = 9000\nhost = "0.0.0.0"\n')
    assert load_settings().port == 9000
    monkeypatch.setenv("AFTERBEEP_PORT", "9100")
    assert load_settings().port == 9100
    assert load_settings(port=9200).port == 9200
    assert load_settings().host == "0.0.0.0"


def test_bad_value_names_the_setting(monkeypatch):
    monkeypatch.setenv("AFTERBEEP_PORT", "70000")
    with pytest.raises(ConfigError, match="setting 'port'"):
        load_settings()


def test_unknown_setting_is_an_error(tmp_path):
    (tmp_path / "afterbeep.toml").write_text("[afterbeep]\nprot = 1\n")
    with pytest.raises(ConfigError, match="prot"):
        load_settings()


def test_broken_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[afterbeep\n")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        read_config_file(path)


def test_missing_named_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        read_config_file(Path(tmp_path / "nope.toml"))


def test_database_url_wins_over_data_dir(monkeypatch):
    monkeypatch.setenv("AFTERBEEP_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_settings().resolved_database_url == "postgresql+psycopg://u@h/db"

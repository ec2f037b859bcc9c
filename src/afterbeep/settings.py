"""Service-wide settings: where data lives, which database, which speech model.

Settings come from, in rising priority: defaults here, the ``[afterbeep]`` table of
``afterbeep.toml`` in the working directory (or the file named by ``AFTERBEEP_CONFIG``), and
``AFTERBEEP_*`` environment variables. They are validated once, at start-up; a bad value is a
``ConfigError`` naming the setting. Capability-specific settings (lint rules, detector
thresholds) live with their capability and read their own tables of the same file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from afterbeep.errors import ConfigError

CONFIG_FILE_NAME = "afterbeep.toml"


class Settings(BaseModel):
    """Validated service settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path = Field(
        default=Path("var"), description="Where the SQLite file and recordings live."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in data_dir. PostgreSQL: postgresql+psycopg://...",
    )
    asr_model_path: str | None = Field(
        default=None,
        description="CTranslate2 Whisper model folder; default is the bundled tiny.en.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'afterbeep.db').resolve()}"


def read_config_file(path: Path | None = None) -> dict[str, Any]:
    """The parsed ``afterbeep.toml`` (all tables), or ``{}`` when there is none."""
    if path is None:
        env_path = os.environ.get("AFTERBEEP_CONFIG")
        path = Path(env_path) if env_path else Path.cwd() / CONFIG_FILE_NAME
        if not path.exists():
            return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: config file not found") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Settings from the config file, the environment and ``overrides``, validated."""
    values: dict[str, Any] = dict(read_config_file(path).get("afterbeep", {}))
    for name in Settings.model_fields:
        env_value = os.environ.get(f"AFTERBEEP_{name.upper()}")
        if env_value is not None:
            values[name] = env_value
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"setting {field!r}: {first['msg']}") from error

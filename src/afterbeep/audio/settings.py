"""Settings of the audio capability: import limits, the phone normalisation chain, splicing.

Owns ``AudioSettings`` (validated once, at start-up) and reading it from the ``[audio]`` table
of ``afterbeep.toml``. Must not touch audio: the modules that process audio take an
``AudioSettings`` and read their numbers from it.

The defaults and why they were chosen are documented in ``docs/audio.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from afterbeep.errors import ConfigError
from afterbeep.settings import read_config_file


class AudioSettings(BaseModel):
    """Numbers of the import checks, the phone chain and message assembly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_duration_s: float = Field(
        default=2.0, gt=0, description="Shortest take accepted, seconds (before trimming)."
    )
    max_duration_s: float = Field(
        default=120.0, gt=0, le=3600, description="Longest take accepted, seconds."
    )
    silence_floor_dbfs: float = Field(
        default=-60.0,
        le=0,
        description="A take with no 150 ms (three 50 ms windows) louder than this RMS is silent.",
    )
    target_lufs: float = Field(
        default=-19.0, ge=-40, le=-10, description="Integrated loudness of the phone output."
    )
    true_peak_dbtp: float = Field(
        default=-1.5, ge=-12, le=0, description="Ceiling for the true peak (4x oversampled)."
    )
    highpass_hz: float = Field(
        default=100.0, ge=0, le=400, description="Corner of the gentle high-pass; 0 turns it off."
    )
    trim_margin_ms: float = Field(
        default=150.0, ge=0, le=2000, description="Silence kept before and after the speech."
    )
    trim_threshold_db: float = Field(
        default=35.0,
        gt=0,
        le=80,
        description="A 20 ms frame counts as speech within this many dB of the loudest frame.",
    )
    crossfade_ms: float = Field(
        default=15.0, ge=1, le=100, description="Equal-power crossfade at each splice join."
    )
    ffmpeg: str = Field(default="ffmpeg", description="ffmpeg program name or path.")

    @model_validator(mode="after")
    def _durations_ordered(self) -> AudioSettings:
        if self.min_duration_s >= self.max_duration_s:
            raise ValueError(
                f"min_duration_s ({self.min_duration_s}) must be below "
                f"max_duration_s ({self.max_duration_s})"
            )
        return self


def load_audio_settings(path: Path | None = None, **overrides: Any) -> AudioSettings:
    """``AudioSettings`` from the ``[audio]`` table of ``afterbeep.toml`` and ``overrides``."""
    values: dict[str, Any] = dict(read_config_file(path).get("audio", {}))
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return AudioSettings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "audio"
        raise ConfigError(f"setting audio.{field}: {first['msg']}") from error


__all__ = ["AudioSettings", "load_audio_settings"]

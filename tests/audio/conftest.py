"""Fixtures for the audio tests (the helpers live in ``audio_fixtures``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from audio_fixtures import encode_with_ffmpeg, write_take


@pytest.fixture
def take(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``take("name.ext", **write_take options)`` writes a take in that format."""

    def make(name: str, **options: object) -> Path:
        target = tmp_path / name
        if target.suffix in {".wav", ".flac"}:
            write_take(target, **options)
            return target
        wav = tmp_path / f"{target.stem}.source.wav"
        write_take(wav, **options)
        return encode_with_ffmpeg(wav, target)

    return make

"""Shared fixtures for detect tests: a small synthetic corpus built once per test process.

``tiny_corpus`` is 16 calls of seed 7, espeak voices only (fast), with its own TTS cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tts_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tts-cache")


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory, tts_cache: Path) -> Path:
    from afterbeep.detect.corpus import build_corpus

    out = tmp_path_factory.mktemp("tiny") / "corpus"
    build_corpus(out, seed=7, count=16, engines=("espeak",), cache_dir=tts_cache)
    return out

"""Fixtures for telephony tests: a real afterbeep web app served by uvicorn on a loopback port
(in a thread, with its own event loop) and short synthetic labelled calls.

The app's media engine uses the oracle detector (the calls' labels), so these tests judge the
engine and the transports, not the detector (``real_detector_server``: afterbeep's own
detector, for what only its mistakes show); a 1 s message keeps calls short.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from telephony_helpers import GUARD_TOKEN, LiveServer, migrated_store, start_server

from afterbeep.detect.corpus import LabelledCall


def _serve(
    tmp_path_factory: pytest.TempPathFactory,
    detector: str,
    control_token: str | None = None,
    **engine: Any,
) -> Iterator[LiveServer]:
    from afterbeep.settings import Settings
    from afterbeep.telephony import EngineSettings, MediaEngine, TelephonySettings, default_message
    from afterbeep.web.app import create_app

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("data")))
    app.state.telephony = TelephonySettings(
        engine=EngineSettings(detector=detector, **engine), control_token=control_token
    )
    app.state.media_engine = MediaEngine(
        app.state.telephony.engine,
        message=lambda start: default_message(sample_rate=start.sample_rate, seconds=1.0),
    )
    server, thread, port = start_server(app)
    try:
        yield LiveServer(app, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _serve(tmp_path_factory, "oracle")


@pytest.fixture(scope="module")
def operator_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The oracle's app set to press a company menu's key for a person (on_menu)."""
    yield from _serve(tmp_path_factory, "oracle", on_menu="operator")


@pytest.fixture(scope="module")
def real_detector_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same app with afterbeep's own detector (no recognition): what it decides counts."""
    yield from _serve(tmp_path_factory, "afterbeep")


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """afterbeep's own detector behind the call-control token ``GUARD_TOKEN``."""
    yield from _serve(tmp_path_factory, "afterbeep", control_token=GUARD_TOKEN)


def _noise(ms: int, dbfs: float, rng: np.random.Generator) -> np.ndarray:
    n = ms * 8
    return rng.standard_normal(n) * (10 ** (dbfs / 20) * 32767)


def synthetic_call(
    kind: str, *, seed: int = 0, cue_ms: int = 1800, loud_after_cue_ms: int | None = None
) -> tuple[LabelledCall, np.ndarray]:
    """A short labelled call: ``human``, ``machine`` (beep), ``machine-nobeep``, ``full``,
    ``general`` or ``fax``. The audio is line noise with louder "speech" noise where the
    greeting is; ``loud_after_cue_ms`` adds someone talking that long after the cue."""
    rng = np.random.default_rng(seed)
    total = cue_ms + 1200
    audio = _noise(total, -60, rng)
    audio[8 * 200 : 8 * (cue_ms - 400)] += _noise(cue_ms - 600, -22, rng)
    if loud_after_cue_ms is not None:
        start = 8 * (cue_ms + 200)
        audio = np.concatenate([audio, _noise(loud_after_cue_ms + 800, -60, rng)])
        audio[start : start + 8 * loud_after_cue_ms] += _noise(loud_after_cue_ms, -15, rng)
    labels: dict[str, Any] = {
        "mailbox": None,
        "beep_end_ms": None,
        "greeting_end_ms": None,
        "human_greeting_end_ms": None,
    }
    if kind == "human":
        labels.update(answered_by="human", human_greeting_end_ms=cue_ms - 400)
    elif kind == "fax":
        labels.update(answered_by="fax")
    else:
        mailbox = {"full": "full", "general": "general"}.get(kind, "personal")
        labels.update(answered_by="machine", mailbox=mailbox, greeting_end_ms=cue_ms - 400)
        if kind != "machine-nobeep":
            labels["beep_end_ms"] = cue_ms
        else:
            labels["greeting_end_ms"] = cue_ms
    call = LabelledCall(id=f"{kind}-{seed}", audio=f"{kind}-{seed}.wav", notes="", **labels)
    return call, np.clip(audio, -32768, 32767).astype(np.int16)


@pytest.fixture
def tmp_corpus_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def make_call() -> Any:
    """``synthetic_call`` as a fixture (test modules here are not a package)."""
    return synthetic_call


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated store shared by what stands for several processes: a SQLite file, then
    the real PostgreSQL (one database per test module)."""
    worker = request.module.__name__.rsplit(".", 1)[-1]
    with migrated_store(request.param, tmp_path_factory.mktemp("store"), worker) as url:
        yield url

"""The drop ledger shared through the store: a call's message starts once across processes.

Two ledgers (or two whole afterbeep servers) on one real database stand for two processes; the
database is a SQLite file and the real PostgreSQL.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from telephony_helpers import LiveServer, start_server, twilio_stream

from afterbeep.telephony.ledger import MemoryDropLedger, StoreDropLedger


def test_memory_ledger_grants_a_call_once() -> None:
    ledger = MemoryDropLedger()
    assert not ledger.claimed(("twilio", "CA1"))
    assert ledger.claim(("twilio", "CA1"))
    assert not ledger.claim(("twilio", "CA1"))
    assert ledger.claimed(("twilio", "CA1"))
    assert ledger.claim(("telnyx", "CA1"))  # another carrier's call of the same id


def test_the_first_process_to_claim_a_call_wins_and_the_others_see_it(database_url: str) -> None:
    one, two = StoreDropLedger(database_url), StoreDropLedger(database_url)
    key = ("twilio", "CA" + "1" * 32)
    assert not two.claimed(key)
    assert one.claim(key)
    assert two.claimed(key)
    assert not two.claim(key)
    assert not one.claim(key)
    assert two.claim(("twilio", "CA" + "2" * 32))


def test_racing_claims_for_one_call_grant_exactly_one(database_url: str) -> None:
    ledgers = [StoreDropLedger(database_url) for _ in range(8)]
    key = ("vonage", "race-call")
    with ThreadPoolExecutor(max_workers=8) as pool:
        granted = list(pool.map(lambda ledger: ledger.claim(key), ledgers))
    assert granted.count(True) == 1


def _server(database_url: str, folder: Path) -> tuple[LiveServer, object, object]:
    from afterbeep.settings import Settings
    from afterbeep.telephony import EngineSettings, MediaEngine, TelephonySettings, default_message
    from afterbeep.web.app import create_app

    app = create_app(Settings(data_dir=folder))
    app.state.telephony = TelephonySettings(engine=EngineSettings(detector="oracle"))
    app.state.media_engine = MediaEngine(
        app.state.telephony.engine,
        message=lambda start: default_message(sample_rate=start.sample_rate, seconds=1.0),
        ledger=StoreDropLedger(database_url),
    )
    server, thread, port = start_server(app)
    return LiveServer(app, port), server, thread


def test_a_stream_reconnected_to_another_process_does_not_play_again(
    database_url: str, make_call, tmp_path: Path
) -> None:
    first, first_server, first_thread = _server(database_url, tmp_path / "a")
    second, second_server, second_thread = _server(database_url, tmp_path / "b")
    try:
        _, samples = make_call("machine", cue_ms=1800)
        call_sid = "CA" + "9" * 30 + database_url[:2]
        played, _ = asyncio.run(
            twilio_stream(first.media_url(), call_sid, samples, cut_after_media=5)
        )
        again, marks = asyncio.run(twilio_stream(second.media_url(), call_sid, samples))
    finally:
        for server, thread in ((first_server, first_thread), (second_server, second_thread)):
            server.should_exit = True  # type: ignore[attr-defined]
            thread.join(timeout=10)  # type: ignore[attr-defined]
    assert played >= 5
    assert again == 0
    assert marks == ["afterbeep:none"]
    assert second.engine.timelines[("twilio", call_sid)].bytes_played == 0


def test_an_unreachable_ledger_fails_closed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A database without the drop_claims table (never migrated) stands for one that is down.
    ledger = StoreDropLedger(f"sqlite:///{tmp_path}/not-migrated.db")
    key = ("twilio", "CA-unreachable")
    assert not ledger.claimed(key)
    assert not ledger.claim(key)  # no message rather than a possible second one
    assert "skips its message" in caplog.text

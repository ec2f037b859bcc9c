"""Time in the store is never naive: UTC in, aware UTC out, on both backends, across DST."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from afterbeep.errors import InvalidInput
from afterbeep.store import Prospect, Task, Team, create_engine_for, ensure_utc, upgrade

NEW_YORK = ZoneInfo("America/New_York")


def _prospect(session: Session) -> Prospect:
    prospect = Prospect(team=Team(name="West"), phone_e164="+14155550123", first_name="Sam")
    session.add(prospect)
    session.commit()
    return prospect


def test_aware_times_come_back_as_the_same_instant_in_utc(session: Session) -> None:
    prospect = _prospect(session)
    # 2026-03-08 is the US spring-forward day: 01:30 EST is 06:30 UTC, 03:30 EDT is 07:30 UTC.
    before_dst = datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)
    after_dst = datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)
    fixed_offset = datetime(2026, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    titles = {"before": before_dst, "after": after_dst, "india": fixed_offset}
    for title, due in titles.items():
        session.add(Task(prospect=prospect, title=title, due_at=due))
    session.commit()

    session.expunge_all()
    stored = {task.title: task.due_at for task in session.scalars(sa.select(Task))}
    assert stored["before"] == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert stored["after"] == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert stored["india"] == datetime(2026, 6, 1, 3, 30, tzinfo=UTC)
    for value in stored.values():
        assert value.tzinfo is UTC
    # One wall-clock hour apart across the change is one real hour, not two.
    assert stored["after"] - stored["before"] == timedelta(hours=1)


def test_queries_compare_instants_not_wall_clocks(session: Session) -> None:
    prospect = _prospect(session)
    session.add(
        Task(prospect=prospect, title="x", due_at=datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK))
    )
    session.commit()
    bound = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # between 06:30 and 07:30 UTC
    assert session.scalar(sa.select(sa.func.count()).where(Task.due_at > bound)) == 1
    assert session.scalar(sa.select(sa.func.count()).where(Task.due_at < bound)) == 0


def test_defaults_are_aware_utc(session: Session) -> None:
    prospect = _prospect(session)
    session.expunge_all()
    stored = session.get_one(Prospect, prospect.id)
    assert stored.created_at.tzinfo is UTC
    assert abs(datetime.now(UTC) - stored.created_at) < timedelta(minutes=5)


def test_a_naive_datetime_is_refused_where_it_is_assigned() -> None:
    naive = datetime(2026, 3, 8, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(InvalidInput, match="naive datetime") as caught:
        Task(title="call back", due_at=naive)
    assert caught.value.field == "tasks.due_at"
    task = Task(title="call back", due_at=datetime(2026, 3, 8, 9, 0, tzinfo=UTC))
    with pytest.raises(InvalidInput, match="naive datetime"):
        task.done_at = naive


def test_a_naive_datetime_is_refused_by_core_statements_too(session: Session) -> None:
    prospect = _prospect(session)
    naive = datetime(2026, 3, 8, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(StatementError, match="naive datetime") as caught:
        session.execute(
            sa.insert(Task).values(
                prospect_id=prospect.id, title="x", channel="call", due_at=naive, created_at=naive
            )
        )
    assert isinstance(caught.value.orig, InvalidInput)


def test_something_else_than_a_datetime_is_refused() -> None:
    with pytest.raises(InvalidInput, match="expected a timezone-aware datetime, got str"):
        Task(title="x", due_at="2026-03-08T09:00:00Z")


def test_sqlite_stores_the_utc_wall_time(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    upgrade(f"sqlite:///{path}")
    engine = create_engine_for(f"sqlite:///{path}")
    with Session(engine) as session:
        team = Team(name="West", created_at=datetime(2026, 1, 15, 10, 0, tzinfo=NEW_YORK))
        session.add(team)
        session.commit()
    engine.dispose()
    with sqlite3.connect(path) as connection:
        (raw,) = connection.execute("SELECT created_at FROM teams").fetchone()
    assert raw.startswith("2026-01-15 15:00:00")  # EST is UTC-5 in January


def test_ensure_utc_converts_and_names_the_field() -> None:
    assert ensure_utc(datetime(2026, 7, 1, 12, 0, tzinfo=NEW_YORK)) == datetime(
        2026, 7, 1, 16, 0, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match=r"field 'calls\.at'"):
        ensure_utc(datetime(2026, 7, 1), field="calls.at")  # noqa: DTZ001

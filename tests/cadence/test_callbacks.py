"""Promised call-backs: parsed from the script into tasks with reminders; kept-on-time metric."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from afterbeep.cadence.callbacks import find_promise, kept_on_time, record_promise
from afterbeep.store import Prospect, Task

CHICAGO = "America/Chicago"
MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 09:00 in Chicago


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi Sam, I'll call you Thursday at 2.", "2026-11-26 14:00"),
        ("I will try you again tomorrow at 10:30 am.", "2026-11-24 10:30"),
        ("I'll give you a ring on Friday morning.", "2026-11-27 09:00"),
        ("I'll call you back at 4", "2026-11-23 16:00"),
        ("I’ll call Monday at 9am", "2026-11-30 09:00"),
    ],
)
def test_promises_are_read_in_the_prospects_time(text, expected):
    promise = find_promise(text, now=MONDAY, zone=CHICAGO)
    assert promise is not None
    assert promise.local.strftime("%Y-%m-%d %H:%M") == expected
    assert promise.local.tzinfo == ZoneInfo(CHICAGO)


def test_no_promise_no_task():
    assert find_promise("Call me back at 555 0100 when you can.", now=MONDAY, zone=CHICAGO) is None


def test_a_promise_becomes_a_task_with_a_reminder_moved_into_calling_hours(session, team):
    prospect = Prospect(
        team=team,
        phone_e164="+15025550100",
        first_name="Kim",
        country="US",
        region="KY",
        time_zone="America/New_York",
    )
    session.add(prospect)
    session.flush()
    task = record_promise(session, prospect, "I'll call you Thursday at 9 am.", now=MONDAY)
    assert task is not None
    session.flush()
    local = task.due_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.day, local.hour) == (26, 10)  # Kentucky: not before 10:00
    assert "us-ky.hours" in task.title
    assert task.due_at - task.remind_at == timedelta(minutes=15)


def test_kept_on_time_counts_calls_made_within_the_tolerance(session, team):
    prospect = Prospect(team=team, phone_e164="+13125550100", first_name="Al")
    session.add(prospect)
    due = MONDAY
    session.add_all(
        [
            Task(prospect=prospect, title="a", due_at=due, done_at=due + timedelta(minutes=5)),
            Task(prospect=prospect, title="b", due_at=due, done_at=due + timedelta(hours=2)),
            Task(prospect=prospect, title="c", due_at=due - timedelta(days=1)),
            Task(prospect=prospect, title="d", due_at=due + timedelta(days=1)),
        ]
    )
    session.flush()
    metric = kept_on_time(session, team_id=team.id, now=due + timedelta(hours=3))
    assert (metric.kept, metric.late_or_missed, metric.pending) == (1, 2, 1)
    assert metric.rate == pytest.approx(1 / 3)

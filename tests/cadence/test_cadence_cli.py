"""The cadence CLI: prospects import, plan and --explain, compliance check, worker --once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from afterbeep.cli import app

RUNNER = CliRunner()


def _run(*args: str):
    return RUNNER.invoke(app, list(args), catch_exceptions=False)


def test_import_check_plan_explain_and_work(sqlite_db_url: str, tmp_path: Path):
    csv_file = tmp_path / "hubspot.csv"
    csv_file.write_text(
        "First Name,Phone Number,State/Region,Email\n"
        "Ana,+1 305 555 0100,FL,ana@example.com\n"
        "Bad,12,FL,bad@example.com\n"
        "Kim,+1 502 555 0100,KY,kim@example.com\n"
    )
    report = tmp_path / "rejected.csv"
    result = _run(
        "prospects",
        "import",
        str(csv_file),
        "--team",
        "West",
        "--report",
        str(report),
        "--url",
        sqlite_db_url,
    )
    assert result.exit_code == 1
    assert "imported 2" in result.stdout
    assert "line 3" in result.stderr
    assert report.read_text().splitlines()[1].startswith("3,")

    dnc = tmp_path / "dnc.txt"
    dnc.write_text("305,5550199\n")
    # The list's date is its download's, given: the checks below are at fixed instants, and
    # a list imported "now" would be younger than them.
    result = _run(
        "compliance",
        "dnc-import",
        str(dnc),
        "--team",
        "West",
        "--as-of",
        "2026-11-24T08:00",
        "--url",
        sqlite_db_url,
    )
    assert "1 added" in result.stdout

    late = _run(
        "compliance",
        "check",
        "+13055550100",
        "--at",
        "2026-11-24T20:30",
        "--team",
        "West",
        "--format",
        "json",
        "--url",
        sqlite_db_url,
    )
    assert late.exit_code == 0
    decision = json.loads(late.stdout)
    assert decision["verdict"] == "delay"
    assert decision["rules"][0]["id"] == "us-fl.hours"
    assert decision["not_before"].startswith("2026-11-25T13:00")

    listed = _run(
        "compliance",
        "check",
        "+13055550199",
        "--at",
        "2026-11-24T12:00",
        "--team",
        "West",
        "--url",
        sqlite_db_url,
    )
    assert listed.exit_code == 5
    assert "us.dnc.national" in listed.stdout

    assert (
        _run("plan", "--team", "West", "--url", sqlite_db_url).exit_code == 0
    )  # no campaigns: nothing to plan
    explained = _run("plan", "--explain", "+1 502 555 0100", "--url", sqlite_db_url)
    assert explained.exit_code == 0
    assert "US-KY" in explained.stdout

    worked = _run("worker", "--once", "--url", sqlite_db_url)
    assert worked.exit_code == 0

    rules = _run("compliance", "rules")
    assert "us-ky.hours" in rules.stdout
    assert "fallback.hours" in rules.stdout


def test_a_time_that_is_not_iso_is_invalid_input(sqlite_db_url: str):
    from afterbeep.cli import main  # noqa: F401 - the entry point maps errors to exit codes

    result = RUNNER.invoke(
        app, ["compliance", "check", "+13055550100", "--at", "tomorrow", "--url", sqlite_db_url]
    )
    assert result.exception is not None
    assert "ISO 8601" in str(result.exception)


def test_plan_then_explain_names_the_rules_that_decided(sqlite_db_url: str):
    from sqlalchemy.orm import Session

    from afterbeep.cadence.dnc import import_dnc
    from afterbeep.cadence.sequences import StepSpec, create_sequence
    from afterbeep.store import (
        Campaign,
        CampaignStatus,
        Channel,
        DncList,
        Enrollment,
        Prospect,
        Role,
        Team,
        User,
        create_engine_for,
    )

    engine = create_engine_for(sqlite_db_url)
    try:
        with Session(engine) as session:
            team = Team(name="East")
            session.add(team)
            session.add(User(team=team, email="r@e.com", full_name="R", role=Role.REP))
            session.flush()
            sequence = create_sequence(
                session, team_id=team.id, name="S", steps=[StepSpec(Channel.CALL)]
            )
            campaign = Campaign(
                team=team, name="C", sequence=sequence, status=CampaignStatus.ACTIVE
            )
            prospect = Prospect(
                team=team,
                phone_e164="+15025550100",
                first_name="Kim",
                country="US",
                region="KY",
                time_zone="America/New_York",
            )
            # Enrolled before the instant planned at (a default of now would be after it).
            enrolled = Enrollment(
                campaign=campaign,
                prospect=prospect,
                enrolled_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
            )
            session.add_all([campaign, prospect, enrolled])
            import_dnc(
                session,
                team_id=team.id,
                list_name=DncList.NATIONAL,
                text="",
                imported_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
            )
            session.commit()
    finally:
        engine.dispose()
    planned = _run(
        "plan",
        "--team",
        "East",
        "--at",
        "2026-11-24T13:00+00:00",
        "--format",
        "json",
        "--url",
        sqlite_db_url,
    )
    assert json.loads(planned.stdout)["planned"] == 1
    explained = _run(
        "plan",
        "--explain",
        "+15025550100",
        "--team",
        "East",
        "--format",
        "json",
        "--url",
        sqlite_db_url,
    )
    touch = json.loads(explained.stdout)["touches"][0]
    assert touch["channel"] == "call"
    assert any(reason.startswith("planner.slot.") for reason in touch["planner"])
    assert "us-ky.hours" in touch["planner"]  # 08:00 is before Kentucky's 10:00
    rules = {rule["id"]: rule for rule in touch["rules"]}
    assert rules["us-ky.hours"]["effect"] == "pass"
    assert "KRS" in rules["us-ky.hours"]["source"]
    text = _run("plan", "--explain", "+15025550100", "--url", sqlite_db_url)
    assert "us-ky.hours" in text.stdout
    assert "US-KY" in text.stdout


def test_dnc_import_as_of_must_be_a_past_instant(sqlite_db_url: str, tmp_path: Path):
    from afterbeep.errors import InvalidInput

    dnc = tmp_path / "dnc.txt"
    dnc.write_text("305,5550199\n")
    args = ["compliance", "dnc-import", str(dnc), "--url", sqlite_db_url, "--as-of"]
    for value, says in (("2999-01-01T00:00", "future"), ("last tuesday", "ISO 8601")):
        result = RUNNER.invoke(app, [*args, value])
        assert isinstance(result.exception, InvalidInput), result
        assert result.exception.field == "--as-of"
        assert says in str(result.exception)

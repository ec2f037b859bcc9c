"""Compliance against the database: the audit log, do-not-call imports, opt-outs, consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from afterbeep.cadence.audit import check_number, check_prospect
from afterbeep.cadence.dnc import import_dnc, opt_out_deadline, record_opt_out
from afterbeep.store import (
    CallAttempt,
    Carrier,
    Channel,
    ComplianceDecision,
    Consent,
    DncList,
    LineType,
    Prospect,
    Verdict,
)

NOON = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("America/New_York"))


def _prospect(session, team, phone="+13055550100", **extra) -> Prospect:
    prospect = Prospect(
        team=team,
        phone_e164=phone,
        first_name="Sam",
        country="US",
        region=extra.pop("region", "FL"),
        time_zone="America/New_York",
        line_type=extra.pop("line_type", LineType.FIXED_LINE),
        **extra,
    )
    session.add(prospect)
    session.flush()
    return prospect


def _scrub(session, team, text="", when=NOON - timedelta(days=2)):
    return import_dnc(
        session, team_id=team.id, list_name=DncList.NATIONAL, text=text, imported_at=when
    )


def test_every_decision_is_logged_with_its_rules_and_sources(session, team):
    prospect = _prospect(session, team)
    _scrub(session, team)
    late = NOON.replace(hour=20, minute=30)
    decision = check_prospect(session, prospect, Channel.CALL, late)
    session.commit()
    assert decision.verdict is Verdict.DELAY
    row = session.scalars(sa.select(ComplianceDecision)).one()
    assert row.verdict is Verdict.DELAY
    assert row.not_before == decision.not_before
    assert row.jurisdictions == ["US", "US-FL"]
    fl = next(rule for rule in row.rules if rule["id"] == "us-fl.hours")
    assert fl["effect"] == "delay"
    assert "501.616" in fl["source"]
    assert row.prospect_id == prospect.id


def test_national_list_import_reports_bad_lines_and_blocks_listed_numbers(session, team):
    report = _scrub(
        session, team, "area,number\n305,5550100\n+1 206 555 0148\nnot a number\n305,555\n"
    )
    assert report.added == 2
    assert [(e.line, e.field) for e in report.rejected] == [(4, "phone"), (5, "phone")]
    listed = _prospect(session, team)
    decision = check_prospect(session, listed, Channel.CALL, NOON)
    assert decision.verdict is Verdict.DENY
    assert decision.deciding[0].id == "us.dnc.national"
    again = _scrub(session, team, "305,5550100\n")
    assert (again.added, again.already_listed) == (0, 1)


def test_a_stale_scrub_denies_every_us_call(session, team):
    prospect = _prospect(session, team)
    _scrub(session, team, when=NOON - timedelta(days=40))
    decision = check_prospect(session, prospect, Channel.CALL, NOON)
    assert decision.verdict is Verdict.DENY
    assert "40 days old" in decision.reason


def test_an_opt_out_is_honoured_at_once_and_has_a_legal_deadline(session, team):
    prospect = _prospect(session, team)
    _scrub(session, team)
    assert check_prospect(session, prospect, Channel.CALL, NOON).allowed
    record_opt_out(session, prospect, at=NOON - timedelta(minutes=5))
    session.flush()
    decision = check_prospect(session, prospect, Channel.CALL, NOON)
    assert decision.verdict is Verdict.DENY
    assert decision.deciding[0].id == "us.dnc.internal"
    # 10 business days in the US, skipping weekends and Thanksgiving (Thu 26 Nov 2026).
    listed = datetime(2026, 11, 23, 15, tzinfo=UTC)
    assert opt_out_deadline(listed, country="US").date().isoformat() == "2026-12-08"
    assert opt_out_deadline(listed, country="CA") == listed + timedelta(days=14)


def test_voicemail_to_a_mobile_needs_written_consent_on_record(session, team):
    prospect = _prospect(session, team, line_type=LineType.MOBILE)
    _scrub(session, team)
    blocked = check_prospect(session, prospect, Channel.VOICEMAIL, NOON)
    assert blocked.verdict is Verdict.DENY
    assert blocked.deciding[0].id == "us.consent.prerecorded-wireless"
    session.add(
        Consent(
            prospect=prospect,
            channel=Channel.VOICEMAIL,
            written=True,
            granted_at=NOON - timedelta(days=1),
        )
    )
    session.flush()
    session.refresh(prospect)
    assert check_prospect(session, prospect, Channel.VOICEMAIL, NOON).allowed


def test_calls_already_made_count_against_the_florida_cap(session, team):
    prospect = _prospect(session, team)
    _scrub(session, team)
    for hours in (1, 2, 3):
        session.add(
            CallAttempt(
                team=team,
                prospect=prospect,
                carrier=Carrier.SIMULATOR,
                started_at=NOON - timedelta(hours=hours),
            )
        )
    session.flush()
    decision = check_prospect(session, prospect, Channel.CALL, NOON)
    assert decision.verdict is Verdict.DELAY
    assert decision.deciding[0].id == "us-fl.cap"


def test_abandoned_calls_are_measured_per_campaign(session, team):
    from afterbeep.store import Campaign

    campaign = Campaign(team=team, name="Q4")
    prospect = _prospect(session, team, region="NY")
    _scrub(session, team)
    for index in range(20):
        session.add(
            CallAttempt(
                team=team,
                prospect=prospect,
                campaign=campaign,
                carrier=Carrier.SIMULATOR,
                started_at=NOON - timedelta(days=2, minutes=index),
                answered_at=NOON - timedelta(days=2, minutes=index),
                abandoned=index == 0,
            )
        )
    session.flush()
    decision = check_prospect(session, prospect, Channel.CALL, NOON, campaign_id=campaign.id)
    assert decision.verdict is Verdict.DENY  # 1 of 20 = 5% > 3%
    assert decision.deciding[0].id == "us.abandon-rate"


def test_a_bare_number_is_checked_from_what_the_number_says(session, team):
    _scrub(session, team)
    decision = check_number(
        session,
        "+12055550100",
        Channel.CALL,
        datetime(2026, 11, 22, 18, tzinfo=UTC),
        team_id=team.id,
    )
    assert decision.jurisdictions == ("US", "US-AL")
    assert decision.deciding[0].id == "us-al.no-days"

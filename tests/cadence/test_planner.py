"""The planner: next touches in local time, preferred slots, rotation, capacity, the law."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import violations
from sqlalchemy.orm import Session

from afterbeep.cadence._synthetic import build_team
from afterbeep.cadence.audit import target_for_prospect
from afterbeep.cadence.compliance import default_engine
from afterbeep.cadence.dnc import import_dnc, record_opt_out
from afterbeep.cadence.planner import plan
from afterbeep.cadence.sequences import StepCondition, StepSpec, create_sequence
from afterbeep.store import (
    Base,
    Campaign,
    CampaignStatus,
    Channel,
    DncList,
    Enrollment,
    EnrollmentStatus,
    LineType,
    Outcome,
    OutcomeKind,
    Prospect,
    Role,
    Segment,
    Team,
    Touch,
    TouchStatus,
    User,
    create_engine_for,
)

TUESDAY = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 08:00 in New York
CALLS = (Channel.CALL, Channel.VOICEMAIL, Channel.TEXT)


def _setup(session: Session, team: Team, steps=None, *, blitz=False, reps=2, capacity=50):
    for index in range(reps):
        session.add(
            User(
                team=team,
                email=f"r{index}@x.com",
                full_name=f"R{index}",
                role=Role.REP,
                daily_capacity=capacity,
            )
        )
    sequence = create_sequence(
        session,
        team_id=team.id,
        name="S",
        segment=None if steps else Segment.WARM_INBOUND,
        steps=steps,
    )
    campaign = Campaign(
        team=team, name="C", sequence=sequence, status=CampaignStatus.ACTIVE, blitz=blitz
    )
    session.add(campaign)
    import_dnc(
        session,
        team_id=team.id,
        list_name=DncList.NATIONAL,
        text="",
        imported_at=TUESDAY - timedelta(days=1),
    )
    session.flush()
    return campaign


def _enroll(session, team, campaign, phone, **extra) -> Prospect:
    prospect = Prospect(team=team, phone_e164=phone, first_name="Sam", **extra)
    session.add(prospect)
    session.add(
        Enrollment(campaign=campaign, prospect=prospect, enrolled_at=TUESDAY - timedelta(hours=1))
    )
    session.flush()
    return prospect


def _touches(session) -> list[Touch]:
    return session.scalars(sa.select(Touch).order_by(Touch.id)).all()


def _complete(session, touch: Touch) -> None:
    """What the worker does when a touch ran: done, and the enrollment moves on."""
    touch.status = TouchStatus.DONE
    touch.done_at = touch.due_at
    enrollment = session.get(Enrollment, touch.enrollment_id)
    enrollment.next_position = touch.position + 1
    session.flush()


def test_first_touches_land_in_preferred_slots_within_the_law(session, team):
    campaign = _setup(session, team)
    places = {
        "+13055550100": {"region": "FL", "time_zone": "America/New_York"},
        "+15025550100": {"region": "KY", "time_zone": "America/New_York"},
        "+12065550148": {"region": "WA", "time_zone": "America/Los_Angeles"},
        "+442079460000": {"country": "GB", "time_zone": "Europe/London"},
        "+33123456789": {"country": "FR", "time_zone": "Europe/Paris"},
    }
    for phone, extra in places.items():
        _enroll(session, team, campaign, phone, country=extra.pop("country", "US"), **extra)
    report = plan(session, team_id=team.id, now=TUESDAY)
    assert report.planned == 5
    engine = default_engine()
    for touch in _touches(session):
        prospect = session.get(Prospect, touch.prospect_id)
        target = target_for_prospect(prospect)
        local = touch.due_at.astimezone(ZoneInfo(prospect.time_zone))
        assert touch.channel is Channel.CALL
        assert violations(engine, target, Channel.CALL, touch.due_at) == []
        assert local.weekday() in (1, 2, 3) or (local.weekday() == 0 and local.hour >= 12)
        assert any(r.startswith("planner.slot.") for r in touch.rule_ids)
        assert touch.rep_id is not None
        assert touch.due_at >= TUESDAY
    kentucky = session.scalars(sa.select(Touch).join(Prospect).where(Prospect.region == "KY")).one()
    assert kentucky.due_at.astimezone(ZoneInfo("America/New_York")).hour >= 10
    assert "us-ky.hours" in kentucky.rule_ids


def test_planning_twice_plans_nothing_new(session, team):
    campaign = _setup(session, team)
    _enroll(session, team, campaign, "+13055550100", country="US", region="FL")
    assert plan(session, team_id=team.id, now=TUESDAY).planned == 1
    again = plan(session, team_id=team.id, now=TUESDAY)
    assert (again.planned, again.blocked) == (0, 0)
    assert len(_touches(session)) == 1


def test_time_of_day_rotates_between_attempts_and_voicemails_are_spaced(session, team):
    steps = [
        StepSpec(Channel.CALL),
        StepSpec(Channel.CALL, wait=timedelta(days=1)),
        StepSpec(Channel.CALL, wait=timedelta(days=1)),
        StepSpec(Channel.VOICEMAIL),
        StepSpec(Channel.EMAIL, wait=timedelta(minutes=10), subject="About my voicemail"),
        StepSpec(Channel.VOICEMAIL),
        StepSpec(Channel.TEXT, wait=timedelta(minutes=5), subject="Left you a voicemail"),
    ]
    campaign = _setup(session, team, steps)
    prospect = _enroll(
        session,
        team,
        campaign,
        "+13125550100",
        country="US",
        region="IL",
        time_zone="America/Chicago",
        line_type=LineType.FIXED_LINE,
    )
    now = TUESDAY
    done: list[Touch] = []
    for _ in range(len(steps)):
        plan(session, team_id=team.id, now=now)
        touch = session.scalars(sa.select(Touch).where(Touch.status == TouchStatus.PLANNED)).one()
        _complete(session, touch)
        done.append(touch)
        now = max(now, touch.due_at)
    slots = [next(r for r in t.rule_ids if r.startswith("planner.slot.")) for t in done[:3]]
    assert len(set(slots)) == 3, slots
    hours = {t.due_at.astimezone(ZoneInfo("America/Chicago")).hour for t in done[:3]}
    assert len(hours) == 3
    email, second_vm, text = done[4], done[5], done[6]
    assert email.channel is Channel.EMAIL
    assert email.due_at - done[3].due_at == timedelta(minutes=10)
    assert second_vm.due_at - done[3].due_at >= timedelta(days=2)
    assert "planner.voicemail-spacing" in second_vm.rule_ids
    assert text.due_at - second_vm.due_at == timedelta(minutes=5)
    assert prospect.id == done[0].prospect_id


def test_rep_capacity_spreads_touches_over_days(session, team):
    campaign = _setup(session, team, reps=1, capacity=2)
    for index in range(5):
        _enroll(
            session,
            team,
            campaign,
            f"+1312555{index:04d}",
            country="US",
            region="IL",
            time_zone="America/Chicago",
        )
    report = plan(session, team_id=team.id, now=TUESDAY)
    assert report.planned == 5
    per_day: dict[object, int] = {}
    for touch in _touches(session):
        day = touch.due_at.date()
        per_day[day] = per_day.get(day, 0) + 1
    assert max(per_day.values()) <= 2
    assert len(per_day) == 3


def test_blocked_touches_say_which_rule_and_stops_end_enrollments(session, team):
    campaign = _setup(
        session,
        team,
        [StepSpec(Channel.VOICEMAIL), StepSpec(Channel.EMAIL, subject="my voicemail")],
    )
    mobile = _enroll(
        session,
        team,
        campaign,
        "+13055550101",
        country="US",
        region="FL",
        line_type=LineType.MOBILE,
    )
    opted = _enroll(
        session,
        team,
        campaign,
        "+13055550102",
        country="US",
        region="FL",
        line_type=LineType.FIXED_LINE,
    )
    record_opt_out(session, opted, at=TUESDAY - timedelta(days=1))
    replied = _enroll(session, team, campaign, "+13055550103", country="US", region="FL")
    session.add(
        Outcome(
            prospect=replied, kind=OutcomeKind.REPLY, occurred_at=TUESDAY - timedelta(minutes=5)
        )
    )
    session.flush()
    report = plan(session, team_id=team.id, now=TUESDAY)
    assert (report.planned, report.blocked, report.stopped) == (0, 2, 1)
    by_prospect = {t.prospect_id: t for t in _touches(session)}
    assert by_prospect[mobile.id].status is TouchStatus.BLOCKED
    assert by_prospect[mobile.id].rule_ids == ["us.consent.prerecorded-wireless"]
    assert by_prospect[opted.id].rule_ids == ["us.dnc.internal"]
    enrollment = session.scalars(
        sa.select(Enrollment).where(Enrollment.prospect_id == replied.id)
    ).one()
    assert enrollment.status is EnrollmentStatus.FINISHED


def test_blitz_mode_skips_voicemail_steps(session, team):
    steps = [
        StepSpec(Channel.VOICEMAIL, conditions=frozenset({StepCondition.SKIP_IN_BLITZ})),
        StepSpec(Channel.EMAIL, subject="my voicemail"),
    ]
    campaign = _setup(session, team, steps, blitz=True)
    _enroll(session, team, campaign, "+13125550100", country="US", region="IL", email="a@b.co")
    plan(session, team_id=team.id, now=TUESDAY)
    touch = _touches(session)[0]
    assert (touch.channel, touch.position) == (Channel.EMAIL, 2)


@pytest.mark.postgres
def test_planning_a_synthetic_team_on_both_backends(any_db_url):
    engine = create_engine_for(any_db_url)
    try:
        with Session(engine) as session:
            team = build_team(session, prospects=300, now=TUESDAY, reps=3, rep_capacity=60)
            session.commit()
            report = plan(session, team_id=team.id, now=TUESDAY)
            session.commit()
            assert report.planned + report.blocked == 300
            assert report.blocked >= 3  # 1% of the numbers are on the national list
            counts = session.execute(
                sa.select(Touch.rep_id, sa.func.count()).group_by(Touch.rep_id)
            ).all()
            assert all(n <= 60 * 21 for _, n in counts)
    finally:
        engine.dispose()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    now=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
        max_value=datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_no_planned_call_breaks_its_jurisdictions_rules(seed, now):
    engine = create_engine_for("sqlite://")
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session:
            team = build_team(session, prospects=60, now=now, seed=seed, reps=2, rep_capacity=40)
            report = plan(session, team_id=team.id, now=now)
            compliance = default_engine()
            planned = session.scalars(
                sa.select(Touch).where(Touch.status == TouchStatus.PLANNED)
            ).all()
            assert len(planned) == report.planned
            for touch in planned:
                prospect = session.get(Prospect, touch.prospect_id)
                target = target_for_prospect(prospect)
                if touch.channel in CALLS:
                    assert violations(compliance, target, touch.channel, touch.due_at) == [], (
                        prospect.phone_e164,
                        touch.rule_ids,
                    )
                if target.country not in compliance.countries:
                    assert compliance.jurisdictions_for(target) == ("*",)
    finally:
        engine.dispose()


def test_planner_settings_come_from_the_config_table():
    from afterbeep.cadence.planner import load_planner_settings
    from afterbeep.errors import ConfigError

    chosen = load_planner_settings(
        {
            "days": ["tue", "wed"],
            "voicemail_spacing_business_days": 3,
            "slots": [{"name": "dawn", "start": "08:00", "end": "09:00"}],
        }
    )
    assert chosen.days == frozenset({"tue", "wed"})
    assert chosen.slots[0].name == "dawn"
    with pytest.raises(ConfigError, match=r"\[cadence.planner\].days"):
        load_planner_settings({"days": ["someday"]})
    with pytest.raises(ConfigError, match="rep_daily_capacity"):
        load_planner_settings({"rep_daily_capacity": 0})


def test_configured_days_and_slots_are_the_only_ones_used(session, team):
    from afterbeep.cadence.planner import PlannerSettings, Slot

    campaign = _setup(session, team)
    for index in range(6):
        _enroll(
            session,
            team,
            campaign,
            f"+1312555{index:04d}",
            country="US",
            region="IL",
            time_zone="America/Chicago",
        )
    only = PlannerSettings(
        days=frozenset({"thu"}), slots=(Slot(name="dawn", start="09:00", end="09:30"),)
    )
    plan(session, team_id=team.id, now=TUESDAY, settings=only)
    for touch in _touches(session):
        local = touch.due_at.astimezone(ZoneInfo("America/Chicago"))
        assert (local.weekday(), local.hour) == (3, 9)
        assert local.minute < 30
        assert "planner.slot.dawn" in touch.rule_ids


def test_a_reply_ends_only_steps_that_stop_on_reply(session, team):
    keep_going = [StepSpec(Channel.CALL, conditions=frozenset()), StepSpec(Channel.CALL)]
    campaign = _setup(session, team, keep_going)
    prospect = _enroll(session, team, campaign, "+13125550100", country="US", region="IL")
    session.add(
        Outcome(
            prospect=prospect, kind=OutcomeKind.REPLY, occurred_at=TUESDAY - timedelta(minutes=5)
        )
    )
    session.flush()
    report = plan(session, team_id=team.id, now=TUESDAY)
    assert (report.planned, report.stopped) == (1, 0)
    _complete(session, _touches(session)[0])
    report = plan(session, team_id=team.id, now=TUESDAY + timedelta(days=1))
    assert (report.planned, report.stopped) == (0, 1)
    assert session.scalars(sa.select(Enrollment.status)).one() is EnrollmentStatus.FINISHED

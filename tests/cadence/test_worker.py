"""The in-process worker: due touches run once, blocked ones never, crashed claims recovered;
email through a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from afterbeep.cadence.channels import SmtpEmail, TouchJob, default_handlers
from afterbeep.cadence.dnc import import_dnc, record_opt_out
from afterbeep.cadence.planner import plan
from afterbeep.cadence.sequences import StepSpec, create_sequence
from afterbeep.cadence.worker import run_due, run_touch
from afterbeep.errors import CarrierError
from afterbeep.store import (
    Campaign,
    CampaignStatus,
    Channel,
    ComplianceDecision,
    Consent,
    DncList,
    Enrollment,
    LineType,
    Prospect,
    Role,
    Task,
    Touch,
    TouchStatus,
    User,
    Verdict,
    make_sessionmaker,
)

TUESDAY = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def _team_with_plan(session, team, steps, *, prospects=3, line=LineType.FIXED_LINE):
    session.add(User(team=team, email="r@x.com", full_name="R", role=Role.REP))
    sequence = create_sequence(session, team_id=team.id, name="S", steps=steps)
    campaign = Campaign(team=team, name="C", sequence=sequence, status=CampaignStatus.ACTIVE)
    session.add(campaign)
    import_dnc(
        session,
        team_id=team.id,
        list_name=DncList.NATIONAL,
        text="",
        imported_at=TUESDAY - timedelta(days=1),
    )
    people = []
    for index in range(prospects):
        prospect = Prospect(
            team=team,
            phone_e164=f"+1312555{index:04d}",
            first_name=f"P{index}",
            email=f"p{index}@example.com",
            country="US",
            region="IL",
            time_zone="America/Chicago",
            line_type=line,
        )
        session.add(prospect)
        session.add(
            Enrollment(
                campaign=campaign, prospect=prospect, enrolled_at=TUESDAY - timedelta(hours=1)
            )
        )
        people.append(prospect)
    session.flush()
    plan(session, team_id=team.id, now=TUESDAY)
    session.commit()
    return people


def _latest_due(session) -> datetime:
    return session.scalar(sa.select(sa.func.max(Touch.due_at)))


def test_due_touches_run_exactly_once(engine, session, team):
    _team_with_plan(
        session, team, [StepSpec(Channel.CALL), StepSpec(Channel.SOCIAL, wait=timedelta(hours=1))]
    )
    sessions = make_sessionmaker(engine)
    later = _latest_due(session) + timedelta(minutes=1)
    first = run_due(sessions, now=later)
    assert first.outcomes == {"done": 3}
    assert run_due(sessions, now=later).outcomes == {}
    session.expire_all()
    tasks = session.scalars(sa.select(Task)).all()
    assert len(tasks) == 3
    assert all(t.channel is Channel.CALL for t in tasks)
    assert {e.next_position for e in session.scalars(sa.select(Enrollment))} == {2}
    audit = session.scalars(sa.select(ComplianceDecision)).all()
    assert len(audit) == 3
    assert all(a.verdict is Verdict.ALLOW and a.touch_id for a in audit)


def test_a_touch_blocked_at_run_time_is_never_carried_out(engine, session, team):
    steps = [StepSpec(Channel.VOICEMAIL), StepSpec(Channel.EMAIL, subject="My voicemail")]
    people = _team_with_plan(session, team, steps, prospects=2, line=LineType.MOBILE)
    for prospect in people:
        session.add(
            Consent(
                prospect=prospect,
                channel=Channel.VOICEMAIL,
                written=True,
                granted_at=TUESDAY - timedelta(days=9),
            )
        )
    session.commit()
    # Planned before consent existed: blocked. Re-plan the blocked ones away and plan again.
    session.execute(sa.delete(Touch))
    plan(session, team_id=team.id, now=TUESDAY)
    record_opt_out(session, people[0], at=TUESDAY)
    session.commit()
    outcome = run_due(make_sessionmaker(engine), now=_latest_due(session) + timedelta(minutes=1))
    assert outcome.outcomes == {"blocked": 1, "done": 1}
    session.expire_all()
    blocked = session.scalars(sa.select(Touch).where(Touch.prospect_id == people[0].id)).one()
    assert blocked.status is TouchStatus.BLOCKED
    assert blocked.result["blocked_by"] == ["us.dnc.internal"]
    assert session.scalars(sa.select(Task).where(Task.prospect_id == people[0].id)).all() == []
    denial = session.scalars(
        sa.select(ComplianceDecision).where(ComplianceDecision.verdict == Verdict.DENY)
    ).one()
    assert denial.rules[0]["id"] == "us.dnc.internal"


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(engine, session, team):
    _team_with_plan(session, team, [StepSpec(Channel.CALL)], prospects=1)
    touch = session.scalars(sa.select(Touch)).one()
    now = touch.due_at + timedelta(minutes=1)
    touch.status = TouchStatus.RUNNING
    touch.claimed_by = "dead-host:1"
    touch.claimed_until = now + timedelta(minutes=4)
    session.commit()
    sessions = make_sessionmaker(engine)
    assert run_touch(sessions, touch.id, now=now) == "taken"
    assert run_touch(sessions, touch.id, now=now + timedelta(minutes=5)) == "done"
    assert run_touch(sessions, touch.id, now=now + timedelta(minutes=6)) == "finished-already"
    session.expire_all()
    assert len(session.scalars(sa.select(Task)).all()) == 1
    assert session.get(Touch, touch.id).attempts == 1


class _Recorder(Sink):
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


def test_follow_up_email_goes_through_a_real_smtp_server(engine, session, team, smtp_server):
    controller, recorder = smtp_server
    steps = [StepSpec(Channel.EMAIL, subject="Following up on my voicemail")]
    _team_with_plan(session, team, steps, prospects=2)
    email = SmtpEmail(host=controller.hostname, port=controller.port, sender="rep@acme.example")
    outcome = run_due(
        make_sessionmaker(engine),
        handlers=default_handlers(email=email),
        now=_latest_due(session) + timedelta(minutes=1),
    )
    assert outcome.outcomes == {"done": 2}
    assert sorted(rcpt[0] for _, rcpt, _ in recorder.messages) == [
        "p0@example.com",
        "p1@example.com",
    ]
    body = recorder.messages[0][2].decode()
    assert "Subject: Following up on my voicemail" in body
    assert "Message-ID: <e" in body


def test_smtp_failure_is_a_carrier_error_and_the_touch_is_retried(engine, session, team):
    job = TouchJob(
        1, "e1-p1", 1, Channel.EMAIL, 1, None, None, 1, "+13125550000", "a@b.co", "A", None, None
    )
    with pytest.raises(CarrierError, match="smtp"):
        SmtpEmail(host="127.0.0.1", port=_free_port(), timeout=2).run(job, session)
    _team_with_plan(session, team, [StepSpec(Channel.EMAIL)], prospects=1)
    broken = SmtpEmail(host="127.0.0.1", port=_free_port(), timeout=2)
    when = _latest_due(session) + timedelta(minutes=1)
    outcome = run_due(make_sessionmaker(engine), handlers=default_handlers(email=broken), now=when)
    assert outcome.outcomes == {"retry": 1}
    session.expire_all()
    touch = session.scalars(sa.select(Touch)).one()
    assert touch.status is TouchStatus.PLANNED
    assert touch.due_at > when
    assert "smtp" in touch.result["error"]


def test_a_face_to_face_step_becomes_a_task_for_the_rep(engine, session, team):
    _team_with_plan(session, team, [StepSpec(Channel.FACE_TO_FACE)], prospects=2)
    outcome = run_due(make_sessionmaker(engine), now=_latest_due(session) + timedelta(minutes=1))
    assert outcome.outcomes == {"done": 2}
    session.expire_all()
    tasks = session.scalars(sa.select(Task)).all()
    assert len(tasks) == 2
    assert all(t.channel is Channel.FACE_TO_FACE for t in tasks)
    assert all(t.title.startswith("Meet ") and " in person" in t.title for t in tasks)

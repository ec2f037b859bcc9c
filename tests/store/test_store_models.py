"""Models on a migrated database: round trips, uniqueness, and what deleting a row does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from afterbeep.errors import InvalidInput
from afterbeep.store import (
    AnsweredBy,
    CallAttempt,
    Campaign,
    CampaignStatus,
    Carrier,
    Channel,
    Consent,
    Drop,
    DropEndReason,
    Enrollment,
    LineType,
    NameClip,
    Outcome,
    OutcomeKind,
    Prospect,
    Recording,
    Role,
    Script,
    ScriptStrategy,
    ScriptVersion,
    Segment,
    Sequence,
    SequenceStep,
    Task,
    Team,
    User,
)

T0 = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def _fresh(session: Session) -> Session:
    """A second session on the same database: reads what was committed, nothing cached."""
    bind = session.get_bind()
    return sessionmaker(bind=bind)()


def _count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _world(session: Session) -> dict[str, int]:
    """One of everything, linked the way the product links them; returns the ids."""
    team = Team(name="West")
    rep = User(
        team=team,
        email="dana@example.com",
        full_name="Dana Reyes",
        role=Role.REP,
        callback_number="+14155550100",
    )
    prospect = Prospect(
        team=team,
        phone_e164="+14155550123",
        first_name="Sam",
        last_name="Okafor",
        company="Acme",
        title="VP Sales",
        email="sam@acme.example",
        time_zone="America/Los_Angeles",
        line_type=LineType.MOBILE,
        street="1 Market St",
        city="San Francisco",
        region="CA",
        postal_code="94105",
        country="US",
        segment=Segment.COLD,
        custom_fields={"crm_id": "0031x", "score": 7},
    )
    prospect.consents.append(
        Consent(channel=Channel.VOICEMAIL, written=True, granted_at=T0, source="web form")
    )
    script = Script(team=team, name="Cold opener", created_by_id=None)
    version = script.new_version(
        "Hi {{first_name}}, it's Dana from Acme...", strategy=ScriptStrategy.CALL_AGAIN
    )
    recording = Recording(
        team=team,
        rep=rep,
        script_version=version,
        uri="recordings/take-1.wav",
        duration_ms=24_500,
        sample_rate=16_000,
        codec="pcm16",
        loudness_lufs=-19.5,
        artificial_voice=False,
    )
    clip = NameClip(
        rep=rep, first_name="Sam", uri="clips/sam.wav", duration_ms=420, sample_rate=8000
    )
    sequence = Sequence(team=team, name="Cold 20", segment=Segment.COLD)
    sequence.steps.extend(
        [
            SequenceStep(position=1, channel=Channel.CALL, wait_minutes=0),
            SequenceStep(position=2, channel=Channel.VOICEMAIL, wait_minutes=0, variant="A"),
            SequenceStep(position=3, channel=Channel.EMAIL, wait_minutes=24 * 60),
        ]
    )
    campaign = Campaign(team=team, name="Q2 cold", sequence=sequence, status=CampaignStatus.ACTIVE)
    campaign.enrollments.append(Enrollment(prospect=prospect))
    attempt = CallAttempt(
        team=team,
        prospect=prospect,
        campaign=campaign,
        rep=rep,
        carrier=Carrier.TWILIO,
        carrier_call_id="CA0123456789abcdef",
        from_number="+14155550100",
        started_at=T0,
        answered_at=T0 + timedelta(seconds=9),
        ended_at=T0 + timedelta(seconds=52),
        answered_by=AnsweredBy.MACHINE,
    )
    drop = Drop(
        call_attempt=attempt,
        recording=recording,
        beep_end_ms=14_230,
        message_start_ms=14_260,
        bytes_played=196_000,
        end_reason=DropEndReason.COMPLETED,
        events=[{"at_ms": 3_100, "event": "machine"}, {"at_ms": 14_230, "event": "beep_end"}],
    )
    outcome = Outcome(
        prospect=prospect,
        kind=OutcomeKind.CALLBACK,
        channel=Channel.CALL,
        occurred_at=T0 + timedelta(hours=3),
        drop=drop,
    )
    task = Task(
        prospect=prospect,
        assignee=rep,
        title="Call Sam back Thursday 10:00",
        due_at=T0 + timedelta(days=2),
        remind_at=T0 + timedelta(days=2, minutes=-15),
    )
    session.add_all([team, script, clip, campaign, attempt, drop, outcome, task])
    session.commit()
    return {
        "team": team.id,
        "rep": rep.id,
        "prospect": prospect.id,
        "script": script.id,
        "version": version.id,
        "recording": recording.id,
        "attempt": attempt.id,
        "drop": drop.id,
        "outcome": outcome.id,
        "task": task.id,
        "campaign": campaign.id,
    }


def test_everything_round_trips(session: Session) -> None:
    ids = _world(session)
    with _fresh(session) as reader:
        prospect = reader.get_one(Prospect, ids["prospect"])
        assert (prospect.phone_e164, prospect.first_name, prospect.company) == (
            "+14155550123",
            "Sam",
            "Acme",
        )
        assert prospect.line_type is LineType.MOBILE
        assert prospect.segment is Segment.COLD
        assert prospect.custom_fields == {"crm_id": "0031x", "score": 7}
        assert prospect.do_not_call is False
        consent = prospect.consent_for(Channel.VOICEMAIL)
        assert consent is not None
        assert consent.written
        assert consent.granted_at == T0
        assert prospect.consent_for(Channel.TEXT) is None

        attempt = reader.get_one(CallAttempt, ids["attempt"])
        assert attempt.answered_by is AnsweredBy.MACHINE
        assert attempt.carrier is Carrier.TWILIO
        assert attempt.ended_at is not None
        assert attempt.ended_at - attempt.started_at == timedelta(seconds=52)
        drop = attempt.drop
        assert drop is not None
        assert (drop.beep_end_ms, drop.message_start_ms, drop.bytes_played) == (
            14_230,
            14_260,
            196_000,
        )
        assert drop.started_early is False
        assert drop.events[1] == {"at_ms": 14_230, "event": "beep_end"}
        assert drop.recording.script_version is not None
        assert drop.recording.script_version.number == 1
        assert drop.recording.script_version.strategy is ScriptStrategy.CALL_AGAIN

        outcome = reader.get_one(Outcome, ids["outcome"])
        assert outcome.kind is OutcomeKind.CALLBACK
        assert outcome.drop_id == ids["drop"]
        task = reader.get_one(Task, ids["task"])
        assert task.due_at == T0 + timedelta(days=2)
        assert task.done_at is None
        campaign = reader.get_one(Campaign, ids["campaign"])
        assert campaign.sequence is not None
        assert [s.channel for s in campaign.sequence.steps] == [
            Channel.CALL,
            Channel.VOICEMAIL,
            Channel.EMAIL,
        ]
        assert [e.prospect_id for e in campaign.enrollments] == [ids["prospect"]]
        assert reader.get_one(User, ids["rep"]).name_clips[0].first_name == "sam"


def test_updates_and_in_place_json_changes_are_saved(session: Session) -> None:
    ids = _world(session)
    prospect = session.get_one(Prospect, ids["prospect"])
    prospect.custom_fields["score"] = 9  # in place: must be tracked
    prospect.do_not_call = True
    prospect.do_not_call_at = T0 + timedelta(days=1)
    session.get_one(Task, ids["task"]).done_at = T0 + timedelta(days=2, minutes=5)
    session.commit()
    with _fresh(session) as reader:
        stored = reader.get_one(Prospect, ids["prospect"])
        assert stored.custom_fields == {"crm_id": "0031x", "score": 9}
        assert stored.do_not_call
        assert stored.do_not_call_at == T0 + timedelta(days=1)
        assert stored.updated_at >= stored.created_at
        assert reader.get_one(Task, ids["task"]).done_at == T0 + timedelta(days=2, minutes=5)


def test_a_drop_can_never_be_recorded_twice_for_one_attempt(session: Session) -> None:
    ids = _world(session)
    session.add(
        Drop(
            call_attempt_id=ids["attempt"],
            recording_id=ids["recording"],
            beep_end_ms=None,
            message_start_ms=900,
            end_reason=DropEndReason.COMPLETED,
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert _count(session, Drop) == 1


def test_prospect_phone_is_unique_per_team_not_globally(session: Session) -> None:
    west, east = Team(name="West"), Team(name="East")
    session.add_all(
        [
            Prospect(team=west, phone_e164="+14155550123", first_name="Sam"),
            Prospect(team=east, phone_e164="+14155550123", first_name="Sam"),
        ]
    )
    session.commit()
    session.add(Prospect(team=west, phone_e164="+14155550123", first_name="Samuel"))
    with pytest.raises(IntegrityError):
        session.commit()


@pytest.mark.parametrize(
    "phone", ["4155550123", "+0415555", "+1 415 555 0123", "+1415555012345678"]
)
def test_phone_numbers_must_be_e164(phone: str) -> None:
    with pytest.raises(InvalidInput, match=r"E\.164") as caught:
        Prospect(phone_e164=phone, first_name="Sam")
    assert caught.value.field == "prospects.phone_e164"


def test_database_checks_phones_and_enums_behind_the_orm(session: Session) -> None:
    team = Team(name="West")
    session.add(team)
    session.commit()
    insert_prospect = sa.text(
        "INSERT INTO prospects (team_id, phone_e164, first_name, line_type, custom_fields,"
        " do_not_call, created_at, updated_at)"
        " VALUES (:team, :phone, 'Sam', :line_type, '{}', false, :now, :now)"
    )
    now = datetime(2026, 1, 1, 12, 0)  # noqa: DTZ001 - raw SQL bypasses the UTC type on purpose
    for phone, line_type in [("4155550123", "mobile"), ("+14155550123", "pager")]:
        with pytest.raises(IntegrityError):
            session.execute(
                insert_prospect,
                {"team": team.id, "phone": phone, "line_type": line_type, "now": now},
            )
        session.rollback()
    session.execute(
        insert_prospect,
        {"team": team.id, "phone": "+14155550123", "line_type": "mobile", "now": now},
    )
    session.commit()
    assert _count(session, Prospect) == 1


def test_orm_refuses_a_value_outside_an_enum(session: Session) -> None:
    session.add(User(team=Team(name="West"), email="x@example.com", full_name="X", role="boss"))
    with pytest.raises(StatementError, match="boss"):
        session.commit()


def test_deleting_a_team_deletes_everything_it_owns(session: Session) -> None:
    ids = _world(session)
    other = Team(name="East")
    session.add(Prospect(team=other, phone_e164="+14155550199", first_name="Kim"))
    session.commit()
    session.delete(session.get_one(Team, ids["team"]))  # the ORM leaves it to the database
    session.commit()
    for model in (
        User,
        Script,
        ScriptVersion,
        Recording,
        NameClip,
        Sequence,
        SequenceStep,
        Campaign,
        Enrollment,
        CallAttempt,
        Drop,
        Outcome,
        Task,
        Consent,
    ):
        assert _count(session, model) == 0, model.__tablename__
    assert _count(session, Prospect) == 1  # the other team's


def test_a_called_prospect_cannot_be_deleted(session: Session) -> None:
    ids = _world(session)
    session.delete(session.get_one(Prospect, ids["prospect"]))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert session.get(Prospect, ids["prospect"]) is not None


def test_an_uncalled_prospect_is_deleted_with_its_consents_and_tasks(session: Session) -> None:
    team = Team(name="West")
    prospect = Prospect(team=team, phone_e164="+14155550123", first_name="Sam")
    prospect.consents.append(Consent(channel=Channel.TEXT, granted_at=T0))
    prospect.tasks.append(Task(title="Intro call", due_at=T0))
    session.add(prospect)
    session.commit()
    session.execute(sa.delete(Prospect).where(Prospect.id == prospect.id))  # database cascade
    session.commit()
    assert (_count(session, Prospect), _count(session, Consent), _count(session, Task)) == (0, 0, 0)


def test_deleting_a_user_keeps_their_work_and_drops_their_name_clips(session: Session) -> None:
    ids = _world(session)
    session.execute(sa.delete(User).where(User.id == ids["rep"]))
    session.commit()
    session.expire_all()
    assert session.get_one(Recording, ids["recording"]).rep_id is None
    assert session.get_one(CallAttempt, ids["attempt"]).rep_id is None
    assert session.get_one(Task, ids["task"]).assignee_id is None
    assert _count(session, NameClip) == 0


def test_a_dropped_recording_cannot_be_deleted(session: Session) -> None:
    ids = _world(session)
    with pytest.raises(IntegrityError):
        session.execute(sa.delete(Recording).where(Recording.id == ids["recording"]))
    session.rollback()
    assert session.get(Recording, ids["recording"]) is not None


def test_deleting_an_attempt_takes_its_drop_and_unlinks_outcomes(session: Session) -> None:
    ids = _world(session)
    session.execute(sa.delete(CallAttempt).where(CallAttempt.id == ids["attempt"]))
    session.commit()
    session.expire_all()
    assert _count(session, Drop) == 0
    outcome = session.get_one(Outcome, ids["outcome"])
    assert outcome.drop_id is None
    assert outcome.kind is OutcomeKind.CALLBACK


def test_script_versions_are_immutable(session: Session) -> None:
    ids = _world(session)
    version = session.get_one(ScriptVersion, ids["version"])
    version.text = "rewritten"
    with pytest.raises(InvalidInput, match="immutable"):
        session.flush()
    session.rollback()

    session.delete(session.get_one(ScriptVersion, ids["version"]))
    with pytest.raises(InvalidInput, match="cannot be deleted on their own"):
        session.flush()
    session.rollback()

    script = session.get_one(Script, ids["script"])
    second = script.new_version(
        "Hi {{first_name}}, Dana again.", strategy=ScriptStrategy.INVITE_CALLBACK
    )
    session.commit()
    assert [v.number for v in script.versions] == [1, 2]
    assert second.number == 2
    with _fresh(session) as reader:
        assert reader.get_one(ScriptVersion, ids["version"]).text.startswith(
            "Hi {{first_name}}, it's"
        )


def test_deleting_a_script_deletes_its_versions_and_unlinks_recordings(session: Session) -> None:
    ids = _world(session)
    session.delete(session.get_one(Script, ids["script"]))
    session.commit()
    session.expire_all()
    assert _count(session, ScriptVersion) == 0
    assert session.get_one(Recording, ids["recording"]).script_version_id is None


def test_name_clips_are_one_per_first_name_per_rep(session: Session) -> None:
    ids = _world(session)
    session.add(
        NameClip(
            rep_id=ids["rep"],
            first_name="  SAM ",
            uri="clips/sam2.wav",
            duration_ms=400,
            sample_rate=8000,
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()


def test_a_drop_before_the_beep_is_flagged() -> None:
    early = Drop(beep_end_ms=14_230, message_start_ms=14_000, end_reason=DropEndReason.COMPLETED)
    no_beep = Drop(beep_end_ms=None, message_start_ms=900, end_reason=DropEndReason.COMPLETED)
    assert early.started_early is True
    assert no_beep.started_early is False


def test_a_revoked_consent_no_longer_counts(session: Session) -> None:
    prospect = Prospect(team=Team(name="West"), phone_e164="+14155550123", first_name="Sam")
    prospect.consents.append(Consent(channel=Channel.VOICEMAIL, written=True, granted_at=T0))
    session.add(prospect)
    session.commit()
    assert prospect.consent_for(Channel.VOICEMAIL) is not None
    prospect.consents[0].revoked_at = T0 + timedelta(days=30)
    session.commit()
    assert prospect.consent_for(Channel.VOICEMAIL) is None

"""Finished calls in the store: one drop row per call attempt, the attempt's outcome."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from afterbeep.store import (
    AnsweredBy,
    CallAttempt,
    Carrier,
    Drop,
    DropEndReason,
    Prospect,
    Recording,
    Team,
    create_engine_for,
    session_scope,
    upgrade,
)
from afterbeep.telephony import CallTimeline, StoreDropRecorder


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path / 'calls.db'}"
    upgrade(url)
    engine = create_engine_for(url)
    with session_scope(engine) as session:
        team = Team(name="West")
        session.add(team)
        session.flush()
        prospect = Prospect(team_id=team.id, phone_e164="+12065550148", first_name="Dana")
        recording = Recording(
            team_id=team.id, uri="rec/1.wav", duration_ms=20000, sample_rate=8000, codec="mulaw"
        )
        session.add_all([prospect, recording])
        session.flush()
        attempt = CallAttempt(
            team_id=team.id,
            prospect_id=prospect.id,
            carrier=Carrier.TWILIO,
            carrier_call_id="CA" + "1" * 32,
        )
        session.add(attempt)
        session.flush()
        ids = {"attempt": attempt.id, "recording": recording.id}
    return engine, ids


def _timeline(**fields) -> CallTimeline:
    base = dict(
        carrier="twilio",
        call_id="CA" + "1" * 32,
        stream_id="MZ1",
        parameters={},
        started_at=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        ended_at=datetime(2026, 11, 23, 15, 0, 30, tzinfo=UTC),
    )
    return CallTimeline(**{**base, **fields})


def test_a_played_message_becomes_one_drop_row(db):
    engine, ids = db
    recorder = StoreDropRecorder(engine=engine)
    events = [{"kind": "machine_detected", "at_ms": 2600}, {"kind": "beep_ended", "at_ms": 14230}]
    timeline = _timeline(
        parameters={"afterbeep.recording_id": str(ids["recording"])},
        decision="machine",
        action="drop",
        beep_end_ms=14230,
        cue_ms=14230,
        message_start_ms=14340,
        bytes_played=160000,
        end_reason="completed",
        events=events,
    )
    recorder.record(timeline)
    recorder.record(timeline)  # a second report of the same call adds nothing
    with session_scope(engine) as session:
        [drop] = session.scalars(sa.select(Drop)).all()
        assert drop.call_attempt_id == ids["attempt"]
        assert (drop.beep_end_ms, drop.message_start_ms, drop.bytes_played) == (
            14230,
            14340,
            160000,
        )
        assert drop.end_reason is DropEndReason.COMPLETED
        assert drop.events == events
        assert not drop.started_early
        attempt = session.get(CallAttempt, ids["attempt"])
        assert attempt.answered_by is AnsweredBy.MACHINE
        assert attempt.ended_at == datetime(2026, 11, 23, 15, 0, 30, tzinfo=UTC)


def test_a_person_updates_the_attempt_without_a_drop(db):
    engine, ids = db
    StoreDropRecorder(engine=engine).record(
        _timeline(
            parameters={"afterbeep.call_attempt_id": str(ids["attempt"])},
            call_id="CA-other",
            decision="human",
            action="connect",
            end_reason="human",
        )
    )
    with session_scope(engine) as session:
        assert session.scalars(sa.select(Drop)).all() == []
        assert session.get(CallAttempt, ids["attempt"]).answered_by is AnsweredBy.HUMAN


def test_calls_without_an_attempt_touch_nothing(db):
    engine, _ = db
    recorder = StoreDropRecorder(engine=engine, match_by_call_id=False)
    recorder.record(
        _timeline(decision="machine", action="drop", message_start_ms=100, end_reason="completed")
    )
    with session_scope(engine) as session:
        assert session.scalars(sa.select(Drop)).all() == []
        assert session.scalars(sa.select(CallAttempt)).one().answered_by is None


NOTES = {
    "transcript": "Hi, this is Dana.",
    "spoken_name": "Dana",
    "name_span_ms": [700, 1100],
    "name_wav": "UklGRiQAAABXQVZF",  # a clip, base64 (kept as given)
    "words_per_minute": 160.0,
    "formality": "casual",
    "speaker": "human",
    "at_ms": 1200,
}


def test_greeting_notes_are_kept_on_the_attempt_also_when_they_come_late(db):
    engine, ids = db
    recorder = StoreDropRecorder(engine=engine)
    timeline = _timeline(decision="human", action="connect", end_reason="human")
    recorder.record(timeline)  # the call ends before recognition is done
    with session_scope(engine) as session:
        assert session.get(CallAttempt, ids["attempt"]).greeting_notes is None
    timeline.notes = NOTES
    recorder.record_notes(timeline)
    with session_scope(engine) as session:
        attempt = session.get(CallAttempt, ids["attempt"])
        assert attempt.greeting_notes == NOTES
        assert attempt.answered_by is AnsweredBy.HUMAN


def test_notes_already_in_at_the_end_are_recorded_with_the_call(db):
    engine, ids = db
    StoreDropRecorder(engine=engine).record(
        _timeline(decision="machine", action="skip", end_reason="mailbox_full", notes=NOTES)
    )
    with session_scope(engine) as session:
        assert session.get(CallAttempt, ids["attempt"]).greeting_notes == NOTES


def test_late_notes_of_a_call_without_an_attempt_touch_nothing(db):
    engine, _ = db
    recorder = StoreDropRecorder(engine=engine, match_by_call_id=False)
    recorder.record_notes(_timeline(notes=NOTES))
    with session_scope(engine) as session:
        assert session.scalars(sa.select(CallAttempt)).one().greeting_notes is None


def test_an_asterisk_call_is_matched_to_its_attempt_by_the_audiosocket_uuid(db):
    # A dialer that places calls through Asterisk keeps the UUID it gives AudioSocket() as the
    # attempt's carrier call id; AudioSocket carries nothing else.
    engine, _ = db
    call_uuid = "40325ec2-5efd-4bd3-805f-53576e581d13"
    with session_scope(engine) as session:
        team_id = session.scalars(sa.select(Team.id)).one()
        prospect_id = session.scalars(sa.select(Prospect.id)).one()
        attempt = CallAttempt(
            team_id=team_id,
            prospect_id=prospect_id,
            carrier=Carrier.ASTERISK,
            carrier_call_id=call_uuid,
        )
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
    StoreDropRecorder(engine=engine).record(
        _timeline(
            carrier="asterisk",
            call_id=call_uuid,
            stream_id=call_uuid,
            decision="human",
            action="connect",
            end_reason="human",
        )
    )
    with session_scope(engine) as session:
        assert session.get(CallAttempt, attempt_id).answered_by is AnsweredBy.HUMAN
        twilio = session.scalars(
            sa.select(CallAttempt).where(CallAttempt.carrier == Carrier.TWILIO)
        ).one()
        assert twilio.answered_by is None


def test_people_handed_over_too_late_count_in_the_campaigns_abandoned_rate(db):
    # What the media engine measured on each call reaches the abandoned-call rate that the
    # campaign's compliance rules read (a person taken for a machine by timing whose words
    # then said so is a person's answer, and is recorded as one).
    from afterbeep.cadence.audit import history_for
    from afterbeep.store import Campaign

    engine, ids = db
    with session_scope(engine) as session:
        attempt = session.get(CallAttempt, ids["attempt"])
        campaign = Campaign(team_id=attempt.team_id, name="Q4")
        session.add(campaign)
        session.flush()
        attempt.campaign_id = campaign.id
        others = [
            CallAttempt(
                team_id=attempt.team_id,
                prospect_id=attempt.prospect_id,
                campaign_id=campaign.id,
                carrier=Carrier.TWILIO,
                carrier_call_id=f"CA{index}",
            )
            for index in range(3)
        ]
        session.add_all(others)
        session.flush()
        campaign_id, team_id, prospect_id = campaign.id, attempt.team_id, attempt.prospect_id
        attempt_ids = [ids["attempt"], *(o.id for o in others)]
    recorder = StoreDropRecorder(engine=engine)
    outcomes = [
        dict(decision="human", end_reason="human", person_wait_ms=960),
        dict(decision="human", end_reason="human", person_wait_ms=2480, abandoned=True),
        dict(decision="machine", end_reason="person_words", person_wait_ms=2300, abandoned=True),
        dict(decision="machine", end_reason="mailbox_full", action="skip"),
    ]
    for attempt_id, outcome in zip(attempt_ids, outcomes, strict=True):
        fields = {"action": "connect", **outcome}
        recorder.record(
            _timeline(
                call_id=f"CA-{attempt_id}",
                parameters={"afterbeep.call_attempt_id": str(attempt_id)},
                **fields,
            )
        )
    with session_scope(engine) as session:
        rows = [session.get(CallAttempt, i) for i in attempt_ids]
        assert [r.abandoned for r in rows] == [False, True, True, False]
        assert [r.answered_by for r in rows] == [
            AnsweredBy.HUMAN,
            AnsweredBy.HUMAN,
            AnsweredBy.HUMAN,
            AnsweredBy.MACHINE,
        ]
        history = history_for(
            session,
            team_id=team_id,
            phone_e164="+12065550148",
            prospect_id=prospect_id,
            at=datetime.now(UTC),
            campaign_id=campaign_id,
            abandon_windows=[720],
        )
    assert history.abandon[720] == (4, 2)

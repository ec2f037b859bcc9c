"""The evaluator: event-reading rules and metrics, checked with fake detectors and by hand."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from afterbeep.cli import app
from afterbeep.detect.corpus import CorpusWriter, LabelledCall, load_corpus
from afterbeep.detect.evaluate import (
    Stats,
    evaluate,
    read_events,
    summarize_outcomes,
    write_chart,
)
from afterbeep.detect.events import (
    BeepEnded,
    DetectionEvent,
    FaxDetected,
    GeneralMailbox,
    GreetingEnded,
    HumanDetected,
    MachineDetected,
    MailboxFull,
    NotSure,
    RecordingAfterAll,
)
from afterbeep.detect.registry import DETECTOR_NAMES, create_detector
from afterbeep.errors import ConfigError


def _call(answered_by: str, mailbox: str | None = None, **labels: int | None) -> LabelledCall:
    return LabelledCall(
        id=labels.pop("id", None) or f"{answered_by}-{mailbox}",  # type: ignore[arg-type]
        audio="x.wav",
        answered_by=answered_by,
        mailbox=mailbox,
        beep_end_ms=labels.get("beep_end_ms"),
        greeting_end_ms=labels.get("greeting_end_ms"),
        human_greeting_end_ms=labels.get("human_greeting_end_ms"),
    )


# Labels of a small corpus; each call's audio is 6 s of digital silence (the fakes ignore it).
CALLS = [
    _call("human", id="h1", human_greeting_end_ms=1010),
    _call("human", id="h2", human_greeting_end_ms=2290),
    _call("machine", "personal", id="p1", greeting_end_ms=3000, beep_end_ms=3510),
    _call("machine", "personal", id="p2", greeting_end_ms=2500, beep_end_ms=None),
    _call("machine", "carrier_default", id="d1", greeting_end_ms=4000, beep_end_ms=4470),
    _call("machine", "general", id="g1", greeting_end_ms=3300, beep_end_ms=None),
    _call("machine", "full", id="f1", greeting_end_ms=2000, beep_end_ms=None),
    _call("fax", id="x1"),
    _call("silence", id="s1"),
]


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    writer = CorpusWriter(tmp_path)
    for call in CALLS:
        name = f"{call.id}.wav"
        writer.write_audio(name, np.zeros(48000, dtype=np.int16), sample_rate=8000)
        writer.add(
            LabelledCall(
                id=call.id,
                audio=name,
                answered_by=call.answered_by,
                mailbox=call.mailbox,
                beep_end_ms=call.beep_end_ms,
                greeting_end_ms=call.greeting_end_ms,
                human_greeting_end_ms=call.human_greeting_end_ms,
                notes=f"kind={call.answered_by}",
            )
        )
    writer.close()
    return tmp_path


class ScriptedDetector:
    """Emits given events once the audio time reaches each event's emitted_ms."""

    def __init__(self, events: list[DetectionEvent], sample_rate: int = 8000) -> None:
        self.sample_rate = sample_rate
        self._pending = sorted(events, key=lambda e: e.emitted_ms)
        self._time = 0

    def feed(self, frame: np.ndarray) -> list[DetectionEvent]:
        assert frame.shape == (self.sample_rate // 50,)
        self._time += 20
        ready = [e for e in self._pending if e.emitted_ms <= self._time]
        self._pending = [e for e in self._pending if e.emitted_ms > self._time]
        return ready

    def finish(self) -> list[DetectionEvent]:
        rest, self._pending = self._pending, []
        return rest


def _frame_end(ms: int) -> int:
    """The end of the 20 ms frame in which ``ms`` falls (when a streaming detector can know)."""
    return math.ceil(ms / 20) * 20


def oracle_events(call: LabelledCall, *, cue_shift_ms: int = 0) -> list[DetectionEvent]:
    """What a perfect detector emits, at frame ends; cues moved by ``cue_shift_ms``."""
    if call.answered_by == "human":
        end = call.human_greeting_end_ms or 0
        return [HumanDetected(at_ms=end, emitted_ms=_frame_end(end))]
    if call.answered_by == "fax":
        return [FaxDetected(at_ms=500, emitted_ms=500)]
    if call.answered_by == "silence":
        return []
    events: list[DetectionEvent] = [MachineDetected(at_ms=1000, emitted_ms=1000)]
    if call.mailbox == "general":
        events.append(GeneralMailbox(at_ms=1500, emitted_ms=1500))
    if call.mailbox == "full":
        events.append(MailboxFull(at_ms=1500, emitted_ms=1500))
    cue = call.message_cue_ms
    assert cue is not None
    at = cue + cue_shift_ms
    if call.beep_end_ms is not None:
        events.append(BeepEnded(at_ms=at, emitted_ms=_frame_end(at)))
    else:
        events.append(GreetingEnded(at_ms=at, emitted_ms=_frame_end(at), words_read=True))
    return events


def _factory(shift: int = 0):
    calls: Iterator[LabelledCall] = iter(CALLS)

    def make(sample_rate: int) -> ScriptedDetector:
        return ScriptedDetector(oracle_events(next(calls), cue_shift_ms=shift), sample_rate)

    return make


def test_oracle_scores_perfectly(corpus_dir):
    report = evaluate(load_corpus(corpus_dir), _factory())
    assert report.calls == 9
    assert report.errors == 0
    assert report.accuracy == 1.0
    assert report.not_sure_rate == 0.0
    assert report.action_accuracy == 1.0
    assert report.early_starts == 0
    assert report.mailbox_recall == {
        "carrier_default": 1.0,
        "full": 1.0,
        "general": 1.0,
        "personal": 1.0,
    }
    # Beeped drops p1 (3510 -> frame end 3520) and d1 (4470 -> 4480): 10 ms each.
    assert (report.beep_latency_ms.count, report.beep_latency_ms.max) == (2, 10)
    # p2 has no beep: greeting end 2500 is a frame end, so the cue is at 2500.
    assert report.greeting_latency_ms.max == 0
    # Humans: 1010 -> 1020 (10 ms), 2290 -> 2300 (10 ms).
    assert report.human_decision_ms.p50 == 10
    assert report.confusion["human"] == {"human": 2, "machine": 0, "fax": 0, "not_sure": 0}
    assert report.confusion["machine"]["machine"] == 5
    assert report.confusion["fax"]["fax"] == 1
    assert report.confusion["silence"]["not_sure"] == 1
    assert all(row.correct for row in report.per_call)


def test_cue_100_ms_before_the_beep_end_is_an_early_start(corpus_dir):
    report = evaluate(load_corpus(corpus_dir), _factory(shift=-100))
    # Drops are expected on p1, p2, d1; all three now start 80-100 ms early. The general and
    # full mailboxes were skipped before the cue, so they are not drops.
    assert report.early_starts == 3
    assert sorted(report.early_start_ids) == ["d1", "p1", "p2"]
    assert report.beep_latency_ms.count == 0  # early drops are not counted as latency
    assert report.accuracy == 1.0  # decisions are still right
    assert report.mailbox_recall["personal"] == 0.0
    assert report.mailbox_recall["general"] == 1.0
    assert report.action_accuracy == pytest.approx(round(6 / 9, 4))


def test_a_bad_call_is_an_error_row_and_the_rest_run(corpus_dir):
    (corpus_dir / "p1.wav").write_bytes(b"not audio")
    calls = [c for c in CALLS]

    def make(sample_rate: int) -> ScriptedDetector:
        call = calls.pop(0)
        if call.id == "p1":  # the evaluator never builds a detector for p1
            call = calls.pop(0)
        return ScriptedDetector(oracle_events(call), sample_rate)

    report = evaluate(load_corpus(corpus_dir, check_audio=False), make)
    assert report.errors == 1
    assert report.calls == 8
    bad = next(row for row in report.per_call if row.id == "p1")
    assert bad.error
    assert "p1.wav" in bad.error
    assert bad.decision is None
    assert report.accuracy == 1.0


def test_a_crashing_detector_is_an_error_row(corpus_dir):
    class Crash(ScriptedDetector):
        def feed(self, frame: np.ndarray) -> list[DetectionEvent]:
            raise RuntimeError("boom")

    report = evaluate(load_corpus(corpus_dir), lambda rate: Crash([], rate), limit=2)
    assert report.errors == 2
    assert report.calls == 0
    assert "RuntimeError: boom" in (report.per_call[0].error or "")
    assert report.accuracy is None


def test_reading_rules_by_hand():
    personal = _call("machine", "personal", greeting_end_ms=3000, beep_end_ms=3500)
    # No decision at all: not sure, no action, even with a cue.
    row = read_events(personal, [BeepEnded(at_ms=3500, emitted_ms=3520)])
    assert (row.decision, row.action, row.decided_at_ms) == ("not_sure", "none", None)
    # Only the first decision counts.
    row = read_events(
        personal,
        [
            MachineDetected(at_ms=900, emitted_ms=1000),
            HumanDetected(at_ms=1000, emitted_ms=1100),
            BeepEnded(at_ms=3500, emitted_ms=3540),
        ],
    )
    assert (row.decision, row.decided_at_ms, row.action, row.message_start_ms) == (
        "machine",
        1000,
        "drop",
        3540,
    )
    assert row.beep_latency_ms == 40
    assert row.correct
    assert [e["kind"] for e in row.events] == ["machine_detected", "human_detected", "beep_ended"]
    # A cue before the decision (a contract breach) counts from the decision.
    row = read_events(
        personal,
        [BeepEnded(at_ms=3500, emitted_ms=3520), MachineDetected(at_ms=3600, emitted_ms=3600)],
    )
    assert (row.action, row.message_start_ms, row.beep_latency_ms) == ("drop", 3600, 100)
    # A no-drop event after the cue does not turn the drop into a skip.
    general = _call("machine", "general", greeting_end_ms=3000, beep_end_ms=None)
    row = read_events(
        general,
        [
            MachineDetected(at_ms=900, emitted_ms=1000),
            GreetingEnded(at_ms=3000, emitted_ms=3800, words_read=True),
            GeneralMailbox(at_ms=3900, emitted_ms=3900),
        ],
    )
    assert (row.action, row.expected_action, row.correct) == ("drop", "skip", False)
    assert not row.early_start
    # A beep-less end whose words were not read: skipped, as the media engine does by
    # default, or dropped on when it is set to.
    unread = [
        MachineDetected(at_ms=900, emitted_ms=1000),
        GreetingEnded(at_ms=3000, emitted_ms=3800),
    ]
    row = read_events(general, unread)
    assert (row.action, row.message_start_ms, row.correct) == ("skip", None, True)
    row = read_events(general, unread, beepless_unread="drop")
    assert (row.action, row.message_start_ms, row.correct) == ("drop", 3800, False)
    row = read_events(general, unread, beepless_unread="connect")  # the rep hears it
    assert (row.action, row.message_start_ms, row.correct) == ("connect", None, False)
    person = _call("human", None, greeting_end_ms=3000, beep_end_ms=None)
    assert read_events(person, unread, beepless_unread="connect").correct
    with pytest.raises(ValueError, match="beepless_unread"):
        read_events(general, unread, beepless_unread="maybe")
    # Machine without a cue: no action. NotSure on a human: wrong, no action.
    row = read_events(general, [MachineDetected(at_ms=900, emitted_ms=1000)])
    assert row.action == "none"
    assert not row.correct
    human = _call("human", human_greeting_end_ms=800)
    row = read_events(human, [NotSure(at_ms=3000, emitted_ms=3000, reason="TOOLONG-5000")])
    assert (row.decision, row.action, row.reason, row.decision_correct) == (
        "not_sure",
        "none",
        "TOOLONG-5000",
        False,
    )
    # Human answered: decision time from the end of their first words.
    row = read_events(human, [HumanDetected(at_ms=800, emitted_ms=1400)])
    assert (row.action, row.human_decision_ms, row.correct) == ("connect", 600, True)
    # A drop on a human is not an early start (there is no beep to be early for).
    row = read_events(
        human,
        [
            MachineDetected(at_ms=1, emitted_ms=20),
            GreetingEnded(at_ms=1, emitted_ms=40, words_read=True),
        ],
    )
    assert (row.action, row.early_start, row.correct) == ("drop", False, False)


def test_no_action_on_a_mailbox_that_hangs_up_by_itself_is_a_right_skip():
    def mailbox(kind: str, notes: str) -> LabelledCall:
        return LabelledCall(
            id=kind,
            audio="x.wav",
            answered_by="machine",
            mailbox=kind,
            beep_end_ms=None,
            greeting_end_ms=4000,
            human_greeting_end_ms=None,
            notes=notes,
        )

    machine_only = [MachineDetected(at_ms=900, emitted_ms=1000)]
    full = mailbox("full", "style=full; beeps=0; hangup=yes")
    assert full.far_end_hangs_up
    row = read_events(full, machine_only)
    assert (row.action, row.hung_up_first, row.correct) == ("none", True, True)
    # Nothing decided before the hang-up: no message, no rep either.
    row = read_events(full, [])
    assert (row.action, row.hung_up_first, row.correct) == ("none", True, True)
    # A drop before the hang-up is still wrong.
    row = read_events(
        full, [*machine_only, GreetingEnded(at_ms=4000, emitted_ms=4900, words_read=True)]
    )
    assert (row.action, row.hung_up_first, row.correct) == ("drop", False, False)
    # A mailbox that does not hang up by itself: no action leaves it waiting (a company
    # line records the silence), so it stays wrong.
    general = mailbox("general", "style=menu; beeps=0")
    assert not general.far_end_hangs_up
    row = read_events(general, machine_only)
    assert (row.action, row.hung_up_first, row.correct) == ("none", False, False)
    # A person's line is never right with no action, hang-up or not.
    person = LabelledCall(
        id="h",
        audio="x.wav",
        answered_by="human",
        mailbox=None,
        beep_end_ms=None,
        greeting_end_ms=None,
        human_greeting_end_ms=800,
        notes="hangup=yes",
    )
    assert not read_events(person, []).correct


def test_a_call_taken_back_from_the_rep_is_read_as_its_final_action():
    personal = _call("machine", "personal", greeting_end_ms=7000, beep_end_ms=7600)
    human = _call("human", human_greeting_end_ms=1000)
    taken = [
        HumanDetected(at_ms=1000, emitted_ms=1960),
        RecordingAfterAll(at_ms=7600, emitted_ms=7700, reason="beep"),
        BeepEnded(at_ms=7600, emitted_ms=7700),
    ]
    row = read_events(personal, taken)
    assert (row.first_decision, row.decision, row.taken_back) == ("human", "machine", True)
    assert (row.action, row.correct, row.beep_latency_ms) == ("drop", True, 100)
    # A person taken back is a person played a message: wrong, and no decision time.
    row = read_events(human, taken)
    assert (row.decision, row.action, row.correct, row.human_decision_ms) == (
        "machine",
        "drop",
        False,
        None,
    )
    # Without a take-back the first decision is the decision.
    row = read_events(personal, taken[:1])
    assert (row.first_decision, row.decision, row.taken_back, row.action) == (
        "human",
        "human",
        False,
        "connect",
    )


def test_a_beepless_greeting_taken_back_is_dropped_on_though_its_words_were_not_all_read():
    personal = _call("machine", "personal", greeting_end_ms=7000, beep_end_ms=None)
    events = [
        HumanDetected(at_ms=1000, emitted_ms=1960),
        RecordingAfterAll(at_ms=7000, emitted_ms=8800, reason="its words are a recording's"),
        GreetingEnded(at_ms=7000, emitted_ms=8800, words_read=False),
    ]
    row = read_events(personal, events, beepless_unread="skip")
    assert (row.action, row.correct, row.taken_back) == ("drop", True, True)
    # Not taken back, the same unread cue is skipped as set.
    machine = [MachineDetected(at_ms=3400, emitted_ms=3400), *events[2:]]
    assert read_events(personal, machine, beepless_unread="skip").action == "skip"


def test_the_report_gives_accuracy_at_the_first_decision_and_the_take_backs():
    calls = [
        _call("machine", "personal", id="m1", greeting_end_ms=7000, beep_end_ms=7600),
        _call("machine", "personal", id="m2", greeting_end_ms=7000, beep_end_ms=7600),
        _call("human", id="h1", human_greeting_end_ms=1000),
    ]
    first = [HumanDetected(at_ms=1000, emitted_ms=1960)]
    back = [
        *first,
        RecordingAfterAll(at_ms=7600, emitted_ms=7700),
        BeepEnded(at_ms=7600, emitted_ms=7700),
    ]
    rows = [read_events(calls[0], back), read_events(calls[1], first), read_events(calls[2], first)]
    report = summarize_outcomes(rows, detector="fake", corpus="x")
    assert report.accuracy == round(2 / 3, 4)
    assert report.first_decision_accuracy == round(1 / 3, 4)
    assert report.taken_back == {"machine": 1, "human": 0}
    assert report.to_json()["taken_back"] == {"machine": 1, "human": 0}


def test_people_not_with_the_rep_within_two_seconds_are_abandoned():
    def person(id):
        return _call("human", id=id, human_greeting_end_ms=1000, greeting_end_ms=None)

    machine_first = MachineDetected(at_ms=3400, emitted_ms=3400, reason="long greeting")
    rows = [
        # Decided a person 960 ms after their greeting: in time.
        read_events(person("h1"), [HumanDetected(at_ms=1000, emitted_ms=1960)]),
        # ... 2,600 ms after: abandoned, though the right action.
        read_events(person("h2"), [HumanDetected(at_ms=1000, emitted_ms=3600)]),
        # Taken for a machine, their words said a person at the cue, 2,300 ms after.
        read_events(
            person("h3"),
            [
                machine_first,
                GreetingEnded(at_ms=1000, emitted_ms=3300, words_read=True, words_say_person=True),
            ],
        ),
        # Taken for a machine and skipped unread: hung up on.
        read_events(person("h4"), [machine_first, GreetingEnded(at_ms=1000, emitted_ms=2700)]),
        # ... or, with beepless_unread = "connect", handed over 1,700 ms after: in time.
        read_events(
            person("h5"),
            [machine_first, GreetingEnded(at_ms=1000, emitted_ms=2700)],
            beepless_unread="connect",
        ),
        # A machine is never an abandoned call.
        read_events(
            _call("machine", "personal", id="m1", greeting_end_ms=7000, beep_end_ms=7600),
            [machine_first],
        ),
    ]
    assert [r.abandoned for r in rows] == [False, True, True, True, False, False]
    assert [r.connected_at_ms for r in rows] == [1960, 3600, 3300, None, 2700, None]
    report = summarize_outcomes(rows, detector="fake", corpus="x")
    assert (report.abandoned, report.abandoned_share) == (3, 0.6)
    assert report.to_json()["abandoned_share"] == 0.6


def test_nearest_rank_percentiles():
    stats = Stats.of([40, 10, 30, 20])
    # n=4: p50 is the 2nd smallest, p95 the 4th (ceil(3.8)).
    assert (stats.count, stats.p50, stats.p95, stats.max) == (4, 20, 40, 40)
    assert Stats.of([]) == Stats(0, None, None, None)
    values = list(range(1, 101))
    assert (Stats.of(values).p50, Stats.of(values).p95) == (50, 95)


def test_json_report_has_the_documented_keys(corpus_dir, tmp_path):
    report = evaluate(load_corpus(corpus_dir), _factory())
    data = json.loads(json.dumps(report.to_json()))
    for key in (
        "calls",
        "accuracy",
        "not_sure_rate",
        "confusion",
        "early_starts",
        "beep_latency_ms",
        "human_decision_ms",
        "abandoned",
        "abandoned_share",
        "mailbox_recall",
        "action_accuracy",
        "categories",
        "per_call",
    ):
        assert key in data
    assert set(data["beep_latency_ms"]) == {"count", "p50", "p95", "max"}
    row = data["per_call"][0]
    for key in (
        "id",
        "truth",
        "decision",
        "decided_at_ms",
        "message_start_ms",
        "expected_action",
        "action",
        "correct",
    ):
        assert key in row
    assert data["categories"]["kind=fax"]["calls"] == 1
    assert data["categories"]["truth=machine"]["calls"] == 5
    chart = write_chart(report, tmp_path / "out" / "chart.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_registry():
    assert DETECTOR_NAMES == ("afterbeep", "asterisk-baseline")
    detector = create_detector("asterisk-baseline", sample_rate=16000)
    assert detector.sample_rate == 16000
    with pytest.raises(ConfigError, match="unknown detector 'nope'; known: afterbeep, asterisk"):
        create_detector("nope", sample_rate=8000)
    with pytest.raises(ConfigError, match="sample_rate must be 8000 or 16000"):
        create_detector("asterisk-baseline", sample_rate=44100)


def test_registry_names_a_missing_detector_module(monkeypatch):
    from afterbeep.detect import registry

    monkeypatch.setitem(registry._DETECTORS, "ghost", ("afterbeep.detect.no_such_module", "X"))
    with pytest.raises(ConfigError, match="detector 'ghost' is not available: module"):
        create_detector("ghost", sample_rate=8000)
    monkeypatch.setitem(registry._DETECTORS, "hollow", ("afterbeep.detect.events", "Nothing"))
    with pytest.raises(ConfigError, match="has no Nothing"):
        create_detector("hollow", sample_rate=8000)


def test_eval_cli_json_and_text(corpus_dir, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app, ["eval", str(corpus_dir), "--detector", "asterisk-baseline", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # Six seconds of digital silence: app_amd calls every one a machine (initial silence)
    # and, never hearing sound afterwards, gives no message cue.
    assert data["confusion"]["human"]["machine"] == 2
    assert data["per_call"][0]["reason"] == "INITIALSILENCE-2500-2500"
    assert data["early_starts"] == 0
    chart = tmp_path / "c.png"
    result = runner.invoke(
        app, ["eval", str(corpus_dir), "--detector", "asterisk-baseline", "--chart", str(chart)]
    )
    assert result.exit_code == 0, result.output
    assert "confusion" in result.stdout
    assert "wrong calls (" in result.stdout  # the humans read as machines, listed
    assert chart.exists()
    result = runner.invoke(app, ["eval", str(corpus_dir), "--detector", "nope"])
    assert result.exit_code != 0


def test_a_person_taken_for_a_machine_whose_words_say_so_is_handed_to_the_rep():
    person = _call("human", human_greeting_end_ms=2800)
    events = [
        MachineDetected(at_ms=2600, emitted_ms=2600),
        GreetingEnded(at_ms=2800, emitted_ms=4600, words_read=True, words_say_person=True),
    ]
    row = read_events(person, events)
    # The decision stays wrong; the action (the rep, late) is right, and no message.
    assert (row.decision, row.decision_correct, row.action, row.correct) == (
        "machine",
        False,
        "connect",
        True,
    )
    assert row.message_start_ms is None
    # The same words on a mailbox's beep-less end are a wrong connect, not a drop.
    mailbox = _call("machine", "personal", greeting_end_ms=2800)
    assert read_events(mailbox, events).action == "connect"

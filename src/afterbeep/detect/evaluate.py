"""Evaluation of a streaming detector on a labelled corpus (``afterbeep eval``).

Owns the reading of a call's events into a decision and a dialer action, and the metrics
(accuracy, NotSure rate, confusion, early starts, beep latency, human decision time, mailbox
recall, action accuracy, per-category breakdowns). The rules are those of the detector
contract, written out in docs/eval.md; the JSON form (``EvalReport.to_json``) is a public
interface. Must not know any detector's internals (it only feeds frames and reads events) nor
tune anything.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from afterbeep.detect.corpus import Corpus, LabelledCall, load_corpus, read_call_audio
from afterbeep.detect.events import (
    BEEPLESS_UNREAD,
    DECISION_EVENTS,
    MESSAGE_CUE_EVENTS,
    NO_DROP_EVENTS,
    DetectionEvent,
    FaxDetected,
    GreetingEnded,
    HumanDetected,
    MachineDetected,
    RecordingAfterAll,
)
from afterbeep.detect.registry import StreamingDetector, create_detector
from afterbeep.detect.run import run_detector
from afterbeep.errors import AfterbeepError

FRAME_MS = 20
DECISIONS = ("human", "machine", "fax", "not_sure")
# A person must hear the rep within this long of the end of their greeting, or the call is
# abandoned (the law's two seconds: US 47 CFR 64.1200(a)(7)(i), UK Ofcom).
ABANDON_AFTER_MS = 2000


def is_abandoned(answered_by: str, action: str | None, wait_ms: float | None) -> bool:
    """Whether a call is abandoned by the two-second rule: a person (``answered_by``, the
    truth) not handed to the rep (``action``), or handed over ``wait_ms`` after the end of
    their greeting, more than ``ABANDON_AFTER_MS`` (None: not known, not counted)."""
    if answered_by != "human":
        return False
    if action != "connect":
        return True
    return wait_ms is not None and wait_ms > ABANDON_AFTER_MS


TRUTHS = ("human", "machine", "fax", "silence")
DetectorFactory = Callable[[int], StreamingDetector]


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """How a detector's events read for one call (one ``per_call`` row)."""

    id: str
    truth: str
    mailbox: str | None
    decision: str | None
    decided_at_ms: int | None
    message_start_ms: int | None
    expected_action: str
    action: str | None
    decision_correct: bool
    early_start: bool
    correct: bool
    reason: str = ""
    beep_latency_ms: int | None = None
    greeting_latency_ms: int | None = None
    human_decision_ms: int | None = None
    error: str | None = None
    first_decision: str | None = None
    """The first decision event's class; differs from ``decision`` on a take-back."""
    taken_back: bool = False
    """Handed over as a person, then taken back for the drop (``RecordingAfterAll``)."""
    hung_up_first: bool = False
    """No action before the far end hung up (``LabelledCall.far_end_hangs_up``)."""
    connected_at_ms: int | None = None
    """When the media engine would hand the call to the rep (emission time)."""
    abandoned: bool = False
    """A person (the truth) not handed to the rep, or handed over more than
    ``ABANDON_AFTER_MS`` after their greeting ended."""
    events: list[dict[str, Any]] = field(default_factory=list)
    """Every event the detector emitted: ``{kind, at_ms, emitted_ms}``, in order."""
    tags: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        row = asdict(self)
        row.pop("tags")
        return row


@dataclass(frozen=True, slots=True)
class Stats:
    """Nearest-rank percentiles of a list of millisecond values (None when it is empty)."""

    count: int
    p50: int | None
    p95: int | None
    max: int | None

    @classmethod
    def of(cls, values: Sequence[int]) -> Stats:
        if not values:
            return cls(0, None, None, None)
        ordered = sorted(values)
        return cls(
            len(ordered), _nearest_rank(ordered, 0.50), _nearest_rank(ordered, 0.95), ordered[-1]
        )


def _nearest_rank(ordered: Sequence[int], q: float) -> int:
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@dataclass(frozen=True, slots=True)
class EvalReport:
    """The figures of one evaluation; ``to_json`` is the documented public form."""

    detector: str
    corpus: str
    calls: int
    errors: int
    accuracy: float | None
    first_decision_accuracy: float | None
    taken_back: dict[str, int]
    not_sure_rate: float | None
    confusion: dict[str, dict[str, int]]
    early_starts: int
    early_start_ids: list[str]
    beep_latency_ms: Stats
    greeting_latency_ms: Stats
    human_decision_ms: Stats
    abandoned: int
    abandoned_share: float | None
    mailbox_recall: dict[str, float]
    mailbox_calls: dict[str, int]
    action_accuracy: float | None
    categories: dict[str, dict[str, Any]]
    per_call: list[CallOutcome]

    def to_json(self) -> dict[str, Any]:
        data = {
            "detector": self.detector,
            "corpus": self.corpus,
            "calls": self.calls,
            "errors": self.errors,
            "accuracy": self.accuracy,
            "first_decision_accuracy": self.first_decision_accuracy,
            "taken_back": self.taken_back,
            "not_sure_rate": self.not_sure_rate,
            "confusion": self.confusion,
            "early_starts": self.early_starts,
            "early_start_ids": self.early_start_ids,
            "beep_latency_ms": asdict(self.beep_latency_ms),
            "greeting_latency_ms": asdict(self.greeting_latency_ms),
            "human_decision_ms": asdict(self.human_decision_ms),
            "abandoned": self.abandoned,
            "abandoned_share": self.abandoned_share,
            "mailbox_recall": self.mailbox_recall,
            "mailbox_calls": self.mailbox_calls,
            "action_accuracy": self.action_accuracy,
            "categories": self.categories,
            "per_call": [row.to_json() for row in self.per_call],
        }
        return data


def _check_beepless_unread(value: str) -> None:
    if value not in BEEPLESS_UNREAD:
        raise ValueError(f"beepless_unread must be {' or '.join(BEEPLESS_UNREAD)}, got {value!r}")


def read_events(
    call: LabelledCall, events: Iterable[DetectionEvent], *, beepless_unread: str = "skip"
) -> CallOutcome:
    """Apply the contract's event-reading rules to one call's events (in emission order).

    ``beepless_unread``: what the media engine does at a beep-less greeting's end whose words
    were not read (``GreetingEnded.words_read`` false): ``skip`` (its default), ``drop`` or
    ``connect`` (to the rep)."""
    _check_beepless_unread(beepless_unread)
    events = list(events)
    decision_event = next((e for e in events if isinstance(e, DECISION_EVENTS)), None)
    if decision_event is None:
        decision = "not_sure"
    elif isinstance(decision_event, HumanDetected):
        decision = "human"
    elif isinstance(decision_event, MachineDetected):
        decision = "machine"
    elif isinstance(decision_event, FaxDetected):
        decision = "fax"
    else:
        decision = "not_sure"
    decided_at = decision_event.emitted_ms if decision_event is not None else None
    reason = str(getattr(decision_event, "reason", "") or "")
    first_decision = decision
    taken_back = next((e for e in events if isinstance(e, RecordingAfterAll)), None)
    if decision == "human" and taken_back is not None:
        # Handed to the rep, then taken back for the drop: the call ends as a machine's.
        decision = "machine"
        decided_at = taken_back.emitted_ms
        reason = f"taken back: {taken_back.reason}"

    action = "none"
    message_start: int | None = None
    connected_at: int | None = None
    if decision == "human":
        action = "connect"
        connected_at = decided_at
    elif decision == "machine":
        cue = next((e for e in events if isinstance(e, MESSAGE_CUE_EVENTS)), None)
        cue_index = events.index(cue) if cue is not None else len(events)
        no_drop_first = any(isinstance(e, NO_DROP_EVENTS) for e in events[:cue_index])
        # As the media engine does, a call taken back from the rep is dropped on at its cue,
        # its words read or not (what took it back said a recording).
        unread = isinstance(cue, GreetingEnded) and not cue.words_read and taken_back is None
        if no_drop_first:
            action = "skip"
        elif isinstance(cue, GreetingEnded) and cue.words_say_person:
            # The engine hands a person's words to the rep, late, read to the end or not.
            action = "connect"
            connected_at = cue.emitted_ms
        elif unread and beepless_unread == "skip":
            action = "skip"
        elif unread and beepless_unread == "connect":
            action = "connect"
            connected_at = cue.emitted_ms if cue is not None else None
        elif cue is not None and decided_at is not None:
            action = "drop"
            # A dialer cannot play before it knows it reached a machine: a cue emitted before
            # the decision (which the contract forbids) counts from the decision.
            message_start = max(cue.emitted_ms, decided_at)

    truth = call.answered_by
    expected = call.expected_action
    hung_up_first = action == "none" and call.far_end_hangs_up
    limit = call.message_cue_ms
    early = (
        action == "drop"
        and limit is not None
        and message_start is not None
        and (message_start < limit)
    )
    decision_correct = decision == truth or (truth == "silence" and decision == "not_sure")
    beep_latency = None
    if (
        action == "drop"
        and expected == "drop"
        and not early
        and call.beep_end_ms is not None
        and message_start is not None
    ):
        beep_latency = message_start - call.beep_end_ms
    greeting_latency = None
    if (
        action == "drop"
        and expected == "drop"
        and not early
        and call.beep_end_ms is None
        and call.greeting_end_ms is not None
        and message_start is not None
    ):
        greeting_latency = message_start - call.greeting_end_ms
    human_ms = None
    if (
        truth == "human"
        and decision == "human"
        and decided_at is not None
        and call.human_greeting_end_ms is not None
    ):
        human_ms = decided_at - call.human_greeting_end_ms
    wait = None
    if connected_at is not None and call.human_greeting_end_ms is not None:
        wait = connected_at - call.human_greeting_end_ms
    abandoned = is_abandoned(truth, action, wait)
    return CallOutcome(
        id=call.id,
        truth=truth,
        mailbox=call.mailbox,
        decision=decision,
        decided_at_ms=decided_at,
        message_start_ms=message_start,
        expected_action=expected,
        action=action,
        decision_correct=decision_correct,
        early_start=early,
        correct=right_action(expected, action, hung_up_first=hung_up_first) and not early,
        reason=reason,
        beep_latency_ms=beep_latency,
        greeting_latency_ms=greeting_latency,
        human_decision_ms=human_ms,
        first_decision=first_decision,
        taken_back=first_decision != decision,
        hung_up_first=hung_up_first,
        connected_at_ms=connected_at,
        abandoned=abandoned,
        events=[{"kind": e.kind, "at_ms": e.at_ms, "emitted_ms": e.emitted_ms} for e in events],
        tags=call.tags,
    )


def right_action(expected: str, action: str, *, hung_up_first: bool) -> bool:
    """Whether ``action`` is what a perfect dialer does: the ``expected`` one, or none at all
    on a no-drop mailbox that hung up by itself first (``hung_up_first``: "The mailbox is
    full. Goodbye."), which leaves no message and keeps the rep free as a skip would. The
    evaluation and the call simulator both judge calls by it."""
    return action == expected or (expected == "skip" and action == "none" and hung_up_first)


def _error_outcome(call: LabelledCall, message: str) -> CallOutcome:
    return CallOutcome(
        id=call.id,
        truth=call.answered_by,
        mailbox=call.mailbox,
        decision=None,
        decided_at_ms=None,
        message_start_ms=None,
        expected_action=call.expected_action,
        action=None,
        decision_correct=False,
        early_start=False,
        correct=False,
        error=message,
        tags=call.tags,
    )


def evaluate_call(
    call: LabelledCall,
    audio_path: Path,
    factory: DetectorFactory,
    *,
    beepless_unread: str = "skip",
) -> CallOutcome:
    """One call through a fresh detector; unreadable audio or a detector crash is an error row."""
    try:
        samples, sample_rate = read_call_audio(audio_path)
    except AfterbeepError as error:
        return _error_outcome(call, str(error))
    detector = factory(sample_rate)
    try:
        events = run_detector(detector, samples)
    except Exception as error:  # one call's failure must not stop the others; it is reported
        return _error_outcome(call, f"detector failed: {type(error).__name__}: {error}")
    return read_events(call, events, beepless_unread=beepless_unread)


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _category_figures(rows: Sequence[CallOutcome]) -> dict[str, Any]:
    decided = [r for r in rows if r.truth in ("human", "machine")]
    return {
        "calls": len(rows),
        "accuracy": _ratio(sum(r.decision_correct for r in decided), len(decided)),
        "action_accuracy": _ratio(sum(r.correct for r in rows), len(rows)),
        "early_starts": sum(r.early_start for r in rows),
    }


def summarize_outcomes(
    outcomes: Sequence[CallOutcome], *, detector: str, corpus: str
) -> EvalReport:
    """The report's figures from per-call outcomes (error rows are counted apart)."""
    ok = [r for r in outcomes if r.error is None]
    decided = [r for r in ok if r.truth in ("human", "machine")]
    confusion: dict[str, dict[str, int]] = {}
    for truth in TRUTHS:
        counts = Counter(r.decision for r in ok if r.truth == truth)
        if counts:
            confusion[truth] = {d: counts.get(d, 0) for d in DECISIONS}
    mailbox_rows: dict[str, list[CallOutcome]] = defaultdict(list)
    for row in ok:
        if row.truth == "machine" and row.mailbox:
            mailbox_rows[row.mailbox].append(row)
    categories: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[CallOutcome]] = defaultdict(list)
    for row in ok:
        groups[f"truth={row.truth}"].append(row)
        if row.mailbox:
            groups[f"mailbox={row.mailbox}"].append(row)
        for key, value in row.tags.items():
            groups[f"{key}={value}"].append(row)
    for name in sorted(groups):
        categories[name] = _category_figures(groups[name])
    return EvalReport(
        detector=detector,
        corpus=corpus,
        calls=len(ok),
        errors=len(outcomes) - len(ok),
        accuracy=_ratio(sum(r.decision_correct for r in decided), len(decided)),
        first_decision_accuracy=_ratio(
            sum(r.first_decision == r.truth for r in decided), len(decided)
        ),
        taken_back={
            truth: sum(r.taken_back for r in ok if r.truth == truth)
            for truth in ("machine", "human")
        },
        not_sure_rate=_ratio(sum(r.decision == "not_sure" for r in decided), len(decided)),
        confusion=confusion,
        early_starts=sum(r.early_start for r in ok),
        early_start_ids=[r.id for r in ok if r.early_start],
        beep_latency_ms=Stats.of([r.beep_latency_ms for r in ok if r.beep_latency_ms is not None]),
        greeting_latency_ms=Stats.of(
            [r.greeting_latency_ms for r in ok if r.greeting_latency_ms is not None]
        ),
        human_decision_ms=Stats.of(
            [r.human_decision_ms for r in ok if r.human_decision_ms is not None]
        ),
        abandoned=sum(r.abandoned for r in ok),
        abandoned_share=_ratio(sum(r.abandoned for r in ok), sum(r.truth == "human" for r in ok)),
        mailbox_recall={
            kind: round(sum(r.correct for r in rows) / len(rows), 4)
            for kind, rows in sorted(mailbox_rows.items())
        },
        mailbox_calls={kind: len(rows) for kind, rows in sorted(mailbox_rows.items())},
        action_accuracy=_ratio(sum(r.correct for r in ok), len(ok)),
        categories=categories,
        per_call=list(outcomes),
    )


def evaluate(
    corpus: Corpus | str | Path,
    detector_name: str | DetectorFactory = "afterbeep",
    *,
    settings: Any | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    beepless_unread: str = "skip",
) -> EvalReport:
    """Run ``detector_name`` (a registry name, or a factory taking the sample rate) on ``corpus``.

    Each call gets a fresh detector fed 20 ms frames at the file's own sample rate; the
    events are read by ``read_events`` (with ``beepless_unread``, the media engine's setting
    of that name). ``limit`` takes the first N calls. ``progress`` is called with (done,
    total) after each call.
    """
    _check_beepless_unread(beepless_unread)  # before the first call, not at it
    if not isinstance(corpus, Corpus):
        corpus = load_corpus(corpus, check_audio=False)
    if isinstance(detector_name, str):
        name = detector_name
        # Bad names or settings fail now; the recognition model is loaded before the first
        # call, whose words would otherwise be charged the load.
        create_detector(name, sample_rate=8000, settings=settings, warm_up=True)

        def factory(sample_rate: int) -> StreamingDetector:
            return create_detector(name, sample_rate=sample_rate, settings=settings)

        make: DetectorFactory = factory
    else:
        name = getattr(detector_name, "__name__", type(detector_name).__name__)
        make = detector_name
    calls = corpus.calls[:limit] if limit is not None else corpus.calls
    outcomes: list[CallOutcome] = []
    for done, call in enumerate(calls, start=1):
        outcomes.append(
            evaluate_call(call, corpus.audio_path(call), make, beepless_unread=beepless_unread)
        )
        if progress is not None:
            progress(done, len(calls))
    return summarize_outcomes(outcomes, detector=name, corpus=str(corpus.root))


def write_chart(report: EvalReport, path: str | Path) -> Path:
    """A PNG: the confusion matrix and histograms of beep latency and human decision time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    truths = list(report.confusion)
    matrix = np.array([[report.confusion[t].get(d, 0) for d in DECISIONS] for t in truths])
    left.imshow(matrix if matrix.size else np.zeros((1, len(DECISIONS))), cmap="Blues")
    left.set_xticks(range(len(DECISIONS)), DECISIONS)
    left.set_yticks(range(len(truths)), truths)
    left.set_xlabel("decision")
    left.set_ylabel("truth")
    for i in range(len(truths)):
        for j in range(len(DECISIONS)):
            dark = matrix[i, j] > matrix.max() / 2
            left.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                color="white" if dark else "black",
            )
    left.set_title(f"confusion ({report.calls} calls)")
    beep = [r.beep_latency_ms for r in report.per_call if r.beep_latency_ms is not None]
    human = [r.human_decision_ms for r in report.per_call if r.human_decision_ms is not None]
    if beep:
        right.hist(beep, bins=30, alpha=0.7, label="beep end -> message start")
    if human:
        right.hist(human, bins=30, alpha=0.7, label="human greeting end -> decision")
    right.set_xlabel("ms")
    right.set_ylabel("calls")
    right.set_title(f"latency; early starts: {report.early_starts}")
    if beep or human:
        right.legend()
    figure.suptitle(f"{report.detector} on {report.corpus}")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


__all__ = [
    "ABANDON_AFTER_MS",
    "DECISIONS",
    "CallOutcome",
    "EvalReport",
    "Stats",
    "evaluate",
    "evaluate_call",
    "is_abandoned",
    "read_events",
    "right_action",
    "summarize_outcomes",
    "write_chart",
]

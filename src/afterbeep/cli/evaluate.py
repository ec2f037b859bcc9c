"""``afterbeep eval``: run a detector over a labelled corpus and print its figures.

Thin over ``afterbeep.detect.evaluate``: text (Rich tables) or the JSON of docs/eval.md, and an
optional PNG chart. Exits 1 when any call started a message early or could not be evaluated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from afterbeep.cli._app import app, console, err_console

if TYPE_CHECKING:
    from afterbeep.detect.evaluate import EvalReport, Stats


WRONG_ROWS = 20


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _stats(stats: Stats) -> str:
    if stats.count == 0:
        return "-"
    return f"p50 {stats.p50} / p95 {stats.p95} / max {stats.max} (n={stats.count})"


def _print_report(report: EvalReport) -> None:
    from rich.table import Table

    from afterbeep.detect.evaluate import DECISIONS

    head = Table(title=f"{report.detector} on {report.corpus}", show_header=False)
    head.add_column("figure")
    head.add_column("value", justify="right")
    head.add_row("calls", str(report.calls))
    head.add_row("errors", str(report.errors))
    head.add_row("accuracy (human vs machine)", _pct(report.accuracy))
    head.add_row("  at the first decision", _pct(report.first_decision_accuracy))
    head.add_row(
        "taken back from the rep",
        f"{report.taken_back.get('machine', 0)} machines, {report.taken_back.get('human', 0)} people",
    )
    head.add_row("not sure", _pct(report.not_sure_rate))
    head.add_row("action accuracy", _pct(report.action_accuracy))
    head.add_row("early starts", str(report.early_starts))
    head.add_row("beep latency ms", _stats(report.beep_latency_ms))
    head.add_row("no-beep greeting latency ms", _stats(report.greeting_latency_ms))
    head.add_row("human decision ms", _stats(report.human_decision_ms))
    share = (
        f" ({100 * report.abandoned_share:.1f}% of people)"
        if report.abandoned_share is not None
        else ""
    )
    head.add_row("abandoned (people not with the rep within 2 s)", f"{report.abandoned}{share}")
    console.print(head)

    confusion = Table(title="confusion (truth x decision)")
    confusion.add_column("truth")
    for decision in DECISIONS:
        confusion.add_column(decision, justify="right")
    for truth, row in report.confusion.items():
        confusion.add_row(truth, *(str(row.get(d, 0)) for d in DECISIONS))
    console.print(confusion)

    mailboxes = Table(title="mailbox recall (right action)")
    mailboxes.add_column("mailbox")
    mailboxes.add_column("calls", justify="right")
    mailboxes.add_column("recall", justify="right")
    for kind, recall in report.mailbox_recall.items():
        mailboxes.add_row(kind, str(report.mailbox_calls[kind]), _pct(recall))
    console.print(mailboxes)

    categories = Table(title="by category")
    for column in ("category", "calls", "accuracy", "action accuracy", "early starts"):
        categories.add_column(column, justify="left" if column == "category" else "right")
    for name, figures in report.categories.items():
        categories.add_row(
            name,
            str(figures["calls"]),
            _pct(figures["accuracy"]),
            _pct(figures["action_accuracy"]),
            str(figures["early_starts"]),
        )
    console.print(categories)
    wrong = [r for r in report.per_call if r.error is None and not r.correct]
    if wrong:
        table = Table(title=f"wrong calls ({len(wrong)}; first {min(len(wrong), WRONG_ROWS)})")
        for column in ("id", "truth", "decision", "reason", "action", "expected", "start ms"):
            table.add_column(column)
        for r in wrong[:WRONG_ROWS]:
            truth = f"{r.truth}/{r.mailbox}" if r.mailbox else r.truth
            start = "-" if r.message_start_ms is None else str(r.message_start_ms)
            table.add_row(
                r.id,
                truth,
                r.decision or "-",
                r.reason or "-",
                f"{r.action}{' (early)' if r.early_start else ''}",
                r.expected_action,
                start,
            )
        console.print(table)
    for outcome in report.per_call:
        if outcome.error:
            err_console.print(f"{outcome.id}: {outcome.error}", highlight=False)


@app.command("eval")
def eval_command(
    corpus: Path = typer.Argument(..., help="Corpus folder (calls.jsonl + audio)."),
    detector: str = typer.Option(
        "afterbeep", "--detector", help="Detector: afterbeep or asterisk-baseline."
    ),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    chart: Path | None = typer.Option(None, "--chart", help="Write a PNG chart here."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Evaluate the first N calls."),
    asr: bool = typer.Option(
        True, "--asr/--no-asr", help="Transcribe greetings (afterbeep detector only)."
    ),
    beepless_unread: str = typer.Option(
        "skip",
        "--beepless-unread",
        help="The action at a beep-less greeting's end whose words were not read, as the "
        "media engine's setting of that name: skip (its default), drop or connect (to the rep).",
    ),
) -> None:
    """Evaluate a detector on a labelled corpus: accuracy, early starts, latencies, recall.

    The afterbeep detector takes its settings from the \\[detect] table of afterbeep.toml.
    """
    from afterbeep.detect.evaluate import evaluate
    from afterbeep.detect.events import BEEPLESS_UNREAD
    from afterbeep.errors import InvalidInput

    if output_format not in ("text", "json"):
        raise InvalidInput(f"expected text or json, got {output_format!r}", field="--format")
    if beepless_unread not in BEEPLESS_UNREAD:
        raise InvalidInput(
            f"expected {' or '.join(BEEPLESS_UNREAD)}, got {beepless_unread!r}",
            field="--beepless-unread",
        )
    settings = None
    if detector == "afterbeep":
        from afterbeep.detect.detector import DetectorSettings

        # A recording replays faster than real time: recognise inline and release each
        # result at the audio time it would really have been ready (docs/detector.md).
        settings = DetectorSettings.from_config(asr=asr, asr_threaded=False)
    if output_format == "text":
        from rich.progress import Progress

        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task("evaluating", total=None)
            report = evaluate(
                corpus,
                detector,
                settings=settings,
                limit=limit,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                beepless_unread=beepless_unread,
            )
        _print_report(report)
    else:
        report = evaluate(
            corpus, detector, settings=settings, limit=limit, beepless_unread=beepless_unread
        )
        print(json.dumps(report.to_json(), indent=2))
    if chart is not None:
        from afterbeep.detect.evaluate import write_chart

        write_chart(report, chart)
        if output_format == "text":
            console.print(f"chart written to {chart}", highlight=False)
    if report.early_starts or report.errors:
        raise typer.Exit(1)

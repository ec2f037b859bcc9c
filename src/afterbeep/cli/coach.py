"""``afterbeep coach TAKE``: a sales trainer's feedback on a recorded take; ``bench coach``.

Thin over ``afterbeep.audio.coach``: read the script (a template rendered with ``--field``),
call ``coach_take``, print the report with Rich or as JSON. Exit 1 when the verdict is
``re-record``. ``bench coach`` prints the timing of a 30 s take and, with ``--accuracy``, the
per-property accuracy on the synthesised test set.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from afterbeep.cli._app import app, bench_app, console

_COLOURS = {"fail": "red", "warn": "yellow", "ok": "green", "skip": "dim"}
TAKES_FOLDER = Path("corpora/coach-takes")


def _fields(values: list[str]) -> dict[str, str]:
    from afterbeep.errors import InvalidInput

    fields: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"{item!r}: expected name=value", field="--field")
        fields[name.strip()] = value.strip()
    return fields


@app.command("coach")
def coach_command(
    take: Path = typer.Argument(..., help="The take: WAV, FLAC, OGG, MP3, WebM/Opus or M4A."),
    script: Path | None = typer.Option(
        None, "--script", help="The script (plain text or a template with merge fields)."
    ),
    field: list[str] = typer.Option([], "--field", help="Merge field name=value (repeatable)."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Listen to TAKE and say what a sales trainer would, with timestamps."""
    if output_format not in {"text", "json"}:
        raise typer.BadParameter("must be text or json", param_hint="--format")
    from afterbeep.audio.coach import coach_take
    from afterbeep.scripts import read_script_file, render_template

    fields = _fields(field)
    text = None
    if script is not None:
        text = render_template(read_script_file(script), fields, name=str(script))
    report = coach_take(take, script=text, fields=fields)
    if output_format == "json":
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print(report)
    if report.verdict == "re-record":
        raise typer.Exit(1)


def _print(report: object) -> None:
    from afterbeep.audio.coach import CoachReport

    assert isinstance(report, CoachReport)
    data = report.to_dict()
    colour = {"ready": "green", "fix": "yellow", "re-record": "red"}[report.verdict]
    console.print(f"[bold {colour}]{report.verdict}[/] {report.source or ''}", highlight=False)
    figures = Table(show_header=False, box=None)
    wpm = data["words_per_minute"]
    pitch = data["pitch_variability_semitones"]
    rows = [
        ("speaking", f"{data['speech_duration_s']:.1f} s of {data['file_duration_s']:.1f} s"),
        ("pace", "-" if wpm is None else f"{wpm:.0f} words/min"),
        ("longest pause", f"{data['longest_pause_s']:.1f} s"),
        ("fillers", str(data["filler_count"])),
        ("pitch spread", "-" if pitch is None else f"{pitch:.1f} semitones"),
        ("SNR", "-" if data["snr_db"] is None else f"{data['snr_db']:.0f} dB"),
        ("number said", f"{data['callback_number_mentions']} time(s)"),
        ("first name", f"{data['first_name'] or '-'} x{data['first_name_mentions']}"),
        ("call to action", "yes" if data["call_to_action"] else "no"),
    ]
    if data["script_wer"] is not None:
        rows.append(("script WER", f"{data['script_wer']:.0%}"))
    rows.append(("hook", data["hook"] or "-"))
    for name, value in rows:
        figures.add_row(name, value)
    console.print(figures, highlight=False)
    table = Table(title="findings")
    for column in ("at", "check", "verdict", "what", "advice"):
        table.add_column(column)
    for finding in report.findings:
        if finding.verdict == "skip":
            continue
        at = "" if finding.at_s is None else f"{finding.at_s:.1f}s"
        c = _COLOURS[finding.verdict]
        table.add_row(
            at, finding.check, f"[{c}]{finding.verdict}[/]", finding.message, finding.advice
        )
    console.print(table, highlight=False)
    if report.top_changes:
        console.print("[bold]Three changes that would help most[/]")
        for number, finding in enumerate(report.top_changes, 1):
            at = "" if finding.at_s is None else f" (at {finding.at_s:.1f} s)"
            console.print(f" {number}. {finding.advice}{at}: {finding.message}", highlight=False)


@bench_app.command("coach")
def bench_coach_command(
    runs: int = typer.Option(3, "--runs", min=1, help="Timed runs after a warm-up."),
    accuracy: bool = typer.Option(
        False, "--accuracy", help="Also score the coach on the synthesised takes of --seed."
    ),
    seed: int = typer.Option(2, "--seed", help="Test-set seed (thresholds were tuned on 1)."),
    count: int = typer.Option(40, "--count", min=1, help="Takes in the test set."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Seconds to coach a 30 s take (ASR included); with --accuracy, per-property accuracy."""
    from afterbeep.audio._coach_bench import bench_coach

    result = bench_coach(TAKES_FOLDER, runs=runs).to_dict()
    output: dict[str, object] = {"timing": result}
    if accuracy:
        from afterbeep.audio._coach_takes import evaluate_takes

        evaluation = evaluate_takes(TAKES_FOLDER, seed=seed, count=count)
        output["accuracy"] = {
            "seed": seed,
            "takes": evaluation.takes,
            "per_property": evaluation.accuracy,
            "seconds_per_take": round(evaluation.seconds_per_take, 3),
        }
    if as_json:
        typer.echo(json.dumps(output, indent=2))
        return
    console.print(
        f"coach on a {result['take_seconds']:.0f} s take: median {result['median_s']:.2f} s, "
        f"worst {result['worst_s']:.2f} s over {result['runs']} runs (ASR included; model load "
        f"{result['model_load_s']:.2f} s once); load average {result['load_average_1m']:.2f} "
        f"on {result['cpus']} CPUs",
        highlight=False,
    )
    if accuracy:
        table = Table(title=f"coach accuracy, seed {seed}, {evaluation.takes} takes")
        table.add_column("property")
        table.add_column("accuracy", justify="right")
        for name, value in evaluation.accuracy.items():
            table.add_row(name, f"{value:.1%}")
        console.print(table)

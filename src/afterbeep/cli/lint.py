"""``afterbeep lint`` and ``afterbeep bench lint``: thin shells over ``afterbeep.scripts``.

Parses options, calls the library, prints with Rich (or JSON). Exit codes: 0 clean, 1 when any
finding has error severity, 3 invalid input (a bad script file, or any bad prospect row - the
good rows are still linted and printed first), 4 configuration.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from afterbeep.cli._app import app, bench_app, console

if TYPE_CHECKING:
    from afterbeep.scripts import EmailReport, LintReport

_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _print_report(report: LintReport, title: str) -> None:
    colour = "green" if report.score >= 80 else "yellow" if report.score >= 60 else "red"
    console.print(
        f"[bold]{title}[/]  score [{colour}]{report.score}[/]  "
        f"~{report.estimated_duration_s:.1f} s  {report.spoken_words} words",
        highlight=False,
    )
    labels = " > ".join(str(s["label"]) for s in report.structure)
    console.print(f"  structure: {labels}", highlight=False, markup=False)
    for finding in report.findings:
        line, column = _line_col(report.script, finding.start)
        console.print(
            f"  {line}:{column} [{_COLOURS[finding.severity]}]{finding.severity}[/] "
            f"[bold]{finding.rule}[/] {finding.message}",
            highlight=False,
        )
        if finding.fix:
            console.print(f"      fix: {finding.fix}", highlight=False, markup=False, style="dim")


def _print_email(report: EmailReport, text: str, title: str) -> None:
    console.print(
        f"[bold]{title}[/]  subject {report.subject!r}  {report.body_words} words", highlight=False
    )
    for finding in report.findings:
        line, column = _line_col(text, finding.start)
        console.print(
            f"  {line}:{column} [{_COLOURS[finding.severity]}]{finding.severity}[/] "
            f"[bold]{finding.rule}[/] {finding.message}",
            highlight=False,
        )


def _list_rules(output_format: str) -> None:
    from afterbeep.scripts import RULES

    if output_format == "json":
        typer.echo(json.dumps([rule.to_dict() for rule in RULES], indent=2))
        return
    from rich.table import Table

    table = Table("rule", "severity", "summary", box=None)
    for rule in RULES:
        table.add_row(rule.id, f"[{_COLOURS[rule.severity]}]{rule.severity}[/]", rule.summary)
    console.print(table)


@app.command("lint")
def lint_command(
    files: list[Path] = typer.Argument(None, help="Script files (text or Jinja templates)."),
    prospects: Path | None = typer.Option(
        None, "--prospects", help="Prospect CSV: render and lint the script for every row."
    ),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    disable: list[str] = typer.Option([], "--disable", help="Rule id to disable (repeatable)."),
    config: Path | None = typer.Option(
        None, "--config", help="afterbeep.toml to read [lint] from (default: ./afterbeep.toml)."
    ),
    list_rules: bool = typer.Option(False, "--list-rules", help="List every rule and exit."),
    email: Path | None = typer.Option(
        None,
        "--email",
        help="Follow-up email ('Subject: ...' line, then the body) to check against each script.",
    ),
) -> None:
    """Lint voicemail scripts: findings, score, spoken duration and structure."""
    if output_format not in {"text", "json"}:
        raise typer.BadParameter("must be text or json", param_hint="--format")
    if list_rules:
        _list_rules(output_format)
        return
    if not files:
        raise typer.BadParameter("give at least one script file", param_hint="FILE")
    from afterbeep.scripts import (
        check_followup_email,
        compile_template,
        lint_prospects,
        lint_template,
        load_lint_config,
        read_script_file,
    )

    settings = load_lint_config(config).with_disabled(disable)
    email_text = read_script_file(email) if email is not None else None
    results: list[dict[str, Any]] = []
    bad_rows: list[dict[str, Any]] = []
    any_error = False
    for path in files:
        source = read_script_file(path)
        name = str(path)
        if prospects is None:
            report = lint_template(source, {}, settings, name=name)
            any_error |= report.errors > 0
            entry = {**report.to_dict(), "prospects": None}
            if output_format == "text":
                _print_report(report, name)
            if email_text is not None:
                checked = check_followup_email(email_text, report.script, settings)
                any_error |= any(f.severity == "error" for f in checked.findings)
                entry["email"] = checked.to_dict()
                if output_format == "text":
                    _print_email(checked, email_text, str(email))
            results.append(entry)
            continue
        compiled = compile_template(source, name=name)
        for row in lint_prospects(compiled, prospects, settings):
            where = {"source": name, "prospects": str(prospects), "line": row.line}
            if row.report is None:
                bad_rows.append({**where, "error": row.error})
                if output_format == "text":
                    console.print(f"[red]bad row[/] {row.error}", highlight=False, soft_wrap=True)
                continue
            any_error |= row.report.errors > 0
            results.append({**row.report.to_dict(), **where})
            if output_format == "text":
                _print_report(row.report, f"{name} ({prospects} line {row.line})")
    if output_format == "json":
        typer.echo(json.dumps({"version": 1, "results": results, "bad_rows": bad_rows}, indent=2))
    else:
        errors = sum(1 for r in results for f in r["findings"] if f["severity"] == "error")
        console.print(
            f"{len(results)} script(s) linted, {errors} error finding(s), "
            f"{len(bad_rows)} bad row(s)",
            highlight=False,
        )
    if bad_rows:
        raise typer.Exit(3)
    if any_error:
        raise typer.Exit(1)


@bench_app.command("lint")
def bench_lint_command(
    seconds: float = typer.Option(3.0, "--seconds", help="How long to lint, in seconds."),
) -> None:
    """Lint typical ~80-word scripts in one process; print scripts per second per core."""
    from afterbeep.scripts import benchmark_lint

    result = benchmark_lint(seconds)
    typer.echo(json.dumps(result, indent=2))

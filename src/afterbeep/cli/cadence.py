"""``afterbeep prospects``, ``plan``, ``compliance`` and ``worker``: thin shells over cadence.

Each command opens the settings' database (or ``--url``), calls one library function of
``afterbeep.cadence`` and prints. Exit codes: 0 fine, 1 when an import rejected rows (the
good rows are imported), 3 invalid input, 4 configuration, 5 when ``compliance check`` denies.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer

from afterbeep.cli._app import app, console, err_console
from afterbeep.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

prospects_app = typer.Typer(help="Prospects: import a CRM's CSV export.", no_args_is_help=True)
compliance_app = typer.Typer(
    help="Compliance: check a number at a time, list the rules, import do-not-call lists.",
    no_args_is_help=True,
)
app.add_typer(prospects_app, name="prospects")
app.add_typer(compliance_app, name="compliance")

URL_OPTION = typer.Option(None, "--url", help="SQLAlchemy URL; default: the settings' database.")
TEAM_OPTION = typer.Option("default", "--team", help="Team name.")


def _sessions(url: str | None) -> Any:
    from afterbeep.store import create_engine_for, make_sessionmaker

    return make_sessionmaker(create_engine_for(url))


def _team_id(session: Session, name: str, *, create: bool = False) -> int:
    import sqlalchemy as sa

    from afterbeep.store import Team

    team_id = session.scalar(sa.select(Team.id).where(Team.name == name))
    if team_id is None:
        if not create:
            raise InvalidInput(f"no team named {name!r}", field="team")
        team = Team(name=name)
        session.add(team)
        session.flush()
        return team.id
    return int(team_id)


def _parse_time(text: str | None, zone: str | None, *, field: str = "--at") -> datetime:
    """An instant from ISO 8601; without an offset it is read in ``zone`` (else UTC)."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(
            f"{text!r} is not a time; expected ISO 8601 such as 2026-11-24T09:30 or 2026-11-24T09:30-05:00",
            field=field,
        ) from error
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone or "UTC"))
    return value


@prospects_app.command("import")
def import_command(
    csv_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV export of a CRM."),
    team: str = TEAM_OPTION,
    mapping: list[str] = typer.Option(
        [], "--map", help="field=HEADER, e.g. --map phone='Direct Dial' (repeatable)."
    ),
    region: str = typer.Option("US", "--region", help="Country for numbers without +code."),
    segment: str | None = typer.Option(None, "--segment", help="Segment for rows without one."),
    report_path: Path | None = typer.Option(
        None, "--report", help="Write rejected rows here (CSV)."
    ),
    url: str | None = URL_OPTION,
) -> None:
    """Import prospects from CSV_FILE; every good row is kept, every bad one reported."""
    from afterbeep.cadence.prospects import import_prospects
    from afterbeep.store import Segment

    overrides: dict[str, str] = {}
    for item in mapping:
        field, sep, header = item.partition("=")
        if not sep:
            raise InvalidInput(f"--map wants field=HEADER, got {item!r}", field="--map")
        overrides[field.strip()] = header
    default_segment = None
    if segment:
        try:
            default_segment = Segment(segment)
        except ValueError:
            choices = ", ".join(s.value for s in Segment)
            raise InvalidInput(
                f"unknown segment {segment!r}; expected one of {choices}", field="--segment"
            ) from None
    with _sessions(url)() as session:
        report = import_prospects(
            session,
            team_id=_team_id(session, team, create=True),
            path=csv_file,
            mapping=overrides,
            region=region,
            default_segment=default_segment,
        )
        session.commit()
    console.print(
        f"{csv_file}: imported {report.imported}, updated {report.updated}, "
        f"duplicates {len(report.duplicates)}, rejected {len(report.rejected)}",
        highlight=False,
    )
    for error in report.rejected:
        err_console.print(f"  {error}", highlight=False, markup=False)
    for line, first in report.duplicates:
        err_console.print(
            f"  {csv_file}, line {line}: same number as line {first}", highlight=False, markup=False
        )
    if report_path is not None:
        report.write_csv(report_path)
    if report.rejected:
        raise typer.Exit(1)


@app.command("plan")
def plan_command(
    explain: str | None = typer.Option(
        None, "--explain", metavar="PROSPECT", help="Explain one prospect's touches (id or number)."
    ),
    team: str = TEAM_OPTION,
    at: str | None = typer.Option(None, "--at", help="Plan as of this instant (default: now)."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    url: str | None = URL_OPTION,
) -> None:
    """Plan the next touch of every active enrollment; or --explain PROSPECT."""
    from afterbeep.cadence.explain import explain_prospect, find_prospect
    from afterbeep.cadence.planner import load_planner_settings, plan

    if output_format not in {"text", "json"}:
        raise typer.BadParameter("must be text or json", param_hint="--format")
    with _sessions(url)() as session:
        if explain is not None:
            team_id = _team_id(session, team) if team != "default" else None
            prospect = find_prospect(session, explain, team_id=team_id)
            _print_explanation(explain_prospect(session, prospect), output_format)
            return
        report = plan(
            session,
            team_id=_team_id(session, team),
            now=_parse_time(at, None),
            settings=load_planner_settings(),
        )
        session.commit()
    figures = {
        "planned": report.planned,
        "blocked": report.blocked,
        "finished": report.finished,
        "stopped": report.stopped,
    }
    if output_format == "json":
        console.print_json(json.dumps(figures))
    else:
        console.print(", ".join(f"{k} {v}" for k, v in figures.items()), highlight=False)


def _print_explanation(explanation: Any, output_format: str) -> None:
    if output_format == "json":
        console.print_json(
            json.dumps(
                {
                    "prospect": explanation.prospect_id,
                    "phone": explanation.phone_e164,
                    "jurisdictions": list(explanation.jurisdictions),
                    "time_zones": list(explanation.time_zones),
                    "touches": [
                        {
                            "position": t.position,
                            "channel": t.channel,
                            "status": t.status,
                            "due_at": t.due_at.isoformat(),
                            "due_local": t.due_local.isoformat() if t.due_local else None,
                            "planner": list(t.planner_reasons),
                            "verdict": str(t.decision.verdict) if t.decision else None,
                            "rules": [r.as_dict() for r in t.decision.rules] if t.decision else [],
                        }
                        for t in explanation.touches
                    ],
                }
            )
        )
        return
    console.print(
        f"[bold]{explanation.phone_e164}[/] (prospect {explanation.prospect_id}): "
        f"jurisdictions {', '.join(explanation.jurisdictions)}; zones "
        f"{', '.join(explanation.time_zones) or 'unknown'}; line {explanation.line_type}",
        highlight=False,
    )
    if not explanation.touches:
        console.print("  no touches planned yet (run: afterbeep plan)", highlight=False)
    for touch in explanation.touches:
        local = (
            f"{touch.due_local:%a %Y-%m-%d %H:%M %Z}"
            if touch.due_local
            else touch.due_at.isoformat()
        )
        console.print(
            f"  step {touch.position} {touch.channel} {touch.status} at {local}; "
            f"planner: {', '.join(touch.planner_reasons) or '-'}",
            highlight=False,
            markup=False,
        )
        if touch.decision is not None:
            _print_decision(touch.decision, indent="    ")


def _print_decision(decision: Any, indent: str = "") -> None:
    extra = f" until {decision.not_before.isoformat()}" if decision.not_before else ""
    console.print(
        f"{indent}{decision.verdict}{extra}: {decision.reason}", highlight=False, markup=False
    )
    for rule in decision.rules:
        console.print(
            f"{indent}  {rule.effect:7s} {rule.id} ({rule.jurisdiction}) {rule.detail} [{rule.source}]",
            highlight=False,
            markup=False,
        )


@compliance_app.command("check")
def check_command(
    number: str = typer.Argument(..., help="Phone number (a prospect's, or any)."),
    at: str | None = typer.Option(
        None, "--at", help="ISO 8601 instant; without an offset, the number's local time."
    ),
    channel: str = typer.Option("call", "--channel", help="call, voicemail, text, email..."),
    team: str = TEAM_OPTION,
    state: str | None = typer.Option(None, "--state", help="State/province from an address."),
    time_zone: str | None = typer.Option(None, "--tz", help="IANA time zone from an address."),
    record: bool = typer.Option(True, "--record/--no-record", help="Write it to the audit log."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    url: str | None = URL_OPTION,
) -> None:
    """Would a touch to NUMBER at --at be allowed? Prints the rules that applied (exit 5: denied)."""
    from afterbeep.cadence._regions import number_facts
    from afterbeep.cadence.audit import check_number
    from afterbeep.phone import parse_phone
    from afterbeep.store import Channel, Verdict

    e164 = parse_phone(number, field="NUMBER").e164
    try:
        chosen = Channel(channel)
    except ValueError:
        raise InvalidInput(
            f"unknown channel {channel!r}; expected one of {', '.join(c.value for c in Channel)}",
            field="--channel",
        ) from None
    zones = number_facts(e164).time_zones
    when = _parse_time(at, time_zone or (zones[0] if zones else None))
    with _sessions(url)() as session:
        decision = check_number(
            session,
            e164,
            chosen,
            when,
            team_id=_team_id(session, team, create=True),
            region=state,
            time_zone=time_zone,
            record=record,
        )
        session.commit()
    if output_format == "json":
        console.print_json(
            json.dumps(
                {
                    "number": e164,
                    "at": decision.at.isoformat(),
                    "verdict": str(decision.verdict),
                    "not_before": decision.not_before.isoformat() if decision.not_before else None,
                    "jurisdictions": list(decision.jurisdictions),
                    "reason": decision.reason,
                    "rules": [r.as_dict() for r in decision.rules],
                }
            )
        )
    else:
        console.print(
            f"{e164} {chosen} at {decision.at.isoformat()} ({', '.join(decision.jurisdictions)})",
            highlight=False,
        )
        _print_decision(decision, indent="  ")
    if decision.verdict is Verdict.DENY:
        raise typer.Exit(5)


@compliance_app.command("rules")
def rules_command() -> None:
    """List every jurisdiction rule with its source, and the derived fallbacks."""
    from afterbeep.cadence.compliance import default_engine

    engine = default_engine()
    for rule in (*engine.rules, *engine.us_state_fallback_rules, *engine.fallback_rules):
        console.print(
            f"{rule.id:40s} {rule.jurisdiction:5s} {rule.kind:8s} {rule.source}",
            highlight=False,
            markup=False,
        )


@compliance_app.command("dnc-import")
def dnc_import_command(
    list_file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="One number a line, or 'area,number'."
    ),
    list_name: str = typer.Option("national", "--list", help="national or internal."),
    team: str = TEAM_OPTION,
    region: str = typer.Option("US", "--region", help="Country for numbers without +code."),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="When the list was downloaded (ISO 8601, UTC without an offset; default: now).",
    ),
    url: str | None = URL_OPTION,
) -> None:
    """Import a do-not-call list; its date is what the 31-day scrub rule measures."""
    from afterbeep.cadence.dnc import import_dnc
    from afterbeep.store import DncList

    try:
        chosen = DncList(list_name)
    except ValueError:
        raise InvalidInput("--list must be national or internal", field="--list") from None
    # A list downloaded days ago is as old as its download, not as its import.
    downloaded = _parse_time(as_of, None, field="--as-of")
    if downloaded > datetime.now(UTC):
        raise InvalidInput(f"--as-of {as_of} is in the future", field="--as-of")
    with _sessions(url)() as session:
        report = import_dnc(
            session,
            team_id=_team_id(session, team, create=True),
            list_name=chosen,
            path=list_file,
            region=region,
            imported_at=downloaded,
        )
        session.commit()
    console.print(
        f"{list_file}: {report.added} added, {report.already_listed} already listed, "
        f"{len(report.rejected)} rejected",
        highlight=False,
    )
    for error in report.rejected:
        err_console.print(f"  {error}", highlight=False, markup=False)


@app.command("worker")
def worker_command(
    once: bool = typer.Option(False, "--once", help="Run the due touches once and exit."),
    interval: float = typer.Option(30.0, "--interval", min=1.0, help="Seconds between passes."),
    smtp_host: str | None = typer.Option(
        None, "--smtp-host", help="Send emails through this SMTP server."
    ),
    smtp_port: int = typer.Option(25, "--smtp-port"),
    sender: str = typer.Option("afterbeep@localhost", "--from", help="Email sender address."),
    url: str | None = URL_OPTION,
) -> None:
    """Run due touches in this process (for Celery: celery -A afterbeep.cadence.celery_app worker)."""
    from afterbeep.cadence.channels import SmtpEmail, default_handlers
    from afterbeep.cadence.worker import run_due, run_forever

    email = SmtpEmail(host=smtp_host, port=smtp_port, sender=sender) if smtp_host else None
    handlers = default_handlers(email=email)
    sessions = _sessions(url)

    def show(report: Any) -> None:
        if report.outcomes:
            console.print(
                ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())), highlight=False
            )

    if once:
        show(run_due(sessions, handlers=handlers))
        return
    try:
        run_forever(sessions, interval=interval, handlers=handlers, on_pass=show)
    except KeyboardInterrupt:
        console.print("worker stopped", highlight=False)

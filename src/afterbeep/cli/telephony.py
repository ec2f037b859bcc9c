"""``afterbeep simulate`` and ``afterbeep call``: the call simulator and real outbound calls.

Thin over ``afterbeep.telephony``: the simulator's report as Rich tables or JSON, and a
call through Twilio, Telnyx, Plivo or Vonage that streams to this service when answered.
See docs/telephony.md.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import typer

from afterbeep.cli._app import app, console, err_console
from afterbeep.errors import InvalidInput


def _fmt(stats: dict[str, Any]) -> str:
    if not stats.get("n"):
        return "-"
    return f"p50 {stats['p50']} / p95 {stats['p95']} / max {stats['max']} (n={stats['n']})"


def _print(report: Any) -> None:
    from rich.table import Table

    s = report.summary()
    head = Table(title=f"simulated {s['carrier']} calls against {report.url}", show_header=False)
    head.add_column("figure")
    head.add_column("value", justify="right")
    head.add_row("calls", str(s["calls"]))
    head.add_row("right action", f"{s['correct']} ({100 * (s['accuracy'] or 0):.1f}%)")
    head.add_row("wrong, by cause", json.dumps(s["wrong_by_cause"]) if s["wrong_by_cause"] else "-")
    head.add_row("early starts (message before the beep)", str(s["early_starts"]))
    head.add_row("messages played to a non-machine", str(s["messages_to_non_machines"]))
    head.add_row("message start - true beep end, ms", _fmt(s["message_after_beep_ms"]))
    head.add_row("message start - cue (beep or greeting end), ms", _fmt(s["message_latency_ms"]))
    head.add_row("rep connected - end of greeting, ms", _fmt(s["human_connect_ms"]))
    within = s["people_to_rep_within_1s"]
    head.add_row(
        "people with the rep within 1 s of their greeting",
        f"{within['within']} / {within['people']}"
        + (f" ({100 * within['share']:.1f}%)" if within["share"] is not None else ""),
    )
    share = s["abandoned_share"]
    head.add_row(
        "abandoned: people not with the rep within 2 s (server marked)",
        f"{s['abandoned']}{f' ({100 * share:.1f}% of people)' if share is not None else ''}"
        f" ({s['abandoned_marked']})",
    )
    head.add_row("inbound frames sent / late", f"{s['frames_sent']} / {s['frames_late']}")
    head.add_row("playback gaps", str(s["playback_gaps"]))
    head.add_row(
        "taken back from the rep by afterbeep (right)",
        f"{s['taken_back']} ({s['taken_back_right']})",
    )
    head.add_row("no-drop mailboxes that hung up first (right)", str(s["hung_up_first"]))
    if s["menus_to_press"]:
        head.add_row(
            "menus: operator key pressed, call to the rep (right / expected)",
            f"{s['menus_pressed_right']} / {s['menus_to_press']}",
        )
    if s["rep_drops"]:
        head.add_row("rep's drops (machines handed to the rep)", str(s["rep_drops"]))
        head.add_row(
            "right action, counting the rep's drops",
            f"{s['right_with_rep_drops']} ({100 * s['right_with_rep_drops'] / s['calls']:.1f}%)",
        )
        head.add_row("rep's drop: message start - cue, ms", _fmt(s["rep_drop_message_latency_ms"]))
    head.add_row("stream errors", str(s["errors"]))
    head.add_row("wall time, s", str(s["wall_s"]))
    console.print(head)
    confusion = Table(title="expected action x afterbeep's action")
    actions = ("drop", "connect", "skip", "none")
    confusion.add_column("expected")
    for action in actions:
        confusion.add_column(action, justify="right")
    for expected, row in s["confusion"].items():
        confusion.add_row(expected, *(str(row.get(a, 0)) for a in actions))
    console.print(confusion)
    wrong = [c for c in report.calls if not c.correct]
    if wrong:
        table = Table(title=f"wrong actions ({len(wrong)})")
        for column in ("call", "truth", "expected", "did", "cause", "error"):
            table.add_column(column)
        for c in wrong[:30]:
            truth = c.answered_by + (f"/{c.mailbox}" if c.mailbox else "")
            table.add_row(c.corpus_id, truth, c.expected, c.action, c.cause or "-", c.error or "")
        console.print(table)


@app.command()
def simulate(
    corpus: Path = typer.Option(..., "--corpus", help="Labelled corpus folder (8 kHz calls)."),
    calls: int = typer.Option(10, "--calls", min=1, help="Concurrent calls (the corpus cycles)."),
    carrier: str = typer.Option(
        "twilio", help="Protocol: twilio, telnyx, plivo, vonage or asterisk (AudioSocket)."
    ),
    url: str | None = typer.Option(
        None,
        help="Media endpoint of a running afterbeep (ws://HOST:PORT/media/CARRIER, or "
        "tcp://HOST:PORT for asterisk); default: start one in a child process.",
    ),
    web_url: str | None = typer.Option(
        None,
        "--web-url",
        help="With --url and asterisk: the server's web app (http://HOST:PORT), where "
        "its call timelines say what it did (AudioSocket itself only shows drops).",
    ),
    detector: str = typer.Option(
        "afterbeep",
        help="Detector of the server this command starts: afterbeep or oracle "
        "(reads the labels: measures engine and transport alone).",
    ),
    asr: bool = typer.Option(
        False,
        "--asr/--no-asr",
        help="The server this command starts recognises greetings' words (mailbox full, "
        "company menus); shed per call when it cannot keep up.",
    ),
    beepless_unread: str | None = typer.Option(
        None,
        "--beepless-unread",
        help="The server this command starts, at a beep-less greeting whose words it did "
        "not read: drop, skip or connect (to the rep; telephony.engine.beepless_unread; "
        "default: as configured).",
    ),
    rep_drop_after_ms: float | None = typer.Option(
        None,
        "--rep-drop-after-ms",
        min=0,
        help="A simulated rep handed a machine presses drop this long after being connected "
        "(the rep's drop, POST /calls/drop); default: the rep never does.",
    ),
    control_token: str | None = typer.Option(
        None,
        "--control-token",
        envvar="AFTERBEEP_CONTROL_TOKEN",
        help="With --url: the server's call-control token (telephony.control_token), for "
        "the rep's drop and the call timelines; not needed on this machine when it has none.",
    ),
    answer_over_s: float | None = typer.Option(
        None,
        "--answer-over-s",
        min=0,
        max=600,
        help="Answer the calls evenly over this many seconds, as ring times spread a "
        "dialer's answers; default: 10 ms apart (the worst case: every greeting at once).",
    ),
    on_menu: str = typer.Option(
        "skip",
        "--on-menu",
        help="A company menu that names its key for a person: skip it, or (operator) "
        "expect afterbeep to press that key and hand the call to the rep "
        "(telephony.engine.on_menu; the server this command starts is set so).",
    ),
    output: str = typer.Option("text", "--format", help="text or json."),
    out: Path | None = typer.Option(None, help="Also write the JSON report (per call) here."),
) -> None:
    """Dial simulated calls into afterbeep over a carrier's real protocol and report."""
    from afterbeep.detect.events import BEEPLESS_UNREAD
    from afterbeep.errors import ConfigError
    from afterbeep.telephony.simulator import SIM_CARRIERS, local_server
    from afterbeep.telephony.simulator import simulate as run

    if carrier not in SIM_CARRIERS:
        raise ConfigError(f"--carrier must be one of {', '.join(SIM_CARRIERS)}, got {carrier!r}")
    if output not in ("text", "json"):
        raise ConfigError(f"--format must be text or json, got {output!r}")
    if beepless_unread is not None and beepless_unread not in BEEPLESS_UNREAD:
        choices = " or ".join(BEEPLESS_UNREAD)
        raise ConfigError(f"--beepless-unread must be {choices}, got {beepless_unread!r}")
    if on_menu not in ("skip", "operator"):
        raise ConfigError(f"--on-menu must be skip or operator, got {on_menu!r}")
    asterisk = carrier == "asterisk"
    if asterisk and detector == "oracle" and url is None:
        raise ConfigError(
            "--detector oracle reads each call's labels from its stream parameters, which "
            "AudioSocket cannot carry: use --detector afterbeep with --carrier asterisk"
        )
    dial = functools.partial(
        run,
        corpus,
        calls=calls,
        carrier=carrier,
        rep_drop_after_ms=rep_drop_after_ms,
        control_token=control_token,
        answer_over_s=answer_over_s,
        on_menu=on_menu,
    )
    if url is None:
        with local_server(
            detector=detector,
            asr=asr,
            audiosocket=asterisk,
            beepless_unread=beepless_unread,
            on_menu=on_menu,
        ) as server:
            base = server.url
            target = server.audiosocket_url or base.replace("http://", "ws://") + (
                f"/media/{carrier}"
            )
            words = "with" if asr else "without"
            err_console.print(
                f"started afterbeep ({detector} detector, {words} ASR) at {base}"
                + (f", AudioSocket at {target}" if asterisk else "")
            )
            report = dial(url=target, web_url=base)
    else:
        report = dial(url=url, web_url=web_url)
    data = report.to_dict()
    if out is not None:
        out.write_text(json.dumps(data, indent=1))
    if output == "json":
        console.print_json(json.dumps(data["summary"] if out else data))
    else:
        _print(report)


@app.command()
def call(
    number: str = typer.Argument(..., help="The prospect's number (any format; E.164 best)."),
    script: str = typer.Option(..., "--script", help="Script (message) id to drop."),
    from_number: str | None = typer.Option(None, "--from", help="Caller ID (E.164)."),
    region: str = typer.Option("US", help="Default region for numbers without +country."),
    carrier: str | None = typer.Option(
        None,
        help="twilio, telnyx, plivo or vonage (default: the first configured, in that order).",
    ),
) -> None:
    """Place a real outbound call through the configured carrier (Twilio, Telnyx, Plivo or
    Vonage); when answered it streams to this service, which drops the message or connects
    the rep."""
    from afterbeep.phone import parse_phone
    from afterbeep.telephony.config import load_telephony_settings
    from afterbeep.telephony.rest import carrier_adapters

    settings = load_telephony_settings()
    adapters = carrier_adapters(settings)
    if carrier is None:
        carrier = next((name for name, (ready, _) in adapters.items() if ready), "twilio")
    if carrier not in adapters:
        raise InvalidInput(
            f"--carrier is one of {', '.join(adapters)}, got {carrier!r}", field="--carrier"
        )
    e164 = parse_phone(number, region=region).e164
    calls = adapters[carrier][1](settings)
    sid = calls.start_call(e164, from_=from_number, parameters={"afterbeep.script": script})
    console.print(f"calling {e164}: call {sid}")

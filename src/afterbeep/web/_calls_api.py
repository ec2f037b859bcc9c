"""Live calls in the web app: carrier media streams, carrier webhooks, and a simulated calling
session a newcomer can start from the ``/calls`` page.

Owns the routes:
- ``/media/{carrier}``: websocket media streams (Twilio, Telnyx, Plivo, Vonage) into the
  process's ``MediaEngine``; with ``telephony.audiosocket_port``, also an Asterisk
  AudioSocket listener on TCP into the same engine (``audiosocket_listener``);
- Twilio: ``/twilio/voice`` (TwiML that connects an answered call to its stream) and
  ``/twilio/status``, refused with 403 without a valid ``X-Twilio-Signature``;
- Telnyx: ``/telnyx/webhook`` (Call Control events), refused with 403 without a valid,
  fresh Ed25519 signature;
- Plivo: ``/plivo/answer`` (Plivo XML streaming the call to ``/media/plivo``),
  ``/plivo/dial`` (to the rep) and ``/plivo/status``, refused with 403 without a valid
  ``X-Plivo-Signature-V3``;
- Vonage: ``/vonage/answer`` (an NCCO connecting the call to ``/media/vonage``) and
  ``/vonage/event``, refused with 403 without a fresh JWT signed over the body;
- ``/calls/timelines`` (what the engine recorded for given call ids); ``/calls/drop`` (the
  rep's drop: a call handed to the rep that was a recording takes its message); ``/calls`` and
  ``/calls/simulate`` (run a few corpus calls through the simulator against this very app
  and watch the outcomes).
Must not decide anything about a call (``afterbeep.telephony`` does).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from afterbeep.errors import AfterbeepError, ConfigError
from afterbeep.telephony.config import TelephonySettings, load_telephony_settings
from afterbeep.telephony.engine import MediaEngine
from afterbeep.telephony.server import WEBSOCKET_CARRIERS, serve_websocket

router = APIRouter(tags=["calls"])
log = logging.getLogger(__name__)

DEMO_CORPUS_SEED = 11
DEMO_CORPUS_CALLS = 12
MAX_DEMO_CALLS = 24


def telephony_settings(app: Any) -> TelephonySettings:
    settings = getattr(app.state, "telephony", None)
    if settings is None:
        settings = load_telephony_settings()
        app.state.telephony = settings
    return settings


def media_engine(app: Any) -> MediaEngine:
    """The process's one media engine (created on first use)."""
    engine = getattr(app.state, "media_engine", None)
    if engine is None:
        from afterbeep.telephony.ledger import StoreDropLedger
        from afterbeep.telephony.legs import StoreRepLegs
        from afterbeep.telephony.recording import StoreDropRecorder
        from afterbeep.telephony.rest import (
            CarrierCallControls,
            RestCallControl,
            carrier_adapters,
        )

        settings = telephony_settings(app)
        # A server database (PostgreSQL) may be shared by several media processes, and a carrier
        # may reconnect a stream to any of them: the drop ledger lives there too, and so do
        # the rep's legs on Telnyx, whose webhooks may reach any of them. A SQLite file
        # serves one process, whose memory is enough.
        url = app.state.settings.resolved_database_url
        shared = not url.startswith("sqlite")
        extra: dict[str, dict[str, Any]] = {"telnyx": {"legs": StoreRepLegs(url)}} if shared else {}
        controls = {
            carrier: RestCallControl(calls(settings, **extra.get(carrier, {})))
            for carrier, (configured, calls) in carrier_adapters(settings).items()
            if configured and settings.public_url
        }
        control = CarrierCallControls(controls) if controls else None
        # Only calls that name their call attempt touch the database (simulated ones do not).
        recorder = StoreDropRecorder(
            app.state.settings.resolved_database_url, match_by_call_id=False
        )
        ledger = StoreDropLedger(url) if shared else None
        engine = MediaEngine(
            settings.engine, recorder=recorder, call_control=control, ledger=ledger
        )
        app.state.media_engine = engine
    return engine


@contextlib.asynccontextmanager
async def audiosocket_listener(app: Any) -> AsyncIterator[None]:
    """While the app runs, also take Asterisk AudioSocket calls on TCP when
    ``telephony.audiosocket_port`` is set (into the same media engine as the websockets)."""
    from afterbeep.telephony.server import start_audiosocket_server

    settings = telephony_settings(app)
    if settings.engine.asr:
        # Now, not at the first call: the recognition model loads meanwhile (seconds), and
        # the first calls' words are not given up while it does.
        media_engine(app)
    if settings.audiosocket_port is None:
        yield
        return
    try:
        server = await start_audiosocket_server(
            media_engine(app), host=settings.audiosocket_host, port=settings.audiosocket_port
        )
    except OSError as error:
        raise ConfigError(
            f"telephony setting 'audiosocket_port': cannot listen on "
            f"{settings.audiosocket_host}:{settings.audiosocket_port} ({error.strerror})"
        ) from error
    host, port = server.sockets[0].getsockname()[:2]
    app.state.audiosocket_address = (host, port)
    log.info("Asterisk AudioSocket calls on %s:%s", host, port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


@router.websocket("/media/{carrier}")
async def media_stream(websocket: WebSocket, carrier: str) -> None:
    if carrier not in WEBSOCKET_CARRIERS:
        await websocket.close(code=1008, reason=f"unknown carrier {carrier!r}")
        return
    await serve_websocket(websocket, media_engine(websocket.app), carrier)


# ---- Twilio webhooks -------------------------------------------------------------------------


def _signed_url(request: Request, settings: TelephonySettings) -> str:
    """The address the carrier signed: ours as carriers reach it (``public_url``)."""
    url = str(request.url)
    if settings.public_url:
        url = settings.public_url.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query
    return url


def _media_url(request: Request, settings: TelephonySettings, carrier: str) -> str:
    """The carrier's media websocket on our public address (else the one asked for)."""
    from afterbeep.telephony._http import media_url

    return media_url((settings.public_url or str(request.base_url)).rstrip("/"), carrier)


async def _signed_form(request: Request) -> dict[str, str]:
    """The form of a request Twilio signed, or 403."""
    from afterbeep.telephony.rest import verify_twilio_signature

    settings = telephony_settings(request.app)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if settings.twilio_auth_token is None:
        raise HTTPException(403, "Twilio webhooks are refused: no Twilio auth token configured")
    url = _signed_url(request, settings)
    signature = request.headers.get("X-Twilio-Signature")
    token = settings.twilio_auth_token.get_secret_value()
    if not verify_twilio_signature(url, form, signature, auth_token=token):
        reason = "missing" if not signature else "invalid"
        log.warning("refused a Twilio webhook to %s: %s signature", request.url.path, reason)
        raise HTTPException(403, f"{reason} X-Twilio-Signature")
    return form


@router.post("/twilio/voice")
async def twilio_voice(request: Request) -> Response:
    """Twilio asks what to do with an answered call: stream it to afterbeep."""
    from afterbeep.telephony.rest import connect_stream_twiml

    form = await _signed_form(request)
    settings = telephony_settings(request.app)
    parameters = {k: v for k, v in request.query_params.items() if k.startswith("afterbeep.")}
    if "CallSid" in form:
        parameters.setdefault("afterbeep.call_sid", form["CallSid"])
    twiml = connect_stream_twiml(_media_url(request, settings, "twilio"), parameters)
    return Response(twiml, media_type="application/xml")


def _keep_status(app: Any, status: dict[str, Any]) -> None:
    statuses = app.state.__dict__.setdefault("call_statuses", [])
    statuses.append({**status, "at": datetime.now(UTC).isoformat()})
    del statuses[:-1000]


@router.post("/twilio/status")
async def twilio_status(request: Request) -> Response:
    """Call status callbacks (initiated, ringing, answered, completed)."""
    form = await _signed_form(request)
    _keep_status(
        request.app,
        {"carrier": "twilio", "call_sid": form.get("CallSid"), "status": form.get("CallStatus")},
    )
    return Response(status_code=204)


# ---- Plivo webhooks --------------------------------------------------------------------------


async def _plivo_form(request: Request) -> dict[str, str]:
    """The form of a request Plivo signed (X-Plivo-Signature-V3), or 403."""
    from afterbeep.telephony.rest_plivo import (
        NONCE_HEADER,
        SIGNATURE_HEADER,
        verify_plivo_signature,
    )

    settings = telephony_settings(request.app)
    if settings.plivo_auth_token is None:
        raise HTTPException(403, "Plivo webhooks are refused: no Plivo auth token configured")
    form = {k: str(v) for k, v in (await request.form()).items()}
    signature = request.headers.get(SIGNATURE_HEADER)
    nonce = request.headers.get(NONCE_HEADER)
    token = settings.plivo_auth_token.get_secret_value()
    url = _signed_url(request, settings)
    if not verify_plivo_signature(url, form, signature, nonce, auth_token=token):
        reason = "missing" if not signature or not nonce else "invalid"
        log.warning("refused a Plivo webhook to %s: %s signature", request.url.path, reason)
        raise HTTPException(403, f"{reason} {SIGNATURE_HEADER}")
    return form


@router.post("/plivo/answer")
async def plivo_answer(request: Request) -> Response:
    """Plivo asks what to do with an answered call: stream it to afterbeep, both ways."""
    from afterbeep.telephony.rest_plivo import stream_xml

    await _plivo_form(request)
    settings = telephony_settings(request.app)
    parameters = {k: v for k, v in request.query_params.items() if k.startswith("afterbeep.")}
    try:
        xml = stream_xml(_media_url(request, settings, "plivo"), parameters)
    except AfterbeepError as error:
        raise HTTPException(422, str(error)) from error
    return Response(xml, media_type="application/xml")


@router.post("/plivo/dial")
async def plivo_dial(request: Request) -> Response:
    """A call handed to the rep (``PlivoCalls.transfer``): dial the rep's number."""
    from afterbeep.phone import parse_phone
    from afterbeep.telephony.rest_plivo import dial_xml

    await _plivo_form(request)
    try:
        rep = parse_phone(request.query_params.get("to", "")).e164
    except AfterbeepError as error:
        raise HTTPException(422, f"to: {error}") from error
    return Response(dial_xml(rep), media_type="application/xml")


@router.post("/plivo/status")
async def plivo_status(request: Request) -> Response:
    """Plivo's hangup callback (and any status callback pointed here)."""
    form = await _plivo_form(request)
    _keep_status(
        request.app,
        {
            "carrier": "plivo",
            "call_sid": form.get("CallUUID"),
            "status": form.get("CallStatus") or form.get("Event"),
        },
    )
    return Response(status_code=204)


# ---- Vonage webhooks -------------------------------------------------------------------------


async def _vonage_signed(request: Request) -> bytes:
    """The body of a request Vonage signed (a JWT in Authorization), or 403."""
    from afterbeep.telephony.rest_vonage import verify_vonage_signature

    settings = telephony_settings(request.app)
    if settings.vonage_signature_secret is None:
        raise HTTPException(
            403, "Vonage webhooks are refused: no Vonage signature secret configured"
        )
    body = await request.body()
    authorization = request.headers.get("Authorization")
    secret = settings.vonage_signature_secret.get_secret_value()
    if not verify_vonage_signature(body, authorization, signature_secret=secret):
        reason = "missing" if not authorization else "invalid or stale"
        log.warning("refused a Vonage webhook to %s: %s signature", request.url.path, reason)
        raise HTTPException(403, f"{reason} signed Authorization (Vonage JWT)")
    return body


@router.get("/vonage/answer")
async def vonage_answer(request: Request) -> dict[str, Any] | list[Any]:
    """Vonage asks what to do with an answered call: connect it to afterbeep's websocket,
    with the call's UUID and the answer URL's ``afterbeep.*`` parameters as headers."""
    from afterbeep.telephony.rest_vonage import ncco_connect_stream

    await _vonage_signed(request)
    settings = telephony_settings(request.app)
    query = request.query_params
    if not query.get("uuid"):
        raise HTTPException(422, "Vonage's answer request names the call in 'uuid'")
    headers = {k: v for k, v in query.items() if k.startswith("afterbeep.")}
    headers["call_uuid"] = query["uuid"]
    return ncco_connect_stream(_media_url(request, settings, "vonage"), headers)


@router.post("/vonage/event")
async def vonage_event(request: Request) -> Response:
    """Call events (started, ringing, answered, completed, ...)."""
    body = await _vonage_signed(request)
    try:
        event = json.loads(body)
        status = str(event["status"])
    except (ValueError, KeyError, TypeError) as error:
        raise HTTPException(422, "a Vonage event is a JSON object with a status") from error
    _keep_status(
        request.app, {"carrier": "vonage", "call_sid": event.get("uuid"), "status": status}
    )
    return Response(status_code=204)


# ---- Telnyx webhooks -------------------------------------------------------------------------


@router.post("/telnyx/webhook")
async def telnyx_webhook(request: Request) -> Response:
    """Call Control events (call.initiated, call.answered, streaming.started, call.hangup,
    ...), refused with 403 unless signed with the account's Ed25519 key within five minutes."""
    from afterbeep.telephony.rest_telnyx import (
        SIGNATURE_HEADER,
        TIMESTAMP_HEADER,
        verify_telnyx_signature,
    )

    settings = telephony_settings(request.app)
    if not settings.telnyx_public_key:
        raise HTTPException(403, "Telnyx webhooks are refused: no Telnyx public key configured")
    body = await request.body()
    signature = request.headers.get(SIGNATURE_HEADER)
    timestamp = request.headers.get(TIMESTAMP_HEADER)
    if not verify_telnyx_signature(
        body, signature, timestamp, public_key=settings.telnyx_public_key
    ):
        reason = "missing" if not signature or not timestamp else "invalid or stale"
        log.warning("refused a Telnyx webhook: %s signature", reason)
        raise HTTPException(403, f"{reason} {SIGNATURE_HEADER}")
    try:
        data = json.loads(body)["data"]
        event_type = str(data["event_type"])
        payload = data.get("payload") or {}
    except (ValueError, KeyError, TypeError) as error:
        raise HTTPException(
            422, "a Telnyx webhook is a JSON object with data.event_type"
        ) from error
    if not isinstance(payload, dict):
        raise HTTPException(422, "a Telnyx webhook's data.payload is a JSON object")
    _keep_status(
        request.app,
        {"carrier": "telnyx", "call_sid": payload.get("call_control_id"), "status": event_type},
    )
    # The call control follows the rep's legs (see TelnyxCalls.on_webhook); an engine not
    # made yet has handed no call over.
    engine = getattr(request.app.state, "media_engine", None)
    carrier_event = getattr(getattr(engine, "call_control", None), "carrier_event", None)
    if carrier_event is not None:
        try:
            await run_in_threadpool(carrier_event, "telnyx", event_type, payload)
        except Exception:  # the event is kept; Telnyx sending it again would not help
            log.exception("telnyx webhook %s: the call control failed", event_type)
    return Response(status_code=204)


# ---- timelines and the simulated session -------------------------------------------------------


class TimelineQuery(BaseModel):
    call_ids: list[str] = Field(default_factory=list, max_length=5000)


_LOOPBACK = ("127.", "::1", "::ffff:127.")


def require_call_control(request: Request) -> None:
    """The rep's call controls drop messages into live calls and read what prospects said:
    with ``telephony.control_token`` set, a request must carry it (``Authorization: Bearer
    <token>``, else 401); unset, only clients on this machine may use them (else 403)."""
    token = telephony_settings(request.app).control_token
    if token is None:
        host = request.client.host if request.client else ""
        if not host.startswith(_LOOPBACK):
            log.warning("refused %s from %s: no control token set", request.url.path, host)
            raise HTTPException(
                403,
                "call controls are open only to this machine while no control token is set "
                "(telephony.control_token or AFTERBEEP_CONTROL_TOKEN)",
            )
        return
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.get_secret_value().encode()
    ):
        log.warning("refused %s: missing or wrong control token", request.url.path)
        raise HTTPException(
            401, "missing or wrong control token", headers={"WWW-Authenticate": "Bearer"}
        )


@router.post("/calls/timelines", dependencies=[Depends(require_call_control)])
def call_timelines(query: TimelineQuery, request: Request) -> dict[str, Any]:
    engine = media_engine(request.app)
    wanted = set(query.call_ids)
    rows = [t.to_dict() for (_, call_id), t in engine.timelines.items() if call_id in wanted]
    return {"timelines": rows}


@router.get("/calls/stats", dependencies=[Depends(require_call_control)])
def call_stats(request: Request) -> dict[str, Any]:
    """The media engine's figures: streams, playback, detection and recognition load."""
    return media_engine(request.app).stats()


class RepDropRequest(BaseModel):
    carrier: str = Field(..., min_length=1, max_length=32)
    call_id: str = Field(..., min_length=1, max_length=128)


_REP_DROP_STATUS = {"unknown_call": 404, "already_dropped": 409, "not_with_the_rep": 409}


@router.post("/calls/drop", dependencies=[Depends(require_call_control)])
async def rep_drop(body: RepDropRequest, request: Request) -> JSONResponse:
    """The rep, handed a call that was a recording after all, has it take the message: 202
    with the parameters of the stream that will drop it (whether its carrier was asked to
    open it, or whether the call's stream, still open, drops it); 404 for an unknown call,
    409 for one not with the rep or already dropped (see ``require_call_control``)."""
    engine = media_engine(request.app)
    # The carrier's REST call (Twilio: the call's TwiML) is made outside the media loop.
    answer = await run_in_threadpool(engine.rep_drop, body.carrier, body.call_id)
    if not answer.accepted:
        return JSONResponse(
            {"error": answer.reason, "message": answer.message},
            status_code=_REP_DROP_STATUS.get(answer.reason, 409),
        )
    return JSONResponse(
        {
            "accepted": True,
            "carrier": body.carrier,
            "call_id": body.call_id,
            "redirected": answer.redirected,
            "in_stream": answer.in_stream,
            "parameters": answer.parameters,
        },
        status_code=202,
    )


class SimulateRequest(BaseModel):
    calls: int = Field(8, ge=1, le=MAX_DEMO_CALLS)
    carrier: str = "twilio"
    # A simulated rep handed a machine presses drop this long after being connected.
    rep_drop_after_ms: float | None = Field(None, ge=0, le=10_000)


def _control_token(app: Any) -> str | None:
    token = telephony_settings(app).control_token
    return token.get_secret_value() if token is not None else None


def _demo_corpus(data_dir: Path) -> Path:
    from afterbeep.detect.corpus import CALLS_FILE, build_corpus

    out = data_dir / "simulator-corpus"
    if not (out / CALLS_FILE).exists():
        build_corpus(out, seed=DEMO_CORPUS_SEED, count=DEMO_CORPUS_CALLS, engines=("espeak",))
    return out


async def _run_session(app: Any, run: dict[str, Any], url: str, request: SimulateRequest) -> None:
    from afterbeep.telephony.simulator import load_simulation_calls, simulate_calls

    try:
        corpus = await run_in_threadpool(_demo_corpus, Path(app.state.settings.data_dir))
        calls = await run_in_threadpool(load_simulation_calls, corpus, count=request.calls)
        run["state"] = "calling"
        run["calls"] = [
            {"corpus_id": c.id, "answered_by": c.answered_by, "expected": c.expected_action}
            for c, _ in calls
        ]

        engine = media_engine(app)

        def row(result: Any) -> dict[str, Any]:
            """The simulator's result, and the engine's reason for its ending (why a call
            was skipped: "mailbox_full", "beepless_unread", ...)."""
            timeline = engine.timelines.get((request.carrier, result.call_id))
            return {**result.to_dict(), "end_reason": timeline.end_reason if timeline else None}

        def progress(result: Any) -> None:
            run["results"][result.index] = row(result)

        report = await simulate_calls(
            calls,
            url=url,
            carrier=request.carrier,
            stagger_ms=200.0,
            progress=progress,
            rep_drop_after_ms=request.rep_drop_after_ms,
            control_token=_control_token(app),
        )
        run["results"] = {c.index: row(c) for c in report.calls}
        run["summary"] = report.summary()
        run["state"] = "done"
    except (AfterbeepError, OSError) as error:
        run["state"] = "failed"
        run["error"] = str(error)
    except Exception as error:  # the page must say so rather than spin forever
        log.exception("simulated session failed")
        run["state"] = "failed"
        run["error"] = f"{type(error).__name__}: {error}"


@router.post("/calls/simulate", dependencies=[Depends(require_call_control)])
async def start_simulation(body: SimulateRequest, request: Request) -> dict[str, Any]:
    """Start a simulated calling session against this server (a call control: it dials up to
    ``MAX_DEMO_CALLS`` calls into the media engine, so it is not open to everyone)."""
    if body.carrier not in WEBSOCKET_CARRIERS:
        raise HTTPException(422, f"carrier must be one of {', '.join(WEBSOCKET_CARRIERS)}")
    runs: dict[str, dict[str, Any]] = request.app.state.__dict__.setdefault("simulations", {})
    if any(r["state"] in ("preparing", "calling") for r in runs.values()):
        raise HTTPException(409, "a simulated session is already running")
    run_id = uuid.uuid4().hex[:12]
    run: dict[str, Any] = {"id": run_id, "state": "preparing", "results": {}, "calls": []}
    runs[run_id] = run
    base = str(request.base_url).rstrip("/")
    url = base.replace("https://", "wss://").replace("http://", "ws://")
    url += f"/media/{body.carrier}"
    task = asyncio.get_running_loop().create_task(_run_session(request.app, run, url, body))
    request.app.state.__dict__.setdefault("simulation_tasks", set()).add(task)
    task.add_done_callback(request.app.state.simulation_tasks.discard)
    return {"id": run_id, "state": run["state"]}


@router.get("/calls/simulate/{run_id}", dependencies=[Depends(require_call_control)])
def simulation_status(run_id: str, request: Request) -> dict[str, Any]:
    runs = request.app.state.__dict__.get("simulations", {})
    if run_id not in runs:
        raise HTTPException(404, f"no simulated session {run_id!r}")
    run = runs[run_id]
    return {
        "id": run_id,
        "state": run["state"],
        "error": run.get("error"),
        "calls": run["calls"],
        "results": [run["results"][i] for i in sorted(run["results"])],
        "summary": run.get("summary"),
    }


@router.get("/calls", response_class=HTMLResponse)
def calls_page(request: Request) -> HTMLResponse:
    from afterbeep.web.app import templates

    engine = media_engine(request.app)
    return templates.TemplateResponse(
        request,
        "calls.html",
        {
            "detector": engine.settings.detector,
            "max_calls": MAX_DEMO_CALLS,
            "token_needed": _control_token(request.app) is not None,
        },
    )


__all__ = ["media_engine", "router", "telephony_settings"]

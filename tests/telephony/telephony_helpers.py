"""Helpers shared by the telephony tests: a real afterbeep app served by uvicorn on a loopback
port (in a thread, with its own event loop), a minimal Twilio far end that streams a call, and
a carrier's REST API on loopback (``FakeCarrierApi``, ``serve_api``), and the Twilio SDK's
HTTP client that keeps its requests (``RecordingHttp``).

A plain module with a unique name (not conftest), so test modules can import it directly.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import websockets
from twilio.http import HttpClient
from twilio.http.response import Response

from _databases import (
    postgres_admin_url,
    postgres_unavailable_reason,
    postgres_worker_database,
    skip_or_fail_without_postgres,
)
from afterbeep.store import upgrade
from afterbeep.telephony.twilio import twilio_far_end_messages, twilio_media_message


@dataclass
class LiveServer:
    app: Any
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def media_url(self, carrier: str = "twilio") -> str:
        return f"ws://127.0.0.1:{self.port}/media/{carrier}"

    @property
    def engine(self) -> Any:
        return self.app.state.media_engine


# The call-control token of the ``guarded_server`` fixture.
GUARD_TOKEN = "rep-desk-" + "7" * 24


def start_server(app: Any, *, lifespan: str = "off") -> tuple[Any, threading.Thread, int]:
    """Serve ``app`` with uvicorn on a free loopback port (``lifespan="on"``: with its
    start-up and shut-down, e.g. the AudioSocket listener)."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan=lifespan)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, port


def _frames(samples: Any) -> Any:
    n = samples.size - samples.size % 160
    return samples[:n].reshape(-1, 160)


async def twilio_stream(
    url: str,
    call_sid: str,
    samples: Any,
    *,
    cut_after_media: int | None = None,
    stream_sid: str | None = None,
    parameters: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Play ``samples`` as Twilio would (no pacing needed for the oracle); returns the media
    frames and marks received, stopping early after ``cut_after_media`` media frames. The
    stream's ``parameters`` default to a personal mailbox's labels for the oracle; audio
    left when afterbeep closes the stream is not sent."""
    stream_sid = stream_sid or "MZ" + call_sid[2:]
    params = parameters
    if params is None:
        params = {
            "afterbeep.truth": json.dumps(
                {
                    "answered_by": "machine",
                    "mailbox": "personal",
                    "beep_end_ms": 1800,
                    "greeting_end_ms": 1400,
                }
            )
        }
    media, marks = 0, []
    async with websockets.connect(url) as ws:
        for message in twilio_far_end_messages(
            stream_sid=stream_sid, call_sid=call_sid, account_sid="AC" + "0" * 32, parameters=params
        ):
            await ws.send(message)
        for i, frame in enumerate(_frames(samples)):
            try:
                await ws.send(
                    twilio_media_message(
                        frame,
                        stream_sid=stream_sid,
                        sequence=i + 2,
                        chunk=i + 1,
                        timestamp_ms=i * 20,
                    )
                )
            except websockets.ConnectionClosed:
                break
        try:
            async for message in ws:
                body = json.loads(message)
                if body["event"] == "media":
                    media += 1
                    if cut_after_media is not None and media >= cut_after_media:
                        break  # the carrier drops the socket in the middle of the message
                elif body["event"] == "mark":
                    marks.append(body["mark"]["name"])
                    await ws.send(
                        json.dumps({"event": "mark", "streamSid": stream_sid, "mark": body["mark"]})
                    )
        except websockets.ConnectionClosed:
            pass
    return media, marks


class FakeCarrierApi(BaseHTTPRequestHandler):
    """A carrier's REST API on loopback (see ``serve_api``): subclasses answer as the
    carrier documents; every request is kept in ``requests`` (method, path, JSON body,
    headers)."""

    requests: ClassVar[list[dict[str, Any]]] = []

    def read_request(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        request = {
            "method": self.command,
            "path": self.path,
            "body": json.loads(raw) if raw else None,
            "headers": dict(self.headers),
        }
        type(self).requests.append(request)
        return request

    def answer(self, status: int, body: dict[str, Any] | None = None) -> None:
        raw = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


class RecordingHttp(HttpClient):
    """The Twilio SDK's HTTP client: answers like Twilio's Calls API and keeps every
    request (no carrier can be reached from a test machine)."""

    def __init__(self, status: int = 201) -> None:
        import logging

        super().__init__(logging.getLogger("twilio.http_client"), False)
        self.requests: list[dict] = []
        self.status = status

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ):
        self.requests.append({"method": method, "uri": uri, "data": data, "auth": auth})
        if self.status >= 400:
            body = {
                "code": 21211,
                "message": "The 'To' number is not valid.",
                "status": self.status,
            }
            return Response(self.status, json.dumps(body))
        return Response(self.status, json.dumps({"sid": "CA" + "9" * 32, "status": "queued"}))


@contextlib.contextmanager
def serve_api(
    handler: type[FakeCarrierApi], prefix: str
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve ``handler`` on a free loopback port; yields the API's base URL (``prefix`` is
    its path, e.g. ``/v2``) and the list its requests are kept in."""
    handler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


# ---- an engine's sessions fed frame by frame (no sockets) ---------------------------------


async def engine_stream(
    engine: Any,
    call_id: str,
    samples: Any,
    *,
    parameters: dict[str, str] | None = None,
    stream_id: str = "MZ1",
    marks: bool = True,
    stop_at_end: bool = False,
) -> tuple[Any, list[Any]]:
    """Open a Twilio session of ``engine`` for ``call_id`` and ``feed_session`` it
    ``samples``: the session and what it sent."""
    from afterbeep.telephony.frames import StreamStarted

    session = engine.session("twilio")
    session.handle(StreamStarted(call_id=call_id, stream_id=stream_id, parameters=parameters or {}))
    sent = await feed_session(session, samples, marks=marks, stop_at_end=stop_at_end)
    return session, sent


async def feed_session(
    session: Any, samples: Any, *, marks: bool = True, stop_at_end: bool = False
) -> list[Any]:
    """Feed an open session ``samples`` frame by frame in real time order, answering the
    drop's final mark (``marks``), then let its message play out; what it sent.
    ``stop_at_end``: the carrier ends the stream after the audio (the call hung up)."""
    import asyncio

    from afterbeep.telephony.engine import DROP_END_MARK
    from afterbeep.telephony.frames import AudioIn, MarkReached, SendMark, StreamStopped

    sent: list[Any] = []

    def drain() -> None:
        while not session.outbox.empty():
            frame = session.outbox.get_nowait()
            sent.append(frame)
            if marks and isinstance(frame, SendMark) and frame.name == DROP_END_MARK:
                session.handle(MarkReached(name=DROP_END_MARK))

    for start in range(0, samples.size - 159, 160):
        if session.ended:
            break
        session.handle(AudioIn(samples=samples[start : start + 160]))
        await asyncio.sleep(0)  # the hub feeds its batch
        drain()
    if stop_at_end and not session.ended:
        session.handle(StreamStopped(reason="far end hung up"))
    for _ in range(50):  # the last of the message, paced by the engine's clock
        if session.ended and session.outbox.empty():
            break
        await asyncio.sleep(0.02)
        drain()
    return sent


async def feed_burst(session: Any, samples: Any) -> list[Any]:
    """Hand ``session`` all of ``samples`` before the hub reads any of it (a socket's
    backlog arriving at once), then let it run a moment; what it sent."""
    import asyncio

    from afterbeep.telephony.frames import AudioIn

    for start in range(0, samples.size - 159, 160):
        session.handle(AudioIn(samples=samples[start : start + 160]))
    await asyncio.sleep(0.05)
    sent: list[Any] = []
    while not session.outbox.empty():
        sent.append(session.outbox.get_nowait())
    return sent


# ---- line sounds for the real detector (the rep's drop tests) -----------------------------

_RNG = np.random.default_rng(5)


def line_floor(ms: int) -> Any:
    """A quiet line: noise at -60 dBFS, 8 kHz."""
    return _RNG.standard_normal(ms * 8) * 10 ** (-60 / 20) * 32767


def talk(ms: int) -> Any:
    """Speech-like sound: 200 ms bursts of loud noise with 60 ms dips, over the floor."""
    out = line_floor(ms)
    for start in range(0, ms * 8, 260 * 8):
        end = min(start + 200 * 8, out.size)
        out[start:end] += _RNG.standard_normal(end - start) * 10 ** (-22 / 20) * 32767
    return out


def beep(ms: int, hz: float = 1000.0) -> Any:
    t = np.arange(ms * 8) / 8000
    return line_floor(ms) + np.sin(2 * np.pi * hz * t) * 10 ** (-16 / 20) * 32767 * np.sqrt(2)


def as_int16(*parts: Any) -> Any:
    return np.clip(np.concatenate(parts), -32768, 32767).astype(np.int16)


@contextlib.contextmanager
def migrated_store(kind: str, folder: Path, worker: str) -> Iterator[str]:
    """The URL of a migrated store: a SQLite file in ``folder`` or a fresh database on the
    real PostgreSQL (skipped, or failed under CI, when it cannot be reached)."""
    if kind == "sqlite":
        url = f"sqlite:///{folder}/store.db"
        upgrade(url)
        yield url
        return
    admin = postgres_admin_url()
    reason = postgres_unavailable_reason(admin)
    if reason:
        skip_or_fail_without_postgres(reason)
    with postgres_worker_database(admin, worker=worker) as pg_url:
        url = pg_url.render_as_string(hide_password=False)
        upgrade(url)
        yield url

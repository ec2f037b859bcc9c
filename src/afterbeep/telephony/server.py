"""Carrier streams on sockets: a websocket (any carrier but Asterisk) or an AudioSocket TCP
connection, joined to one ``MediaSession``.

Owns the read loop (wire message -> serializer -> session), the write loop (session outbox
-> serializer -> wire) and the rule that a bad message closes only its own stream, with the
reason logged: ``ProtocolError`` (bad JSON, bad base64, wrong sizes), a socket cut
mid-message, an unexpected exception in one stream's handling. Must not make call decisions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from afterbeep.errors import ConfigError
from afterbeep.telephony._serializer import ProtocolError, Serializer
from afterbeep.telephony.audiosocket import AudioSocketSerializer, read_frame
from afterbeep.telephony.engine import CallTimeline, MediaEngine, MediaSession
from afterbeep.telephony.frames import EndCall
from afterbeep.telephony.plivo import PlivoSerializer
from afterbeep.telephony.telnyx import TelnyxSerializer
from afterbeep.telephony.twilio import TwilioSerializer
from afterbeep.telephony.vonage import VonageSerializer

log = logging.getLogger(__name__)

SERIALIZERS: dict[str, Callable[[], Serializer]] = {
    "twilio": TwilioSerializer,
    "telnyx": TelnyxSerializer,
    "plivo": PlivoSerializer,
    "vonage": VonageSerializer,
}
WEBSOCKET_CARRIERS = tuple(SERIALIZERS)
# Policy violation: the close code for a stream we end because of what it sent.
CLOSE_PROTOCOL = 1008


def serializer_for(carrier: str) -> Serializer:
    if carrier not in SERIALIZERS:
        raise ConfigError(
            f"unknown carrier {carrier!r}; websocket carriers: {', '.join(WEBSOCKET_CARRIERS)}"
        )
    return SERIALIZERS[carrier]()


async def _drain(session: MediaSession, serializer: Serializer, send: Any) -> None:
    """Send the session's outbox until its ``EndCall``."""
    while True:
        frame = await session.outbox.get()
        try:
            for message in serializer.encode(frame):
                await send(message)
        except (WebSocketDisconnect, ConnectionError, OSError):
            return  # the far end is gone; the read loop reports why
        if isinstance(frame, EndCall):
            return


async def serve_websocket(
    websocket: WebSocket, engine: MediaEngine, carrier: str
) -> CallTimeline | None:
    """Run one carrier media stream on an accepted-or-not Starlette websocket."""
    serializer = serializer_for(carrier)
    if websocket.client_state == WebSocketState.CONNECTING:
        await websocket.accept()
    session = engine.session(carrier, marks=serializer.marks)

    async def send(message: str | bytes) -> None:
        if isinstance(message, bytes):
            await websocket.send_bytes(message)
        else:
            await websocket.send_text(message)

    close: dict[str, Any] = {"code": 1000, "reason": "done"}

    async def read() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                if not session.ended:
                    log.info(
                        "%s stream closed by the far end (code %s)", carrier, message.get("code")
                    )
                session.stream_lost("socket closed by the far end")
                return
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            try:
                frames = serializer.decode(data)
            except ProtocolError as error:
                log.warning("closing %s stream: %s", carrier, error)
                session.stream_lost(f"protocol error: {error}")
                close.update(code=CLOSE_PROTOCOL, reason=str(error)[:120])
                return
            for frame in frames:
                session.handle(frame)

    # Two tasks for the life of the stream (not one per message): reading ends on hang-up or
    # a bad message; writing ends after the session's EndCall, which ends the reading too.
    writer = asyncio.create_task(_drain(session, serializer, send))
    reader = asyncio.create_task(read())
    try:
        await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        if reader.done() and reader.exception() is not None:
            raise reader.exception()  # type: ignore[misc]
    except WebSocketDisconnect:
        session.stream_lost("socket closed by the far end")
    except Exception as error:  # one stream's bug must not reach the others
        log.exception("closing %s stream after an unexpected error", carrier)
        session.stream_lost(f"protocol error: {error}")
        close.update(code=1011, reason="internal error")
    finally:
        if not writer.done() and session.ended:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(writer), timeout=1.0)
        for task in (reader, writer):
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if websocket.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close(code=int(close["code"]), reason=str(close["reason"]))
    return session.timeline


async def handle_audiosocket(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, engine: MediaEngine
) -> CallTimeline | None:
    """Run one AudioSocket TCP connection."""
    serializer = AudioSocketSerializer()
    session = engine.session(serializer.carrier, marks=False)

    async def send(message: str | bytes) -> None:
        assert isinstance(message, bytes)
        writer.write(message)
        await writer.drain()

    async def read() -> None:
        while True:
            try:
                frames = serializer.decode(await read_frame(reader))
            except asyncio.IncompleteReadError as error:
                reason = "socket cut mid-frame" if error.partial else "socket closed"
                if error.partial:
                    log.warning("closing asterisk stream: %s", reason)
                session.stream_lost(reason)
                return
            except ProtocolError as error:
                log.warning("closing asterisk stream: %s", error)
                session.stream_lost(f"protocol error: {error}")
                return
            for frame in frames:
                session.handle(frame)

    # As for websockets: one reader and one writer task for the life of the connection.
    out = asyncio.create_task(_drain(session, serializer, send))
    reading = asyncio.create_task(read())
    try:
        await asyncio.wait({reading, out}, return_when=asyncio.FIRST_COMPLETED)
        if reading.done() and reading.exception() is not None:
            raise reading.exception()  # type: ignore[misc]
    except (ConnectionError, OSError) as error:
        session.stream_lost(f"socket error: {error}")
    except Exception as error:
        log.exception("closing asterisk stream after an unexpected error")
        session.stream_lost(f"protocol error: {error}")
    finally:
        if not out.done() and session.ended:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(out), timeout=1.0)
        for task in (reading, out):
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    return session.timeline


async def start_audiosocket_server(
    engine: MediaEngine, *, host: str = "127.0.0.1", port: int = 0
) -> asyncio.Server:
    """Listen for Asterisk AudioSocket connections (``port=0``: any free port)."""

    async def _client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await handle_audiosocket(reader, writer, engine)

    return await asyncio.start_server(_client, host, port)


__all__ = [
    "SERIALIZERS",
    "WEBSOCKET_CARRIERS",
    "handle_audiosocket",
    "serializer_for",
    "serve_websocket",
    "start_audiosocket_server",
]

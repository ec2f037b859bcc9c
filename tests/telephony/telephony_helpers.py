"""Helpers shared by the telephony tests: a real afterbeep app served by uvicorn on a loopback
port (in a thread, with its own event loop), and a minimal Twilio far end that streams a call.

A plain module with a unique name (not conftest), so test modules can import it directly.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import websockets

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


def start_server(app: Any) -> tuple[Any, threading.Thread, int]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
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
    url: str, call_sid: str, samples: Any, *, cut_after_media: int | None = None
) -> tuple[int, list[str]]:
    """Play ``samples`` as Twilio would (no pacing needed for the oracle); returns the media
    frames and marks received, stopping early after ``cut_after_media`` media frames."""
    stream_sid = "MZ" + call_sid[2:]
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
            await ws.send(
                twilio_media_message(
                    frame, stream_sid=stream_sid, sequence=i + 2, chunk=i + 1, timestamp_ms=i * 20
                )
            )
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

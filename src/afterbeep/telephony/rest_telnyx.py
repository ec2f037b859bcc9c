"""Telnyx Call Control outside the media stream: outbound calls and signed webhooks.

``TelnyxCalls`` dials through Call Control v2 (``POST /calls`` with ``stream_url`` to our
``/media/telnyx`` websocket, inbound track, bidirectional RTP in PCMU, and the stream's
parameters as ``client_state``, which ``telnyx.TelnyxSerializer`` reads back), and ends or
transfers a call (``/calls/{call_control_id}/actions/hangup|transfer``). HTTP failures and
Telnyx's refusals become ``CarrierError`` with Telnyx's own words. ``verify_telnyx_signature``
checks the Ed25519 signature Telnyx puts on every webhook (``telnyx-signature-ed25519`` over
``"{telnyx-timestamp}|{raw body}"``, with the account's public key) and refuses stale
timestamps. Credentials come from ``TelephonySettings``, never from code.
Must not touch media (see ``engine`` and the serializers).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from afterbeep._optional import require
from afterbeep.errors import CarrierError, ConfigError
from afterbeep.telephony._http import call_api, media_url, public_base
from afterbeep.telephony.config import TelephonySettings

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"
# Telnyx's advice: refuse a webhook signed more than five minutes ago (a replay).
SIGNATURE_TOLERANCE_S = 300


def client_state(parameters: Mapping[str, str]) -> str:
    """The stream's parameters as Telnyx carries them: base64 of a JSON object."""
    return base64.b64encode(json.dumps(dict(parameters)).encode("utf-8")).decode("ascii")


def verify_telnyx_signature(
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    public_key: str,
    now: float | None = None,
    tolerance_s: int = SIGNATURE_TOLERANCE_S,
) -> bool:
    """True only for ``body`` exactly as Telnyx signed it at ``timestamp`` (Unix seconds,
    within ``tolerance_s`` of ``now``) with the key whose base64 public half is
    ``public_key``. Absent, malformed or stale headers are never valid."""
    if not signature or not timestamp:
        return False
    try:
        signed_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - signed_at) > tolerance_s:
        return False
    ed25519 = require("cryptography.hazmat.primitives.asymmetric.ed25519", extra="carriers")
    exceptions = require("cryptography.exceptions", extra="carriers")
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        raw_signature = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        key.verify(raw_signature, timestamp.encode("ascii") + b"|" + body)
    except exceptions.InvalidSignature:
        return False
    return True


def _telnyx_said(data: dict[str, Any]) -> str:
    """Telnyx's error body: ``{"errors": [{"code", "title", "detail"}, ...]}``."""
    errors = data.get("errors")
    listed = errors if isinstance(errors, list) else []
    return "; ".join(
        " - ".join(str(e[k]) for k in ("code", "title", "detail") if e.get(k))
        for e in listed
        if isinstance(e, dict)
    )


class TelnyxCalls:
    """Outbound calls through Telnyx's Call Control API.

    ``transport`` is httpx's pluggable transport (the network by default); the API address
    is the setting ``telnyx_api_url``, so tests point it at a server on loopback.
    """

    def __init__(
        self,
        settings: TelephonySettings,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.base = public_base(
            settings,
            carrier="Telnyx",
            configured=settings.telnyx_configured,
            needs=("AFTERBEEP_TELNYX_API_KEY", "AFTERBEEP_TELNYX_CONNECTION_ID"),
        )
        assert settings.telnyx_api_key is not None
        self.settings = settings
        self.http = httpx.Client(
            base_url=settings.telnyx_api_url.rstrip("/"),
            headers={
                "Authorization": "Bearer " + settings.telnyx_api_key.get_secret_value(),
                "Accept": "application/json",
            },
            transport=transport,
            timeout=timeout_s,
        )

    def close(self) -> None:
        self.http.close()

    def _post(self, path: str, body: dict[str, Any], doing: str) -> dict[str, Any]:
        return call_api(
            self.http, "POST", path, body, doing=doing, carrier="telnyx", explain=_telnyx_said
        )

    def start_call(
        self, to: str, *, from_: str | None = None, parameters: Mapping[str, str] | None = None
    ) -> str:
        """Dial ``to``; when answered, the call streams to afterbeep. Returns its
        ``call_control_id``."""
        from_number = from_ or self.settings.telnyx_from_number
        if not from_number:
            raise ConfigError("no caller number: pass one or set AFTERBEEP_TELNYX_FROM_NUMBER")
        body = {
            "connection_id": self.settings.telnyx_connection_id,
            "to": to,
            "from": from_number,
            "stream_url": media_url(self.base, "telnyx"),
            "stream_track": "inbound_track",
            "stream_bidirectional_mode": "rtp",
            "stream_bidirectional_codec": "PCMU",
            "client_state": client_state(parameters or {}),
            "webhook_url": self.base + "/telnyx/webhook",
        }
        data = self._post("/calls", body, "start the call")
        call = data.get("data") if isinstance(data.get("data"), dict) else {}
        call_id = call.get("call_control_id") if call else None
        if not call_id:
            raise CarrierError(
                "Telnyx accepted the call but sent no call_control_id", carrier="telnyx"
            )
        return str(call_id)

    def transfer(self, call_control_id: str, to: str) -> None:
        """Hand the call to ``to`` (the rep's phone)."""
        self._post(
            f"/calls/{call_control_id}/actions/transfer",
            {"to": to},
            f"transfer call {call_control_id}",
        )

    def hang_up(self, call_control_id: str) -> None:
        self._post(f"/calls/{call_control_id}/actions/hangup", {}, f"end call {call_control_id}")


__all__ = [
    "SIGNATURE_HEADER",
    "SIGNATURE_TOLERANCE_S",
    "TIMESTAMP_HEADER",
    "TelnyxCalls",
    "client_state",
    "verify_telnyx_signature",
]

"""Telnyx Call Control outside the media stream: outbound calls and signed webhooks.

``TelnyxCalls`` dials through Call Control v2 (``POST /calls`` with ``stream_url`` to our
``/media/telnyx`` websocket, inbound track, bidirectional RTP in PCMU, and the stream's
parameters as ``client_state``, which ``telnyx.TelnyxSerializer`` reads back), and ends or
transfers a call (``/calls/{call_control_id}/actions/hangup|transfer``). HTTP failures and
Telnyx's refusals become ``CarrierError`` with Telnyx's own words. ``verify_telnyx_signature``
checks the Ed25519 signature Telnyx puts on every webhook (``telnyx-signature-ed25519`` over
``"{telnyx-timestamp}|{raw body}"``, with the account's public key) and refuses stale
timestamps. Credentials come from ``TelephonySettings``, never from code.

Taking a call back from the rep (the rep's drop, a watched answer that was a recording) needs
the rep's leg: Telnyx's transfer bridges a new leg (B) to the prospect's (A), and A hangs up
with B unless told to park. Where webhooks can be verified (``telnyx_public_key``), a person
is transferred with ``park_after_unbridge: self`` and B is marked (``target_leg_client_state``)
so its webhooks name it (``on_webhook``); B's hang-up ends A too unless A is being taken
back, when A is streamed to afterbeep again (``streaming_start``). Without the key none of
this is done, and taking a call back is refused with a ``CarrierError`` that says why.
Must not touch media (see ``engine`` and the serializers).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from afterbeep._optional import require
from afterbeep.errors import CarrierError, ConfigError
from afterbeep.telephony._http import call_api, media_url, public_base
from afterbeep.telephony.config import TelephonySettings
from afterbeep.telephony.legs import MemoryRepLegs, RepLegs
from afterbeep.telephony.telnyx import decode_client_state

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"
# Telnyx's advice: refuse a webhook signed more than five minutes ago (a replay).
SIGNATURE_TOLERANCE_S = 300


# The client state that marks the rep's leg of a transfer: the prospect's call_control_id.
REP_LEG_OF = "afterbeep.rep_leg_of"


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
    is the setting ``telnyx_api_url``, so tests point it at a server on loopback. ``legs``
    keeps the rep's legs learnt from webhooks: this process's memory by default, a
    ``StoreRepLegs`` where several processes share the webhooks (see ``legs``).
    """

    def __init__(
        self,
        settings: TelephonySettings,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 10.0,
        legs: RepLegs | None = None,
    ) -> None:
        self.base = public_base(
            settings,
            carrier="Telnyx",
            configured=settings.telnyx_configured,
            needs=("AFTERBEEP_TELNYX_API_KEY", "AFTERBEEP_TELNYX_CONNECTION_ID"),
        )
        assert settings.telnyx_api_key is not None
        self.settings = settings
        # Calls can be taken back from the rep only where the rep's leg is learnt from
        # verified webhooks (see the module docstring).
        self.can_take_back = bool(settings.telnyx_public_key)
        self._legs: RepLegs = legs if legs is not None else MemoryRepLegs()
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
        """Hand the call to ``to`` (the rep's phone); where it can be taken back, the call
        parks when the rep's leg ends, and that leg's webhooks name the call."""
        body: dict[str, Any] = {"to": to}
        if self.can_take_back:
            body["park_after_unbridge"] = "self"
            body["target_leg_client_state"] = client_state({REP_LEG_OF: call_control_id})
        self._post(
            f"/calls/{call_control_id}/actions/transfer", body, f"transfer call {call_control_id}"
        )

    def transfer_watched(
        self, call_control_id: str, to: str, parameters: Mapping[str, str]
    ) -> None:
        """Hand the call to ``to`` and stream a copy of the prospect's audio to afterbeep
        with ``parameters`` (never played into), to be stopped with ``stop_stream``."""
        self.transfer(call_control_id, to)
        self._start_stream(call_control_id, parameters, bidirectional=False, doing="copy")

    def stop_stream(self, call_control_id: str, stream_id: str) -> None:
        """End one stream of the call (the copy), leaving the call as it is."""
        self._post(
            f"/calls/{call_control_id}/actions/streaming_stop",
            {"stream_id": stream_id},
            f"stop stream {stream_id} of call {call_control_id}",
        )

    def stream_again(self, call_control_id: str, parameters: Mapping[str, str]) -> None:
        """Bring a call handed to the rep back to afterbeep's media stream (the rep's drop):
        the rep's leg is hung up, the prospect's parks, and it streams with ``parameters``."""
        if not self.can_take_back:
            raise CarrierError(
                f"telnyx: call {call_control_id} cannot be taken back from the rep: set "
                "AFTERBEEP_TELNYX_PUBLIC_KEY so afterbeep can follow the rep's leg through "
                "Telnyx's webhooks (calls handed over before it was set cannot be taken back)",
                carrier="telnyx",
            )
        rep_leg = self._legs.rep_leg(call_control_id)
        if rep_leg is None:
            raise CarrierError(
                f"telnyx: no webhook has named the rep's leg of call {call_control_id} yet "
                "(is /telnyx/webhook reachable from Telnyx?)",
                carrier="telnyx",
            )
        self._legs.take_back(call_control_id)
        self.hang_up(rep_leg)
        self._start_stream(call_control_id, parameters, bidirectional=True, doing="take back")

    def _start_stream(
        self,
        call_control_id: str,
        parameters: Mapping[str, str],
        *,
        bidirectional: bool,
        doing: str,
    ) -> None:
        body: dict[str, Any] = {
            "stream_url": media_url(self.base, "telnyx"),
            "stream_track": "inbound_track",
            "client_state": client_state(parameters),
        }
        if bidirectional:
            # Played to the prospect's leg only.
            body["stream_bidirectional_mode"] = "rtp"
            body["stream_bidirectional_codec"] = "PCMU"
            body["stream_bidirectional_target_legs"] = "self"
        self._post(
            f"/calls/{call_control_id}/actions/streaming_start",
            body,
            f"{doing} call {call_control_id}",
        )

    def hang_up(self, call_control_id: str) -> None:
        self._post(f"/calls/{call_control_id}/actions/hangup", {}, f"end call {call_control_id}")

    def on_webhook(self, event_type: str, payload: Mapping[str, Any]) -> None:
        """Follow the rep's legs (a verified webhook's ``data.event_type`` and
        ``data.payload``): a leg whose client state marks it the rep's is noted; when it
        hangs up, the prospect's call (parked, see ``transfer``) is hung up too, unless it
        is being taken back; a prospect's hang-up forgets its legs."""
        call_id = payload.get("call_control_id")
        if not isinstance(call_id, str) or not call_id:
            return
        prospect = (decode_client_state(payload.get("client_state")) or {}).get(REP_LEG_OF)
        is_rep_leg = isinstance(prospect, str) and bool(prospect)
        if event_type != "call.hangup":
            if is_rep_leg:
                self._legs.saw(str(prospect), call_id)
            return
        if not is_rep_leg:
            self._legs.ended(call_id)
            return
        if self._legs.rep_hung_up(str(prospect)):
            # The rep's conversation is over: the prospect must not wait on a parked line.
            try:
                self.hang_up(str(prospect))
            except CarrierError as error:
                log.warning("telnyx: the prospect's call %s after the rep's: %s", prospect, error)


__all__ = [
    "REP_LEG_OF",
    "SIGNATURE_HEADER",
    "SIGNATURE_TOLERANCE_S",
    "TIMESTAMP_HEADER",
    "TelnyxCalls",
    "client_state",
    "verify_telnyx_signature",
]

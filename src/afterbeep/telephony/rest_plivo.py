"""Plivo outside the media stream: outbound calls, the XML that streams them, signed webhooks.

``PlivoCalls`` dials through Plivo's Voice API (``POST /Account/{auth_id}/Call/`` with an
``answer_url`` on afterbeep), ends a call (``DELETE .../Call/{call_uuid}/``) and hands one to
the rep (a transfer of the A leg to ``/plivo/dial``). The answer URL carries the stream's
parameters in its query; ``stream_xml`` turns them into ``<Stream bidirectional="true">``
with ``extraHeaders``, which ``plivo.PlivoSerializer`` reads back from the ``start`` event.
``verify_plivo_signature`` checks ``X-Plivo-Signature-V3`` with Plivo's SDK. XML comes from
the SDK's ``plivo.xml`` (the ``[carriers]`` extra, imported lazily); REST is plain HTTP, so
the API's address is a setting (tests point it at a server on loopback). HTTP failures and
Plivo's refusals become ``CarrierError``. Credentials come from ``TelephonySettings``.
Must not touch media (see ``engine`` and the serializers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import httpx

from afterbeep._optional import require
from afterbeep.errors import CarrierError, ConfigError
from afterbeep.telephony._http import call_api, public_base
from afterbeep.telephony.config import TelephonySettings

SIGNATURE_HEADER = "X-Plivo-Signature-V3"
NONCE_HEADER = "X-Plivo-Signature-V3-Nonce"
# extraHeaders is "k=v,k=v": values may not hold either separator.
_FORBIDDEN = (",", "=")


def stream_xml(stream_url: str, parameters: Mapping[str, str] | None = None) -> str:
    """Plivo XML that streams the answered call to afterbeep, both ways, mu-law 8 kHz."""
    if not stream_url.startswith(("wss://", "ws://")):
        raise ConfigError(f"a media stream URL starts with wss://, got {stream_url!r}")
    for name, value in (parameters or {}).items():
        if any(mark in name + value for mark in _FORBIDDEN):
            raise ConfigError(
                f"stream parameter {name!r}={value!r}: Plivo's extraHeaders cannot carry ',' or '='"
            )
    xml = require("plivo.xml", extra="carriers")
    response = xml.ResponseElement()
    headers = ",".join(f"{k}={v}" for k, v in (parameters or {}).items())
    response.add(
        xml.StreamElement(
            stream_url,
            bidirectional=True,
            keepCallAlive=True,
            contentType="audio/x-mulaw;rate=8000",
            extraHeaders=headers or None,
        )
    )
    return str(response.to_string())


def dial_xml(rep_number: str) -> str:
    """Plivo XML that hands the call to the rep's phone."""
    xml = require("plivo.xml", extra="carriers")
    response = xml.ResponseElement()
    dial = xml.DialElement()
    dial.add(xml.NumberElement(rep_number))
    response.add(dial)
    return str(response.to_string())


def verify_plivo_signature(
    url: str,
    params: Mapping[str, str],
    signature: str | None,
    nonce: str | None,
    *,
    auth_token: str,
    method: str = "POST",
) -> bool:
    """True only for a request Plivo signed (V3) with ``auth_token`` for exactly this URL
    (query included), these form parameters and this nonce; absent headers never are."""
    if not signature or not nonce:
        return False
    utils = require("plivo.utils", extra="carriers")
    try:
        return bool(
            utils.validate_v3_signature(method, url, nonce, auth_token, signature, dict(params))
        )
    except Exception:  # the SDK's argument checks reject malformed input by raising
        return False


class PlivoCalls:
    """Outbound calls through Plivo's Voice API (HTTP basic auth with the account's id and
    token; ``transport`` is httpx's, the network by default)."""

    def __init__(
        self,
        settings: TelephonySettings,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.base = public_base(
            settings,
            carrier="Plivo",
            configured=settings.plivo_configured,
            needs=("AFTERBEEP_PLIVO_AUTH_ID", "AFTERBEEP_PLIVO_AUTH_TOKEN"),
        )
        assert settings.plivo_auth_id is not None
        assert settings.plivo_auth_token is not None
        self.settings = settings
        self.auth_id = settings.plivo_auth_id
        self.http = httpx.Client(
            base_url=f"{settings.plivo_api_url.rstrip('/')}/Account/{self.auth_id}",
            auth=(self.auth_id, settings.plivo_auth_token.get_secret_value()),
            headers={"Accept": "application/json"},
            transport=transport,
            timeout=timeout_s,
        )

    def close(self) -> None:
        self.http.close()

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, doing: str
    ) -> dict[str, Any]:
        return call_api(
            self.http,
            method,
            path,
            body,
            doing=doing,
            carrier="plivo",
            explain=lambda data: str(data.get("error") or ""),
        )

    def start_call(
        self, to: str, *, from_: str | None = None, parameters: Mapping[str, str] | None = None
    ) -> str:
        """Dial ``to``; when answered, Plivo asks ``/plivo/answer`` (with ``parameters`` in
        its query), which streams the call to afterbeep. Returns Plivo's request UUID."""
        from_number = from_ or self.settings.plivo_from_number
        if not from_number:
            raise ConfigError("no caller number: pass one or set AFTERBEEP_PLIVO_FROM_NUMBER")
        query = urlencode(dict(parameters or {}))
        body = {
            "from": from_number.lstrip("+"),
            "to": to.lstrip("+"),
            "answer_url": self.base + "/plivo/answer" + (f"?{query}" if query else ""),
            "answer_method": "POST",
            "hangup_url": self.base + "/plivo/status",
            "hangup_method": "POST",
        }
        data = self._request("POST", "/Call/", body, "start the call")
        request_uuid = data.get("request_uuid")
        if isinstance(request_uuid, list):  # Plivo lists one per number dialled
            request_uuid = request_uuid[0] if request_uuid else None
        if not request_uuid:
            raise CarrierError("Plivo accepted the call but sent no request_uuid", carrier="plivo")
        return str(request_uuid)

    def transfer(self, call_uuid: str, to: str) -> None:
        """Hand the call to ``to`` (the rep's phone): its A leg fetches ``dial_xml``."""
        body = {
            "legs": "aleg",
            "aleg_url": self.base + "/plivo/dial?" + urlencode({"to": to}),
            "aleg_method": "POST",
        }
        self._request("POST", f"/Call/{call_uuid}/", body, f"transfer call {call_uuid}")

    def stream_again(self, call_uuid: str, parameters: Mapping[str, str]) -> None:
        """Bring a call back to afterbeep's media stream (the rep's drop): its A leg fetches
        ``/plivo/answer`` again, with ``parameters`` in the query, which ends the rep's leg."""
        body = {
            "legs": "aleg",
            "aleg_url": self.base + "/plivo/answer?" + urlencode(dict(parameters)),
            "aleg_method": "POST",
        }
        self._request("POST", f"/Call/{call_uuid}/", body, f"take back call {call_uuid}")

    def hang_up(self, call_uuid: str) -> None:
        self._request("DELETE", f"/Call/{call_uuid}/", None, f"end call {call_uuid}")


__all__ = [
    "NONCE_HEADER",
    "SIGNATURE_HEADER",
    "PlivoCalls",
    "dial_xml",
    "stream_xml",
    "verify_plivo_signature",
]

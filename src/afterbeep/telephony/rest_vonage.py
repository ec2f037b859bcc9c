"""Vonage Voice API outside the media stream: outbound calls and signed webhooks.

``VonageCalls`` creates a call (``POST /calls``) whose answer URL (``/vonage/answer``, the
stream's parameters in its query) returns ``ncco_connect_stream``: a connect to our
``/media/vonage`` websocket (linear PCM, 8 kHz) with the call's UUID and the parameters as
the endpoint's ``headers`` (they come back in ``websocket:connected``, which
``vonage.VonageSerializer`` reads); it ends or transfers a call (``PUT /calls/{uuid}``).
Requests carry the application's JWT (RS256 with its private key, short-lived).
``verify_vonage_signature`` checks the JWT Vonage puts on signed webhooks: HS256 with the
account's signature secret, fresh, and whose ``payload_hash`` is the SHA-256 of the body
(a request without a body, the answer URL's GET, may come without one).
JWTs come from PyJWT (the ``[carriers]`` extra, imported lazily); HTTP failures and
Vonage's refusals become ``CarrierError``. Credentials come from ``TelephonySettings``.
Must not touch media (see ``engine`` and the serializers).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from afterbeep._optional import require
from afterbeep.errors import CarrierError, ConfigError
from afterbeep.telephony._http import call_api, media_url, public_base
from afterbeep.telephony.config import TelephonySettings

# A signed webhook older than this is refused (a replay); Vonage signs as it sends.
SIGNATURE_TOLERANCE_S = 300
TOKEN_LIFETIME_S = 300


def ncco_connect_stream(stream_url: str, parameters: Mapping[str, str] | None = None) -> list:
    """The NCCO that connects the answered call to afterbeep's websocket, both ways."""
    if not stream_url.startswith(("wss://", "ws://")):
        raise ConfigError(f"a media stream URL starts with wss://, got {stream_url!r}")
    endpoint = {
        "type": "websocket",
        "uri": stream_url,
        "content-type": "audio/l16;rate=8000",
        "headers": dict(parameters or {}),
    }
    return [{"action": "connect", "endpoint": [endpoint]}]


def verify_vonage_signature(
    body: bytes,
    authorization: str | None,
    *,
    signature_secret: str,
    now: float | None = None,
    tolerance_s: int = SIGNATURE_TOLERANCE_S,
) -> bool:
    """True only for a ``Bearer`` JWT signed HS256 with ``signature_secret``, issued within
    ``tolerance_s`` of ``now``, whose ``payload_hash`` is the SHA-256 (hex) of ``body`` (a
    token without one passes only for an empty body)."""
    if not authorization or not authorization.startswith("Bearer "):
        return False
    jwt = require("jwt", extra="carriers")
    try:
        claims = jwt.decode(
            authorization.removeprefix("Bearer ").strip(),
            signature_secret,
            algorithms=["HS256"],
            options={"require": ["iat"], "verify_iat": False},
        )
    except jwt.PyJWTError:
        return False
    issued = claims.get("iat")
    if not isinstance(issued, int | float):
        return False
    if abs((time.time() if now is None else now) - issued) > tolerance_s:
        return False
    if "payload_hash" not in claims:
        return not body
    digest = hashlib.sha256(body).hexdigest()
    return hmac.compare_digest(str(claims["payload_hash"]), digest)


class VonageCalls:
    """Outbound calls through Vonage's Voice API (``transport`` is httpx's, the network by
    default; the API's address is the setting ``vonage_api_url``)."""

    def __init__(
        self,
        settings: TelephonySettings,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.base = public_base(
            settings,
            carrier="Vonage",
            configured=settings.vonage_configured,
            needs=("AFTERBEEP_VONAGE_APPLICATION_ID", "AFTERBEEP_VONAGE_PRIVATE_KEY_PATH"),
        )
        assert settings.vonage_private_key_path is not None
        path = Path(settings.vonage_private_key_path)
        try:
            self._private_key = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(
                f"vonage_private_key_path {str(path)!r}: cannot read it ({error.strerror})"
            ) from error
        if "PRIVATE KEY" not in self._private_key:
            raise ConfigError(
                f"vonage_private_key_path {str(path)!r}: expected the application's PEM "
                "private key (-----BEGIN PRIVATE KEY-----)"
            )
        self.settings = settings
        self.http = httpx.Client(
            base_url=settings.vonage_api_url.rstrip("/"),
            headers={"Accept": "application/json"},
            transport=transport,
            timeout=timeout_s,
        )

    def close(self) -> None:
        self.http.close()

    def _token(self) -> str:
        jwt = require("jwt", extra="carriers")
        now = int(time.time())
        claims = {
            "application_id": self.settings.vonage_application_id,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_S,
            "jti": str(uuid.uuid4()),
        }
        try:
            return str(jwt.encode(claims, self._private_key, algorithm="RS256"))
        except (ValueError, TypeError, jwt.PyJWTError) as error:
            raise ConfigError(f"vonage_private_key_path: cannot sign with it ({error})") from error

    def _request(self, method: str, path: str, body: dict[str, Any], doing: str) -> dict[str, Any]:
        return call_api(
            self.http,
            method,
            path,
            body,
            doing=doing,
            carrier="vonage",
            explain=lambda data: " - ".join(
                str(data[k]) for k in ("title", "detail") if data.get(k)
            ),
            headers={"Authorization": "Bearer " + self._token()},
        )

    def start_call(
        self, to: str, *, from_: str | None = None, parameters: Mapping[str, str] | None = None
    ) -> str:
        """Dial ``to``; when answered, the call streams to afterbeep. Returns its UUID."""
        from_number = from_ or self.settings.vonage_from_number
        if not from_number:
            raise ConfigError("no caller number: pass one or set AFTERBEEP_VONAGE_FROM_NUMBER")
        query = urlencode(dict(parameters or {}))
        body = {
            "to": [{"type": "phone", "number": to.lstrip("+")}],
            "from": {"type": "phone", "number": from_number.lstrip("+")},
            "answer_url": [self.base + "/vonage/answer" + (f"?{query}" if query else "")],
            "answer_method": "GET",
            "event_url": [self.base + "/vonage/event"],
            "event_method": "POST",
        }
        data = self._request("POST", "/calls", body, "start the call")
        call_uuid = data.get("uuid")
        if not call_uuid:
            raise CarrierError("Vonage accepted the call but sent no uuid", carrier="vonage")
        return str(call_uuid)

    def transfer(self, call_uuid: str, to: str) -> None:
        """Hand the call to ``to`` (the rep's phone) with an NCCO that connects it there."""
        ncco = [{"action": "connect", "endpoint": [{"type": "phone", "number": to.lstrip("+")}]}]
        body = {"action": "transfer", "destination": {"type": "ncco", "ncco": ncco}}
        self._request("PUT", f"/calls/{call_uuid}", body, f"transfer call {call_uuid}")

    def stream_again(self, call_uuid: str, parameters: Mapping[str, str]) -> None:
        """Bring a call back to afterbeep's websocket (the rep's drop): a transfer to the
        NCCO that connects it, with ``parameters`` and the call's UUID as headers."""
        headers = {**parameters, "call_uuid": call_uuid}
        ncco = ncco_connect_stream(media_url(self.base, "vonage"), headers)
        body = {"action": "transfer", "destination": {"type": "ncco", "ncco": ncco}}
        self._request("PUT", f"/calls/{call_uuid}", body, f"take back call {call_uuid}")

    def hang_up(self, call_uuid: str) -> None:
        self._request("PUT", f"/calls/{call_uuid}", {"action": "hangup"}, f"end call {call_uuid}")


__all__ = [
    "SIGNATURE_TOLERANCE_S",
    "VonageCalls",
    "ncco_connect_stream",
    "verify_vonage_signature",
]

"""What the carrier REST adapters share: their settings check, our addresses, JSON over HTTP.

``public_base`` checks that a carrier's credentials and afterbeep's public address are set
(``ConfigError`` naming the settings) and returns that address; ``media_url`` is the carrier's
media websocket on it. ``call_api`` sends one request and returns the JSON object answered;
a transport failure or a refusal becomes ``CarrierError`` naming the carrier, what was being
done, the HTTP status and the carrier's own words (``explain`` reads them from its error
body).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from afterbeep.errors import CarrierError, ConfigError
from afterbeep.telephony.config import TelephonySettings


def public_base(
    settings: TelephonySettings, *, carrier: str, configured: bool, needs: tuple[str, str]
) -> str:
    """afterbeep's public address, once ``carrier`` (as users name it) is ``configured``."""
    if not configured:
        raise ConfigError(
            f"{carrier} is not configured: set {needs[0]} and {needs[1]} "
            "(or [telephony] in afterbeep.toml)"
        )
    if not settings.public_url:
        raise ConfigError(
            f"set AFTERBEEP_PUBLIC_URL to the https address {carrier} reaches afterbeep at"
        )
    return settings.public_url.rstrip("/")


def media_url(base: str, carrier: str) -> str:
    """The carrier's media websocket at afterbeep's public address ``base``."""
    return base.replace("https://", "wss://").replace("http://", "ws://") + f"/media/{carrier}"


def call_api(
    http: httpx.Client,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    *,
    doing: str,
    carrier: str,
    explain: Callable[[dict[str, Any]], str],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    try:
        response = http.request(method, path, json=body, headers=headers)
    except httpx.HTTPError as error:
        raise CarrierError(f"could not {doing}: {error}", carrier=carrier) from error
    try:
        data = response.json() if response.content else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if response.is_success:
        return data
    said = explain(data)
    raise CarrierError(
        f"could not {doing}: HTTP {response.status_code}" + (f" ({said})" if said else ""),
        carrier=carrier,
    )


__all__ = ["call_api", "media_url", "public_base"]

"""Telephony settings: the media engine's settings and carrier credentials.

Read from the ``[telephony]`` table of afterbeep.toml, then environment variables on top
(``AFTERBEEP_TWILIO_ACCOUNT_SID``, ``AFTERBEEP_TWILIO_AUTH_TOKEN``,
``AFTERBEEP_TWILIO_FROM_NUMBER``, ``AFTERBEEP_TELNYX_API_KEY``,
``AFTERBEEP_TELNYX_CONNECTION_ID``, ``AFTERBEEP_TELNYX_FROM_NUMBER``,
``AFTERBEEP_TELNYX_PUBLIC_KEY``, ``AFTERBEEP_TELNYX_API_URL``, ``AFTERBEEP_PLIVO_AUTH_ID``,
``AFTERBEEP_PLIVO_AUTH_TOKEN``, ``AFTERBEEP_PLIVO_FROM_NUMBER``, ``AFTERBEEP_PLIVO_API_URL``,
``AFTERBEEP_VONAGE_APPLICATION_ID``, ``AFTERBEEP_VONAGE_PRIVATE_KEY_PATH``,
``AFTERBEEP_VONAGE_SIGNATURE_SECRET``, ``AFTERBEEP_VONAGE_FROM_NUMBER``,
``AFTERBEEP_VONAGE_API_URL``, ``AFTERBEEP_AUDIOSOCKET_PORT``, ``AFTERBEEP_AUDIOSOCKET_HOST``,
``AFTERBEEP_PUBLIC_URL``,
``AFTERBEEP_TELEPHONY_DETECTOR``, ``AFTERBEEP_TELEPHONY_ASR``,
``AFTERBEEP_TELEPHONY_BEEPLESS_UNREAD``, ``AFTERBEEP_TELEPHONY_ON_HOLD_LINE``,
``AFTERBEEP_TELEPHONY_ON_MENU``).
Credentials never live in code. Bad values raise ``ConfigError`` naming the setting.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from afterbeep.errors import ConfigError
from afterbeep.telephony.engine import EngineSettings

_ENV = {
    "twilio_account_sid": "AFTERBEEP_TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "AFTERBEEP_TWILIO_AUTH_TOKEN",
    "twilio_from_number": "AFTERBEEP_TWILIO_FROM_NUMBER",
    "telnyx_api_key": "AFTERBEEP_TELNYX_API_KEY",
    "telnyx_connection_id": "AFTERBEEP_TELNYX_CONNECTION_ID",
    "telnyx_from_number": "AFTERBEEP_TELNYX_FROM_NUMBER",
    "telnyx_public_key": "AFTERBEEP_TELNYX_PUBLIC_KEY",
    "telnyx_api_url": "AFTERBEEP_TELNYX_API_URL",
    "plivo_auth_id": "AFTERBEEP_PLIVO_AUTH_ID",
    "plivo_auth_token": "AFTERBEEP_PLIVO_AUTH_TOKEN",
    "plivo_from_number": "AFTERBEEP_PLIVO_FROM_NUMBER",
    "plivo_api_url": "AFTERBEEP_PLIVO_API_URL",
    "vonage_application_id": "AFTERBEEP_VONAGE_APPLICATION_ID",
    "vonage_private_key_path": "AFTERBEEP_VONAGE_PRIVATE_KEY_PATH",
    "vonage_signature_secret": "AFTERBEEP_VONAGE_SIGNATURE_SECRET",
    "vonage_from_number": "AFTERBEEP_VONAGE_FROM_NUMBER",
    "vonage_api_url": "AFTERBEEP_VONAGE_API_URL",
    "audiosocket_port": "AFTERBEEP_AUDIOSOCKET_PORT",
    "audiosocket_host": "AFTERBEEP_AUDIOSOCKET_HOST",
    "public_url": "AFTERBEEP_PUBLIC_URL",
    "control_token": "AFTERBEEP_CONTROL_TOKEN",
}
_ENGINE_ENV = {
    "detector": "AFTERBEEP_TELEPHONY_DETECTOR",
    "asr": "AFTERBEEP_TELEPHONY_ASR",
    "beepless_unread": "AFTERBEEP_TELEPHONY_BEEPLESS_UNREAD",
    "on_hold_line": "AFTERBEEP_TELEPHONY_ON_HOLD_LINE",
    "on_menu": "AFTERBEEP_TELEPHONY_ON_MENU",
}


class TelephonySettings(BaseModel):
    """``engine``: the media engine; ``public_url``: the https address carriers reach this
    service at (stream URLs and webhook signatures are built from it); Twilio, Telnyx, Plivo
    and Vonage credentials (``telnyx_public_key``: the account's base64 Ed25519 key that
    webhooks are checked with; ``vonage_private_key_path``: the Vonage application's PEM key;
    ``vonage_signature_secret``: what signed Vonage webhooks are checked with; ``*_api_url``:
    the carriers' API addresses); ``audiosocket_port``: where the web app also listens for
    Asterisk AudioSocket calls (off when unset), on ``audiosocket_host``; ``control_token``:
    the bearer token the call controls (``POST /calls/drop``, ``POST /calls/timelines``)
    require; unset, only clients on this machine (loopback) may use them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: EngineSettings = EngineSettings()
    public_url: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    telnyx_api_key: SecretStr | None = None
    telnyx_connection_id: str | None = None
    telnyx_from_number: str | None = None
    telnyx_public_key: str | None = None
    telnyx_api_url: str = "https://api.telnyx.com/v2"
    plivo_auth_id: str | None = None
    plivo_auth_token: SecretStr | None = None
    plivo_from_number: str | None = None
    plivo_api_url: str = "https://api.plivo.com/v1"
    vonage_application_id: str | None = None
    vonage_private_key_path: str | None = None
    vonage_signature_secret: SecretStr | None = None
    vonage_from_number: str | None = None
    vonage_api_url: str = "https://api.nexmo.com/v1"
    audiosocket_port: int | None = Field(None, ge=0, le=65535)
    audiosocket_host: str = "127.0.0.1"
    control_token: SecretStr | None = Field(None, min_length=16)

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def telnyx_configured(self) -> bool:
        return bool(self.telnyx_api_key and self.telnyx_connection_id)

    @property
    def plivo_configured(self) -> bool:
        return bool(self.plivo_auth_id and self.plivo_auth_token)

    @property
    def vonage_configured(self) -> bool:
        return bool(self.vonage_application_id and self.vonage_private_key_path)


def load_telephony_settings(
    table: dict[str, Any] | None = None, *, environ: dict[str, str] | None = None
) -> TelephonySettings:
    """Settings from ``table`` (default: ``[telephony]`` of afterbeep.toml) and the
    environment."""
    if table is None:
        from afterbeep.settings import read_config_file

        table = dict(read_config_file().get("telephony", {}))
    env = os.environ if environ is None else environ
    values = {k: v for k, v in table.items() if k != "engine"}
    engine = dict(table.get("engine", {}))
    for key, name in _ENV.items():
        if env.get(name):
            values[key] = env[name]
    for key, name in _ENGINE_ENV.items():
        if env.get(name):
            engine[key] = env[name]
    try:
        return TelephonySettings(engine=EngineSettings(**engine), **values)
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(str(part) for part in first["loc"]) or "telephony"
        raise ConfigError(f"telephony setting {name!r}: {first['msg']}") from error


__all__ = ["TelephonySettings", "load_telephony_settings"]

"""Carrier REST adapters: start an outbound call whose answer opens a media stream to
afterbeep, end or redirect it, and verify the carrier's signed webhooks.

Twilio through its SDK (the ``[carriers]`` extra, imported lazily): TwiML
``<Connect><Stream url=...>`` with our parameters, ``calls.create`` / ``calls(sid).update``,
and ``RequestValidator`` for ``X-Twilio-Signature``; a person goes to the rep with a one-way
copy of their audio (``<Start><Stream>``) that afterbeep watches for a recording after all. SDK and HTTP failures become
``CarrierError``. Credentials come from ``TelephonySettings``, never from code. Telnyx's,
Plivo's and Vonage's adapters are ``rest_telnyx``, ``rest_plivo`` and ``rest_vonage``; ``CarrierCallControls`` sends each call to its own carrier's.
Must not touch media (see ``engine`` and the serializers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from afterbeep._optional import require
from afterbeep.errors import CarrierError, ConfigError
from afterbeep.telephony._http import media_url, public_base
from afterbeep.telephony.config import TelephonySettings


def connect_stream_twiml(stream_url: str, parameters: Mapping[str, str] | None = None) -> str:
    """TwiML that connects the answered call to afterbeep's media stream (bidirectional)."""
    if not stream_url.startswith(("wss://", "ws://")):
        raise ConfigError(f"a media stream URL starts with wss://, got {stream_url!r}")
    twiml = require("twilio.twiml.voice_response", extra="carriers")
    response = twiml.VoiceResponse()
    connect = twiml.Connect()
    stream = twiml.Stream(url=stream_url)
    for name, value in (parameters or {}).items():
        stream.parameter(name=name, value=value)
    connect.append(stream)
    response.append(connect)
    return str(response)


def dial_rep_twiml(rep_number: str) -> str:
    """TwiML that hands the call to the rep's phone."""
    twiml = require("twilio.twiml.voice_response", extra="carriers")
    response = twiml.VoiceResponse()
    response.dial(rep_number)
    return str(response)


# The name of the copy of a call's audio that watches a person's answer with the rep.
WATCH_STREAM_NAME = "afterbeep-watch"


def watched_dial_twiml(
    rep_number: str, stream_url: str, parameters: Mapping[str, str] | None = None
) -> str:
    """TwiML that hands the call to the rep's phone while a one-way copy of the prospect's
    audio (``<Start><Stream>``, the inbound track) goes on to afterbeep's media stream."""
    if not stream_url.startswith(("wss://", "ws://")):
        raise ConfigError(f"a media stream URL starts with wss://, got {stream_url!r}")
    twiml = require("twilio.twiml.voice_response", extra="carriers")
    response = twiml.VoiceResponse()
    start = twiml.Start()
    stream = twiml.Stream(url=stream_url, track="inbound_track", name=WATCH_STREAM_NAME)
    for name, value in (parameters or {}).items():
        stream.parameter(name=name, value=value)
    start.append(stream)
    response.append(start)
    response.dial(rep_number)
    return str(response)


def hangup_twiml() -> str:
    twiml = require("twilio.twiml.voice_response", extra="carriers")
    response = twiml.VoiceResponse()
    response.hangup()
    return str(response)


def verify_twilio_signature(
    url: str, params: Mapping[str, str], signature: str | None, *, auth_token: str
) -> bool:
    """True only for a request Twilio signed with ``auth_token`` for exactly this URL and
    these form parameters; an absent or empty signature is never valid."""
    if not signature:
        return False
    validation = require("twilio.request_validator", extra="carriers")
    return bool(validation.RequestValidator(auth_token).validate(url, dict(params), signature))


class TwilioCalls:
    """Outbound calls through Twilio's REST API.

    ``http_client`` is the SDK's pluggable HTTP client (the SDK's own by default); tests pass
    one that records requests, since no carrier can be reached from a test machine.
    """

    def __init__(self, settings: TelephonySettings, *, http_client: Any = None) -> None:
        self.base = public_base(
            settings,
            carrier="Twilio",
            configured=settings.twilio_configured,
            needs=("AFTERBEEP_TWILIO_ACCOUNT_SID", "AFTERBEEP_TWILIO_AUTH_TOKEN"),
        )
        rest = require("twilio.rest", extra="carriers")
        assert settings.twilio_auth_token is not None
        self.settings = settings
        self.client = rest.Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            http_client=http_client,
        )

    def start_call(
        self, to: str, *, from_: str | None = None, parameters: Mapping[str, str] | None = None
    ) -> str:
        """Dial ``to``; when answered, the call streams to afterbeep. Returns the call SID."""
        from_number = from_ or self.settings.twilio_from_number
        if not from_number:
            raise ConfigError("no caller number: pass one or set AFTERBEEP_TWILIO_FROM_NUMBER")
        try:
            call = self.client.calls.create(
                to=to,
                from_=from_number,
                twiml=connect_stream_twiml(media_url(self.base, "twilio"), parameters),
                status_callback=self.base + "/twilio/status",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
            )
        except Exception as error:
            raise CarrierError(f"could not start the call: {error}", carrier="twilio") from error
        return str(call.sid)

    def redirect(self, call_sid: str, twiml: str) -> None:
        """Replace the call's TwiML (e.g. ``dial_rep_twiml`` to hand it to the rep)."""
        try:
            self.client.calls(call_sid).update(twiml=twiml)
        except Exception as error:
            raise CarrierError(
                f"could not update call {call_sid}: {error}", carrier="twilio"
            ) from error

    def transfer(self, call_sid: str, to: str) -> None:
        """Hand the call to ``to`` (the rep's phone): its TwiML becomes a ``<Dial>``."""
        self.redirect(call_sid, dial_rep_twiml(to))

    def transfer_watched(self, call_sid: str, to: str, parameters: Mapping[str, str]) -> None:
        """Hand the call to ``to`` while a copy of the prospect's audio streams to afterbeep
        with ``parameters`` (``watched_dial_twiml``), so an answer that was a recording
        after all can be taken back from the rep."""
        self.redirect(call_sid, watched_dial_twiml(to, media_url(self.base, "twilio"), parameters))

    def stop_stream(self, call_sid: str, stream_sid: str) -> None:
        """End one of the call's media streams (the copy made by ``transfer_watched``)."""
        try:
            self.client.calls(call_sid).streams(stream_sid).update(status="stopped")
        except Exception as error:
            raise CarrierError(
                f"could not stop stream {stream_sid} of call {call_sid}: {error}",
                carrier="twilio",
            ) from error

    def stream_again(self, call_sid: str, parameters: Mapping[str, str]) -> None:
        """Bring a call back to afterbeep's media stream with ``parameters`` (the rep's
        drop): its TwiML becomes ``<Connect><Stream>`` again, which ends the rep's leg."""
        self.redirect(call_sid, connect_stream_twiml(media_url(self.base, "twilio"), parameters))

    def hang_up(self, call_sid: str) -> None:
        try:
            self.client.calls(call_sid).update(status="completed")
        except Exception as error:
            raise CarrierError(
                f"could not end call {call_sid}: {error}", carrier="twilio"
            ) from error


def carrier_adapters(settings: TelephonySettings) -> dict[str, tuple[bool, Any]]:
    """Each carrier afterbeep can call through, in the order ``afterbeep call`` prefers
    them: whether ``settings`` configure it, and its REST adapter class."""
    from afterbeep.telephony.rest_plivo import PlivoCalls
    from afterbeep.telephony.rest_telnyx import TelnyxCalls
    from afterbeep.telephony.rest_vonage import VonageCalls

    return {
        "twilio": (settings.twilio_configured, TwilioCalls),
        "telnyx": (settings.telnyx_configured, TelnyxCalls),
        "plivo": (settings.plivo_configured, PlivoCalls),
        "vonage": (settings.vonage_configured, VonageCalls),
    }


class CarrierCallControls:
    """The engine's ``CallControl`` when several carriers are configured: each call goes to
    its own carrier's control (``timeline.carrier``); calls of other carriers (simulated
    ones, Asterisk) are left alone."""

    def __init__(self, controls: Mapping[str, Any]) -> None:
        self.controls = dict(controls)

    def act(self, timeline: Any, action: str) -> None:
        control = self.controls.get(timeline.carrier)
        if control is not None:
            control.act(timeline, action)

    def take_back_for_drop(self, timeline: Any, parameters: Mapping[str, str]) -> bool:
        """The rep's drop through the call's own carrier; False for calls of no configured
        carrier (simulated ones, Asterisk), whose stream their far end opens."""
        control = self.controls.get(timeline.carrier)
        return control.take_back_for_drop(timeline, parameters) if control is not None else False

    def hand_over_watched(self, timeline: Any, parameters: Mapping[str, str]) -> bool:
        """The hand-over with a copy of the call's audio, through the call's own carrier's
        control (a plain hand-over where it cannot copy)."""
        control = self.controls.get(timeline.carrier)
        if control is None:
            return False
        watched = getattr(control, "hand_over_watched", None)
        if watched is None:
            control.act(timeline, "connect")
            return False
        return bool(watched(timeline, parameters))

    def stop_watching(self, timeline: Any, stream_id: str) -> None:
        control = self.controls.get(timeline.carrier)
        stop = getattr(control, "stop_watching", None)
        if stop is not None:
            stop(timeline, stream_id)

    def carrier_event(self, carrier: str, event_type: str, payload: Mapping[str, Any]) -> None:
        """A verified webhook of ``carrier``, for a control that follows the call's legs
        (Telnyx's, see ``TelnyxCalls.on_webhook``)."""
        control = self.controls.get(carrier)
        on_event = getattr(control, "carrier_event", None)
        if on_event is not None:
            on_event(event_type, payload)


class CarrierCalls(Protocol):
    """What call control needs of a carrier's REST adapter (``TwilioCalls``, ``TelnyxCalls``,
    ``PlivoCalls``, ``VonageCalls``)."""

    def transfer(self, call_id: str, to: str) -> None: ...

    def hang_up(self, call_id: str) -> None: ...


class RestCallControl:
    """The engine's ``CallControl`` through a carrier's REST adapter: a person goes to the
    rep (a transfer to the number in the stream parameter ``afterbeep.rep_number``), every
    other ending hangs the call up."""

    REP_PARAMETER = "afterbeep.rep_number"

    def __init__(self, calls: CarrierCalls) -> None:
        self.calls = calls

    def act(self, timeline: Any, action: str) -> None:
        rep = timeline.parameters.get(self.REP_PARAMETER)
        if action == "connect" and rep:
            self.calls.transfer(timeline.call_id, rep)
        else:
            self.calls.hang_up(timeline.call_id)

    def hand_over_watched(self, timeline: Any, parameters: Mapping[str, str]) -> bool:
        """A person to the rep with a copy of their audio streamed back with ``parameters``
        where the carrier can (Twilio: ``transfer_watched``); True if so. Otherwise what
        ``act`` does for a person (a plain transfer, or hang up without a rep's number)."""
        rep = timeline.parameters.get(self.REP_PARAMETER)
        watched = getattr(self.calls, "transfer_watched", None)
        # A copy is only worth making where the call can be taken back after it.
        if not rep or watched is None or not getattr(self.calls, "can_take_back", True):
            self.act(timeline, "connect")
            return False
        watched(timeline.call_id, rep, parameters)
        return True

    def stop_watching(self, timeline: Any, stream_id: str) -> None:
        """End the copy of a call's audio (``stream_id``) where the carrier made one."""
        stop = getattr(self.calls, "stop_stream", None)
        if stop is not None:
            stop(timeline.call_id, stream_id)

    def carrier_event(self, event_type: str, payload: Mapping[str, Any]) -> None:
        """A verified webhook, for an adapter that follows the call's legs."""
        on_webhook = getattr(self.calls, "on_webhook", None)
        if on_webhook is not None:
            on_webhook(event_type, payload)

    def take_back_for_drop(self, timeline: Any, parameters: Mapping[str, str]) -> bool:
        """Bring the call back from the rep to a media stream with ``parameters`` (the rep's
        drop, ``MediaEngine.rep_drop``); True once the carrier was asked."""
        stream_again = getattr(self.calls, "stream_again", None)
        if stream_again is None:
            raise CarrierError(
                f"{timeline.carrier}: taking a call back from the rep for the drop is not "
                "supported yet (Twilio, Telnyx, Plivo and Vonage are)",
                carrier=timeline.carrier,
            )
        stream_again(timeline.call_id, parameters)
        return True


__all__ = [
    "CarrierCallControls",
    "CarrierCalls",
    "RestCallControl",
    "TwilioCalls",
    "carrier_adapters",
    "connect_stream_twiml",
    "dial_rep_twiml",
    "hangup_twiml",
    "verify_twilio_signature",
    "watched_dial_twiml",
]

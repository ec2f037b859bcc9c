"""Live voicemail drop: the media-session engine, one serializer per carrier, carrier REST
adapters and the call simulator (see docs/telephony.md).

Public surface: ``MediaEngine`` / ``MediaSession`` / ``EngineSettings`` and the compliance
hook (``PolicyDecision``, ``CallContext``); the typed frames; the serializers
(``TwilioSerializer``, ``TelnyxSerializer``, ``PlivoSerializer``, ``VonageSerializer``,
``AudioSocketSerializer``) and ``ProtocolError``; the socket glue (``serve_websocket``,
``start_audiosocket_server``); ``TelephonySettings``; the Twilio, Telnyx, Plivo and Vonage
REST adapters and webhook checks; the simulator (``simulate``, ``SimulationReport``) and the store recorder.
Imports point one way: this package uses ``detect``, ``audio`` and ``store``, never ``web``
or ``cli``. The Twilio and Plivo SDKs, PyJWT and ``cryptography`` (``[carriers]`` extra) are
imported only when used.
"""

from __future__ import annotations

from afterbeep.telephony._detection import DetectorHub, OracleDetector
from afterbeep.telephony._serializer import ProtocolError, Serializer
from afterbeep.telephony.audiosocket import AudioSocketSerializer
from afterbeep.telephony.config import TelephonySettings, load_telephony_settings
from afterbeep.telephony.engine import (
    CallContext,
    CallControl,
    CallTimeline,
    CompliancePolicy,
    DropRecorder,
    EngineSettings,
    MediaEngine,
    MediaSession,
    PolicyDecision,
    allow_all,
    default_message,
)
from afterbeep.telephony.frames import *  # noqa: F403
from afterbeep.telephony.frames import __all__ as _frame_names
from afterbeep.telephony.plivo import PlivoSerializer
from afterbeep.telephony.recording import StoreDropRecorder
from afterbeep.telephony.rest import (
    CarrierCallControls,
    CarrierCalls,
    RestCallControl,
    TwilioCalls,
    connect_stream_twiml,
    dial_rep_twiml,
    hangup_twiml,
    verify_twilio_signature,
)
from afterbeep.telephony.rest_plivo import (
    PlivoCalls,
    dial_xml,
    stream_xml,
    verify_plivo_signature,
)
from afterbeep.telephony.rest_telnyx import (
    TelnyxCalls,
    verify_telnyx_signature,
)
from afterbeep.telephony.rest_vonage import (
    VonageCalls,
    ncco_connect_stream,
    verify_vonage_signature,
)
from afterbeep.telephony.server import (
    SERIALIZERS,
    serializer_for,
    serve_websocket,
    start_audiosocket_server,
)
from afterbeep.telephony.simulator import (
    SimulatedCall,
    SimulationReport,
    local_server,
    simulate,
    simulate_calls,
)
from afterbeep.telephony.telnyx import TelnyxSerializer
from afterbeep.telephony.twilio import TwilioSerializer
from afterbeep.telephony.vonage import VonageSerializer

__all__ = [
    *_frame_names,
    "SERIALIZERS",
    "AudioSocketSerializer",
    "CallContext",
    "CarrierCallControls",
    "CarrierCalls",
    "CallControl",
    "CallTimeline",
    "CompliancePolicy",
    "DetectorHub",
    "DropRecorder",
    "EngineSettings",
    "MediaEngine",
    "MediaSession",
    "OracleDetector",
    "PlivoCalls",
    "PlivoSerializer",
    "PolicyDecision",
    "RestCallControl",
    "ProtocolError",
    "Serializer",
    "SimulatedCall",
    "SimulationReport",
    "StoreDropRecorder",
    "TelephonySettings",
    "TelnyxCalls",
    "TelnyxSerializer",
    "TwilioCalls",
    "TwilioSerializer",
    "VonageCalls",
    "VonageSerializer",
    "allow_all",
    "connect_stream_twiml",
    "default_message",
    "dial_xml",
    "dial_rep_twiml",
    "hangup_twiml",
    "load_telephony_settings",
    "local_server",
    "ncco_connect_stream",
    "serializer_for",
    "serve_websocket",
    "simulate",
    "simulate_calls",
    "start_audiosocket_server",
    "stream_xml",
    "verify_plivo_signature",
    "verify_telnyx_signature",
    "verify_twilio_signature",
    "verify_vonage_signature",
]

"""Telnyx's side outside the media stream: Ed25519-signed webhooks and Call Control requests.

No carrier can be reached from a test machine: the REST adapter talks HTTP to a server on
loopback that records each request and answers as Telnyx's Call Control API documents.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from telephony_helpers import FakeCarrierApi, serve_api
from typer.testing import CliRunner

from afterbeep.cli import app
from afterbeep.errors import CarrierError, ConfigError
from afterbeep.settings import Settings
from afterbeep.telephony import (
    CallTimeline,
    CarrierCallControls,
    RestCallControl,
    StreamStarted,
    TelephonySettings,
    TelnyxCalls,
    TelnyxSerializer,
    load_telephony_settings,
    verify_telnyx_signature,
)
from afterbeep.telephony.legs import StoreRepLegs
from afterbeep.telephony.rest_telnyx import REP_LEG_OF
from afterbeep.telephony.telnyx import decode_client_state
from afterbeep.web.app import create_app

PUBLIC = "https://dialer.example.com"
API_KEY = "KEY0123456789ABCDEF"
CONNECTION = "1494404757140276705"
ENDED = "v3:ended-call"

_PRIVATE = Ed25519PrivateKey.generate()
PUBLIC_KEY = base64.b64encode(
    _PRIVATE.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
).decode()


def _sign(body: bytes, timestamp: int | None = None, key=_PRIVATE) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign(stamp.encode() + b"|" + body)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": stamp,
    }


# ---- webhook signatures --------------------------------------------------------------------

EVENT = json.dumps(
    {
        "data": {
            "event_type": "call.answered",
            "id": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
            "occurred_at": "2026-11-23T15:00:00.000000Z",
            "payload": {"call_control_id": "v3:abc", "connection_id": CONNECTION},
            "record_type": "event",
        },
        "meta": {"attempt": 1, "delivered_to": PUBLIC + "/telnyx/webhook"},
    }
).encode()


def test_a_body_signed_with_the_account_key_verifies():
    headers = _sign(EVENT)
    assert verify_telnyx_signature(
        EVENT,
        headers["telnyx-signature-ed25519"],
        headers["telnyx-timestamp"],
        public_key=PUBLIC_KEY,
    )


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (EVENT + b" ", _sign(EVENT)),  # the body changed after signing
        (EVENT, _sign(EVENT, key=Ed25519PrivateKey.generate())),  # someone else's key
        (EVENT, _sign(EVENT, timestamp=int(time.time()) - 3600)),  # a replay an hour later
        (EVENT, {"telnyx-signature-ed25519": "", "telnyx-timestamp": str(int(time.time()))}),
        (EVENT, {"telnyx-signature-ed25519": "not base64!", "telnyx-timestamp": "1"}),
        (EVENT, {**_sign(EVENT), "telnyx-timestamp": "soon"}),
    ],
)
def test_tampered_foreign_stale_or_malformed_signatures_fail(body, headers):
    assert not verify_telnyx_signature(
        body,
        headers.get("telnyx-signature-ed25519"),
        headers.get("telnyx-timestamp"),
        public_key=PUBLIC_KEY,
    )


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(public_url=PUBLIC, telnyx_public_key=PUBLIC_KEY)
    return TestClient(app)


def test_a_signed_webhook_is_accepted_and_kept(client):
    response = client.post("/telnyx/webhook", content=EVENT, headers=_sign(EVENT))
    assert response.status_code == 204
    status = client.app.state.call_statuses[-1]
    assert (status["carrier"], status["call_sid"], status["status"]) == (
        "telnyx",
        "v3:abc",
        "call.answered",
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"telnyx-signature-ed25519": base64.b64encode(b"x" * 64).decode()},
        _sign(EVENT, key=Ed25519PrivateKey.generate()),
        _sign(EVENT, timestamp=int(time.time()) - 600),
    ],
    ids=["unsigned", "no-timestamp", "forged", "stale"],
)
def test_unsigned_forged_or_stale_webhooks_get_403(client, headers):
    response = client.post("/telnyx/webhook", content=EVENT, headers=headers)
    assert response.status_code == 403
    assert "telnyx-signature-ed25519" in response.json()["detail"]
    assert not client.app.state.__dict__.get("call_statuses")


def test_a_signed_body_that_is_not_an_event_gets_a_clear_422(client):
    body = b'{"data": {}}'
    response = client.post("/telnyx/webhook", content=body, headers=_sign(body))
    assert response.status_code == 422
    assert "data.event_type" in response.json()["detail"]


def test_webhooks_are_refused_when_no_public_key_is_configured(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(public_url=PUBLIC)
    response = TestClient(app).post("/telnyx/webhook", content=EVENT, headers=_sign(EVENT))
    assert response.status_code == 403
    assert "no Telnyx public key" in response.json()["detail"]


# ---- Call Control over HTTP on loopback ----------------------------------------------------


class _FakeTelnyx(FakeCarrierApi):
    """Telnyx's Call Control API as documented: dial answers with the call's ids, commands
    answer ``{"data": {"result": "ok"}}``; commands on an ended call get 422."""

    def do_POST(self):
        request = self.read_request()
        if request["headers"].get("Authorization") != "Bearer " + API_KEY:
            self.answer(401, {"errors": [{"code": "10009", "title": "Authentication failed"}]})
        elif self.path == "/v2/calls":
            data = {
                "call_control_id": "v3:new-call",
                "call_leg_id": "2dc6fc34-f9e0-11ea-b68e-02420a0f7768",
                "call_session_id": "2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768",
                "is_alive": False,
                "record_type": "call",
            }
            self.answer(200, {"data": data})
        elif self.path.startswith(f"/v2/calls/{ENDED}/"):
            error = {
                "code": "90018",
                "title": "Call has already ended",
                "detail": "This call is no longer active and can't receive commands.",
            }
            self.answer(422, {"errors": [error]})
        else:
            self.answer(200, {"data": {"result": "ok"}})


@pytest.fixture
def telnyx_api():
    with serve_api(_FakeTelnyx, "/v2") as api:
        yield api


def _settings(api_url: str, **extra) -> TelephonySettings:
    values = dict(
        public_url=PUBLIC,
        telnyx_api_key=API_KEY,
        telnyx_connection_id=CONNECTION,
        telnyx_from_number="+12065550100",
        telnyx_api_url=api_url,
    )
    return TelephonySettings(**{**values, **extra})


def test_start_call_dials_with_a_bidirectional_stream_and_our_parameters(telnyx_api):
    url, requests = telnyx_api
    calls = TelnyxCalls(_settings(url))
    parameters = {"afterbeep.call_attempt_id": "41", "afterbeep.rep_number": "+12065550199"}
    assert calls.start_call("+12065550148", parameters=parameters) == "v3:new-call"
    [request] = requests
    assert request["path"] == "/v2/calls"
    assert request["headers"]["Authorization"] == "Bearer " + API_KEY
    body = request["body"]
    assert body["connection_id"] == CONNECTION
    assert (body["to"], body["from"]) == ("+12065550148", "+12065550100")
    assert body["stream_url"] == "wss://dialer.example.com/media/telnyx"
    assert body["stream_track"] == "inbound_track"
    assert (body["stream_bidirectional_mode"], body["stream_bidirectional_codec"]) == (
        "rtp",
        "PCMU",
    )
    assert body["webhook_url"] == PUBLIC + "/telnyx/webhook"
    # The stream that opens when the call is answered carries the parameters back.
    start = {
        "event": "start",
        "sequence_number": "1",
        "start": {
            "call_control_id": "v3:new-call",
            "client_state": body["client_state"],
            "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
        },
        "stream_id": "32de0dea-53cb-4b21-89a4-9e1819c043bc",
    }
    [started] = TelnyxSerializer().decode(json.dumps(start))
    assert isinstance(started, StreamStarted)
    assert started.call_id == "v3:new-call"
    assert started.parameters == parameters


def test_call_control_transfers_a_person_to_the_rep_and_hangs_up_the_rest(telnyx_api):
    url, requests = telnyx_api
    control = CarrierCallControls({"telnyx": RestCallControl(TelnyxCalls(_settings(url)))})

    rep = {"afterbeep.rep_number": "+12065550199"}
    live = CallTimeline("telnyx", "v3:live", "s1", rep, datetime.now(UTC))
    control.act(live, "connect")
    control.act(live, "drop")
    # Not Telnyx's call: left alone.
    control.act(CallTimeline("twilio", "CA1", "MZ1", rep, datetime.now(UTC)), "skip")
    assert [(r["path"], r["body"]) for r in requests] == [
        ("/v2/calls/v3:live/actions/transfer", {"to": "+12065550199"}),
        ("/v2/calls/v3:live/actions/hangup", {}),
    ]


def test_telnyx_refusals_and_unreachable_apis_become_carrier_errors(telnyx_api):
    url, _ = telnyx_api
    with pytest.raises(CarrierError, match="Call has already ended") as refused:
        TelnyxCalls(_settings(url)).hang_up(ENDED)
    assert "422" in str(refused.value)
    with pytest.raises(CarrierError, match="Authentication failed"):
        TelnyxCalls(_settings(url, telnyx_api_key="wrong")).start_call("+12065550148")
    with pytest.raises(CarrierError, match="could not start the call"):
        TelnyxCalls(_settings("http://127.0.0.1:9/v2")).start_call("+12065550148")


def test_missing_telnyx_settings_are_config_errors_naming_them():
    with pytest.raises(ConfigError, match="AFTERBEEP_TELNYX_API_KEY"):
        TelnyxCalls(TelephonySettings(public_url=PUBLIC))
    with pytest.raises(ConfigError, match="AFTERBEEP_PUBLIC_URL"):
        TelnyxCalls(TelephonySettings(telnyx_api_key=API_KEY, telnyx_connection_id=CONNECTION))
    with pytest.raises(ConfigError, match="AFTERBEEP_TELNYX_FROM_NUMBER"):
        TelnyxCalls(_settings("http://127.0.0.1:9/v2", telnyx_from_number=None)).start_call(
            "+12065550148"
        )


def test_telnyx_credentials_come_from_the_environment():
    settings = load_telephony_settings(
        {},
        environ={
            "AFTERBEEP_TELNYX_API_KEY": API_KEY,
            "AFTERBEEP_TELNYX_CONNECTION_ID": CONNECTION,
            "AFTERBEEP_TELNYX_PUBLIC_KEY": PUBLIC_KEY,
        },
    )
    assert settings.telnyx_configured
    assert settings.telnyx_api_key is not None
    assert settings.telnyx_api_key.get_secret_value() == API_KEY
    assert API_KEY not in repr(settings)
    assert settings.telnyx_public_key == PUBLIC_KEY


def test_afterbeep_call_dials_through_telnyx_when_telnyx_is_configured(telnyx_api, monkeypatch):
    url, requests = telnyx_api
    env = {
        "AFTERBEEP_TELNYX_API_KEY": API_KEY,
        "AFTERBEEP_TELNYX_CONNECTION_ID": CONNECTION,
        "AFTERBEEP_TELNYX_FROM_NUMBER": "+12065550100",
        "AFTERBEEP_TELNYX_API_URL": url,
        "AFTERBEEP_PUBLIC_URL": PUBLIC,
    }
    for name in ("AFTERBEEP_TWILIO_ACCOUNT_SID", "AFTERBEEP_TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["call", "(206) 555-0148", "--script", "7"])
    assert result.exit_code == 0, result.output
    assert "calling +12065550148: call v3:new-call" in result.output
    [request] = requests
    assert request["body"]["to"] == "+12065550148"
    result = CliRunner().invoke(app, ["call", "+12065550148", "--script", "7", "--carrier", "sip"])
    assert result.exit_code != 0
    assert "--carrier is one of twilio, telnyx, plivo, vonage" in str(result.exception)


# ---- taking a call back from the rep (the rep's legs followed through webhooks) -----------

PROSPECT = "v3:prospect-leg"
REP_LEG = "v3:rep-leg"
REP = {"afterbeep.rep_number": "+12065550199", "afterbeep.call_attempt_id": "41"}


def _followed(url):
    """An adapter that can take calls back (the webhooks' public key is set)."""
    return TelnyxCalls(_settings(url, telnyx_public_key=PUBLIC_KEY))


def _handed_over(calls, requests):
    """The prospect handed to the rep, and Telnyx's webhook for the rep's new leg, which
    carries the client state the transfer asked for that leg."""
    calls.transfer(PROSPECT, REP["afterbeep.rep_number"])
    state = requests[-1]["body"]["target_leg_client_state"]
    calls.on_webhook(
        "call.initiated", {"call_control_id": REP_LEG, "client_state": state, "state": "bridging"}
    )
    return state


def _paths(requests):
    return [r["path"] for r in requests]


def test_a_transfer_that_can_be_taken_back_parks_the_prospect_and_marks_the_reps_leg(telnyx_api):
    url, requests = telnyx_api
    _handed_over(_followed(url), requests)
    [transfer] = requests
    assert transfer["path"] == f"/v2/calls/{PROSPECT}/actions/transfer"
    body = transfer["body"]
    assert (body["to"], body["park_after_unbridge"]) == ("+12065550199", "self")
    assert decode_client_state(body["target_leg_client_state"]) == {REP_LEG_OF: PROSPECT}


def test_the_reps_drop_hangs_up_the_reps_leg_and_streams_the_prospect_to_us_again(telnyx_api):
    url, requests = telnyx_api
    calls = _followed(url)
    state = _handed_over(calls, requests)
    parameters = {**REP, "afterbeep.mode": "drop"}
    timeline = CallTimeline("telnyx", PROSPECT, "s1", REP, datetime.now(UTC))
    assert RestCallControl(calls).take_back_for_drop(timeline, parameters)
    hang_up, stream = requests[1:]
    assert (hang_up["path"], hang_up["body"]) == (f"/v2/calls/{REP_LEG}/actions/hangup", {})
    assert stream["path"] == f"/v2/calls/{PROSPECT}/actions/streaming_start"
    body = stream["body"]
    assert body["stream_url"] == "wss://dialer.example.com/media/telnyx"
    assert body["stream_track"] == "inbound_track"
    assert (
        body["stream_bidirectional_mode"],
        body["stream_bidirectional_codec"],
        body["stream_bidirectional_target_legs"],
    ) == ("rtp", "PCMU", "self")
    # The new stream's start carries the mode back to the engine.
    start = {
        "event": "start",
        "start": {
            "call_control_id": PROSPECT,
            "client_state": body["client_state"],
            "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
        },
        "stream_id": "4f1e0d7c-0b4e-4c3e-9b1a-5d2e8f9a0b1c",
    }
    [started] = TelnyxSerializer().decode(json.dumps(start))
    assert started.parameters == parameters
    # The rep's leg ending now is the take-back's doing: the prospect stays on for the drop.
    calls.on_webhook("call.hangup", {"call_control_id": REP_LEG, "client_state": state})
    assert len(requests) == 3


def test_when_the_rep_hangs_up_the_parked_prospect_is_hung_up_too(telnyx_api):
    url, requests = telnyx_api
    calls = _followed(url)
    state = _handed_over(calls, requests)
    calls.on_webhook("call.answered", {"call_control_id": REP_LEG, "client_state": state})
    calls.on_webhook("call.hangup", {"call_control_id": REP_LEG, "client_state": state})
    assert _paths(requests)[1:] == [f"/v2/calls/{PROSPECT}/actions/hangup"]


def test_when_the_prospect_hangs_up_first_nothing_more_is_asked(telnyx_api):
    url, requests = telnyx_api
    calls = _followed(url)
    state = _handed_over(calls, requests)
    calls.on_webhook("call.hangup", {"call_control_id": PROSPECT})
    calls.on_webhook("call.hangup", {"call_control_id": REP_LEG, "client_state": state})
    assert len(requests) == 1  # the transfer only
    with pytest.raises(CarrierError, match="no webhook has named the rep's leg"):
        calls.stream_again(PROSPECT, REP)


def test_a_copy_of_a_call_with_the_rep_streams_the_prospect_one_way_and_stops(telnyx_api):
    url, requests = telnyx_api
    control = RestCallControl(_followed(url))
    timeline = CallTimeline("telnyx", PROSPECT, "s1", REP, datetime.now(UTC))
    assert control.hand_over_watched(timeline, {**REP, "afterbeep.mode": "watch"})
    control.stop_watching(timeline, "copy-stream-id")
    transfer, copy, stop = requests
    assert transfer["path"].endswith("/actions/transfer")
    assert copy["path"] == f"/v2/calls/{PROSPECT}/actions/streaming_start"
    assert copy["body"]["stream_track"] == "inbound_track"
    assert not [k for k in copy["body"] if k.startswith("stream_bidirectional")]
    assert decode_client_state(copy["body"]["client_state"])["afterbeep.mode"] == "watch"
    assert (stop["path"], stop["body"]) == (
        f"/v2/calls/{PROSPECT}/actions/streaming_stop",
        {"stream_id": "copy-stream-id"},
    )


def test_without_the_webhooks_key_a_call_is_not_taken_back_and_the_error_says_why(telnyx_api):
    url, requests = telnyx_api
    calls = TelnyxCalls(_settings(url))
    control = RestCallControl(calls)
    timeline = CallTimeline("telnyx", PROSPECT, "s1", REP, datetime.now(UTC))
    # A plain hand-over: no copy (it could not be taken back after it), no parking.
    assert not control.hand_over_watched(timeline, {**REP, "afterbeep.mode": "watch"})
    [transfer] = requests
    assert transfer["body"] == {"to": "+12065550199"}
    with pytest.raises(CarrierError, match="AFTERBEEP_TELNYX_PUBLIC_KEY"):
        control.take_back_for_drop(timeline, REP)
    assert len(requests) == 1


def test_signed_webhooks_reach_the_call_control_that_follows_the_reps_legs(tmp_path, telnyx_api):
    from afterbeep.telephony import MediaEngine

    url, requests = telnyx_api
    calls = _followed(url)
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(public_url=PUBLIC, telnyx_public_key=PUBLIC_KEY)
    app.state.media_engine = MediaEngine(
        call_control=CarrierCallControls({"telnyx": RestCallControl(calls)})
    )
    calls.transfer(PROSPECT, REP["afterbeep.rep_number"])
    state = requests[-1]["body"]["target_leg_client_state"]
    client = TestClient(app)
    for event_type in ("call.initiated", "call.hangup"):
        body = json.dumps(
            {
                "data": {
                    "event_type": event_type,
                    "payload": {"call_control_id": REP_LEG, "client_state": state},
                    "record_type": "event",
                }
            }
        ).encode()
        assert client.post("/telnyx/webhook", content=body, headers=_sign(body)).status_code == 204
    # The rep hung up: the prospect, parked since, is hung up by the webhook's handler.
    assert _paths(requests)[1:] == [f"/v2/calls/{PROSPECT}/actions/hangup"]
    not_an_object = b'{"data": {"event_type": "call.hangup", "payload": ["v3:x"]}}'
    answer = client.post("/telnyx/webhook", content=not_an_object, headers=_sign(not_an_object))
    assert answer.status_code == 422
    assert "data.payload" in answer.json()["detail"]


def test_the_reps_drop_on_one_process_finds_the_leg_another_process_learnt(
    telnyx_api, database_url
):
    url, requests = telnyx_api
    settings = _settings(url, telnyx_public_key=PUBLIC_KEY)
    carrier = "telnyx-two-processes"
    webhooks = TelnyxCalls(settings, legs=StoreRepLegs(database_url, carrier=carrier))
    drops = TelnyxCalls(settings, legs=StoreRepLegs(database_url, carrier=carrier))
    state = _handed_over(webhooks, requests)  # the rep's leg's webhook reaches this one
    timeline = CallTimeline("telnyx", PROSPECT, "s1", REP, datetime.now(UTC))
    assert RestCallControl(drops).take_back_for_drop(timeline, {**REP, "afterbeep.mode": "drop"})
    hang_up, stream = requests[1:]
    assert hang_up["path"] == f"/v2/calls/{REP_LEG}/actions/hangup"
    assert stream["path"] == f"/v2/calls/{PROSPECT}/actions/streaming_start"
    # The rep's leg's hang-up comes back to the first: taken back, the prospect stays on.
    webhooks.on_webhook("call.hangup", {"call_control_id": REP_LEG, "client_state": state})
    assert len(requests) == 3


def test_the_web_app_keeps_the_reps_legs_where_its_database_is_shared(tmp_path, database_url):
    from afterbeep.telephony.legs import MemoryRepLegs
    from afterbeep.web._calls_api import media_engine

    app = create_app(Settings(data_dir=tmp_path, database_url=database_url))
    app.state.telephony = _settings("http://127.0.0.1:9", telnyx_public_key=PUBLIC_KEY)
    telnyx = media_engine(app).call_control.controls["telnyx"].calls
    # A server database may be shared by several processes; a SQLite file serves one.
    expected = MemoryRepLegs if database_url.startswith("sqlite") else StoreRepLegs
    assert isinstance(telnyx._legs, expected)

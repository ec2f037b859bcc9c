"""Twilio's side outside the media stream: signed webhooks, TwiML shapes, REST requests.

No carrier can be reached from a test machine: the REST adapter is given the Twilio SDK's
pluggable HTTP client that records each request and answers as Twilio's API documents.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from telephony_helpers import RecordingHttp
from twilio.request_validator import RequestValidator

from afterbeep.errors import CarrierError, ConfigError
from afterbeep.settings import Settings
from afterbeep.telephony import (
    TelephonySettings,
    TwilioCalls,
    connect_stream_twiml,
    dial_rep_twiml,
    load_telephony_settings,
    verify_twilio_signature,
)
from afterbeep.web.app import create_app

TOKEN = "test-auth-token-0123456789abcdef"
SID = "AC" + "a" * 32
PUBLIC = "https://dialer.example.com"


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(
        public_url=PUBLIC, twilio_account_sid=SID, twilio_auth_token=TOKEN
    )
    return TestClient(app)


FORM = {"CallSid": "CA" + "1" * 32, "CallStatus": "completed", "AccountSid": SID}


def _sign(path: str, form: dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(PUBLIC + path, form)


def test_a_validly_signed_status_callback_is_accepted(client):
    response = client.post(
        "/twilio/status", data=FORM, headers={"X-Twilio-Signature": _sign("/twilio/status", FORM)}
    )
    assert response.status_code == 204
    assert client.app.state.call_statuses[-1]["status"] == "completed"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": ""},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Twilio-Signature": _sign("/twilio/status", FORM, token="someone-elses-token")},
        {"X-Twilio-Signature": _sign("/twilio/voice", FORM)},  # signed for another URL
    ],
)
def test_unsigned_or_forged_webhooks_get_403(client, headers):
    response = client.post("/twilio/status", data=FORM, headers=headers)
    assert response.status_code == 403
    assert not getattr(client.app.state, "call_statuses", [])


def test_a_tampered_form_fails_the_signature(client):
    signature = _sign("/twilio/status", FORM)
    tampered = {**FORM, "CallStatus": "in-progress"}
    response = client.post(
        "/twilio/status", data=tampered, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_webhooks_are_refused_when_no_token_is_configured(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings()
    response = TestClient(app).post(
        "/twilio/status", data=FORM, headers={"X-Twilio-Signature": _sign("/twilio/status", FORM)}
    )
    assert response.status_code == 403


def test_the_voice_webhook_answers_with_connect_stream_twiml(client):
    path = "/twilio/voice?afterbeep.call_attempt_id=42"
    response = client.post(path, data=FORM, headers={"X-Twilio-Signature": _sign(path, FORM)})
    assert response.status_code == 200
    root = ET.fromstring(response.text)
    stream = root.find("./Connect/Stream")
    assert stream is not None
    assert stream.get("url") == "wss://dialer.example.com/media/twilio"
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params == {"afterbeep.call_attempt_id": "42", "afterbeep.call_sid": FORM["CallSid"]}


def test_twiml_shapes():
    root = ET.fromstring(connect_stream_twiml("wss://x.example/media/twilio", {"a": "1"}))
    assert root.tag == "Response"
    [connect] = list(root)
    assert connect.tag == "Connect"
    assert [child.tag for child in connect] == ["Stream"]
    assert ET.fromstring(dial_rep_twiml("+12065550148")).find("Dial").text == "+12065550148"
    with pytest.raises(ConfigError, match="wss://"):
        connect_stream_twiml("http://x.example/media")
    assert verify_twilio_signature(PUBLIC, {}, None, auth_token=TOKEN) is False


def _settings() -> TelephonySettings:
    return load_telephony_settings(
        {},
        environ={
            "AFTERBEEP_TWILIO_ACCOUNT_SID": SID,
            "AFTERBEEP_TWILIO_AUTH_TOKEN": TOKEN,
            "AFTERBEEP_TWILIO_FROM_NUMBER": "+12065550100",
            "AFTERBEEP_PUBLIC_URL": PUBLIC,
        },
    )


def test_start_call_posts_twiml_connect_stream_with_credentials_from_settings():
    http = RecordingHttp()
    sid = TwilioCalls(_settings(), http_client=http).start_call(
        "+12065550148", parameters={"afterbeep.call_attempt_id": "5"}
    )
    assert sid == "CA" + "9" * 32
    [req] = http.requests
    assert req["method"] == "POST"
    assert req["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Calls.json"
    assert req["auth"] == (SID, TOKEN)
    assert req["data"]["To"] == "+12065550148"
    assert req["data"]["From"] == "+12065550100"
    assert req["data"]["StatusCallback"] == PUBLIC + "/twilio/status"
    stream = ET.fromstring(req["data"]["Twiml"]).find("./Connect/Stream")
    assert stream.get("url") == "wss://dialer.example.com/media/twilio"


def test_hang_up_and_redirect_update_the_call():
    http = RecordingHttp(status=200)
    calls = TwilioCalls(_settings(), http_client=http)
    calls.hang_up("CA" + "2" * 32)
    calls.redirect("CA" + "2" * 32, dial_rep_twiml("+12065550148"))
    hang, redirect = http.requests
    assert hang["uri"].endswith(f"/Calls/CA{'2' * 32}.json")
    assert hang["data"] == {"Status": "completed"}
    assert "<Dial>+12065550148</Dial>" in redirect["data"]["Twiml"]


def test_twilio_refusals_become_carrier_errors_and_missing_credentials_config_errors():
    with pytest.raises(CarrierError, match="could not start the call"):
        TwilioCalls(_settings(), http_client=RecordingHttp(status=400)).start_call("+12065550148")
    with pytest.raises(ConfigError, match="AFTERBEEP_TWILIO_ACCOUNT_SID"):
        TwilioCalls(load_telephony_settings({}, environ={}))


def test_stream_again_brings_the_call_back_to_the_media_stream_for_the_reps_drop():
    from afterbeep.telephony.engine import MODE_PARAMETER, REP_DROP

    http = RecordingHttp(status=200)
    calls = TwilioCalls(_settings(), http_client=http)
    calls.stream_again(
        "CA" + "3" * 32, {"afterbeep.call_attempt_id": "5", MODE_PARAMETER: REP_DROP}
    )
    [req] = http.requests
    assert req["uri"].endswith(f"/Calls/CA{'3' * 32}.json")
    stream = ET.fromstring(req["data"]["Twiml"]).find("./Connect/Stream")
    assert stream.get("url") == "wss://dialer.example.com/media/twilio"
    sent = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert sent == {"afterbeep.call_attempt_id": "5", MODE_PARAMETER: REP_DROP}


def test_the_reps_drop_goes_to_the_calls_own_carrier_or_says_it_cannot():
    from types import SimpleNamespace

    from afterbeep.telephony.rest import CarrierCallControls, RestCallControl

    class NoStreamAgain:
        def transfer(self, call_id, to): ...

        def hang_up(self, call_id): ...

    timeline = SimpleNamespace(carrier="other", call_id="x1", parameters={})
    with pytest.raises(CarrierError, match="not supported yet"):
        RestCallControl(NoStreamAgain()).take_back_for_drop(timeline, {})
    http = RecordingHttp(status=200)
    controls = CarrierCallControls(
        {"twilio": RestCallControl(TwilioCalls(_settings(), http_client=http))}
    )
    assert controls.take_back_for_drop(SimpleNamespace(carrier="sim", call_id="x"), {}) is False
    twilio_call = SimpleNamespace(carrier="twilio", call_id="CA" + "4" * 32, parameters={})
    assert controls.take_back_for_drop(twilio_call, {"afterbeep.mode": "drop"}) is True
    assert len(http.requests) == 1


def test_a_watched_hand_over_dials_the_rep_with_a_copy_of_the_prospects_audio():
    from afterbeep.telephony.engine import MODE_PARAMETER, WATCH
    from afterbeep.telephony.rest import WATCH_STREAM_NAME

    http = RecordingHttp(status=200)
    calls = TwilioCalls(_settings(), http_client=http)
    call = "CA" + "5" * 32
    calls.transfer_watched(call, "+12065550111", {"afterbeep.campaign": "2", MODE_PARAMETER: WATCH})
    [req] = http.requests
    assert req["uri"].endswith(f"/Calls/{call}.json")
    root = ET.fromstring(req["data"]["Twiml"])
    # The copy starts before the rep is dialled, so it runs while they talk.
    assert [child.tag for child in root] == ["Start", "Dial"]
    stream = root.find("./Start/Stream")
    assert stream.get("url") == "wss://dialer.example.com/media/twilio"
    assert stream.get("track") == "inbound_track"
    assert stream.get("name") == WATCH_STREAM_NAME
    sent = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert sent == {"afterbeep.campaign": "2", MODE_PARAMETER: WATCH}
    assert root.find("Dial").text == "+12065550111"


def test_stopping_the_copy_updates_its_stream_and_a_refusal_is_a_carrier_error():
    call, stream = "CA" + "6" * 32, "MZ" + "7" * 32
    http = RecordingHttp(status=200)
    TwilioCalls(_settings(), http_client=http).stop_stream(call, stream)
    [req] = http.requests
    assert req["method"] == "POST"
    assert req["uri"].endswith(f"/Calls/{call}/Streams/{stream}.json")
    assert req["data"] == {"Status": "stopped"}
    with pytest.raises(CarrierError, match=f"could not stop stream {stream}"):
        TwilioCalls(_settings(), http_client=RecordingHttp(status=404)).stop_stream(call, stream)


def test_the_watched_hand_over_falls_back_to_a_plain_one_where_no_copy_can_be_made():
    from types import SimpleNamespace

    from afterbeep.telephony.rest import CarrierCallControls, RestCallControl

    class PlainCalls:
        def __init__(self):
            self.done = []

        def transfer(self, call_id, to):
            self.done.append(("transfer", call_id, to))

        def hang_up(self, call_id):
            self.done.append(("hang_up", call_id))

    rep = {"afterbeep.rep_number": "+12065550111"}
    with_rep = SimpleNamespace(carrier="telnyx", call_id="v3:a", parameters=rep)
    plain = PlainCalls()
    assert RestCallControl(plain).hand_over_watched(with_rep, {}) is False
    RestCallControl(plain).stop_watching(with_rep, "stream-1")  # nothing to stop
    assert plain.done == [("transfer", "v3:a", "+12065550111")]
    # Twilio copies the call; with no rep's number the call is hung up, as for act().
    http = RecordingHttp(status=200)
    controls = CarrierCallControls(
        {"twilio": RestCallControl(TwilioCalls(_settings(), http_client=http))}
    )
    twilio_call = SimpleNamespace(carrier="twilio", call_id="CA" + "8" * 32, parameters=rep)
    assert controls.hand_over_watched(twilio_call, {"afterbeep.mode": "watch"}) is True
    assert "<Start>" in http.requests[-1]["data"]["Twiml"]
    no_rep = SimpleNamespace(carrier="twilio", call_id="CA" + "9" * 32, parameters={})
    assert controls.hand_over_watched(no_rep, {"afterbeep.mode": "watch"}) is False
    assert http.requests[-1]["data"] == {"Status": "completed"}
    controls.stop_watching(twilio_call, "MZ1")
    assert http.requests[-1]["uri"].endswith("/Streams/MZ1.json")
    # Calls of no configured carrier (simulated ones) are left alone.
    sim = SimpleNamespace(carrier="sim", call_id="x", parameters=rep)
    assert controls.hand_over_watched(sim, {}) is False
    controls.stop_watching(sim, "MZ2")
    assert len(http.requests) == 3

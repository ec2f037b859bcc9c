"""Plivo's side outside the media stream: V3-signed webhooks, Plivo XML, Voice API requests.

No carrier can be reached from a test machine: the REST adapter talks HTTP to a server on
loopback that records each request and answers as Plivo's Voice API documents. Webhooks are
signed with Plivo's own SDK, as Plivo signs them.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from plivo.utils.signature_v3 import construct_post_url, get_signature_v3
from telephony_helpers import FakeCarrierApi, serve_api

from afterbeep.errors import CarrierError, ConfigError
from afterbeep.settings import Settings
from afterbeep.telephony import (
    CallTimeline,
    CarrierCallControls,
    PlivoCalls,
    PlivoSerializer,
    RestCallControl,
    StreamStarted,
    TelephonySettings,
    dial_xml,
    stream_xml,
    verify_plivo_signature,
)
from afterbeep.web.app import create_app

PUBLIC = "https://dialer.example.com"
AUTH_ID = "MAXXXXXXXXXXXXXXXXXX"
TOKEN = "plivo-auth-token-0123456789abcdef"
GONE = "3a2e4c90-dcee-4931-8a59-f123ab507e60"


def _sign(url: str, form: dict[str, str], nonce: str = "12345678901234567890", token=TOKEN):
    base = construct_post_url(url, dict(form))
    signature = get_signature_v3(token.encode(), base, nonce.encode())
    return {"X-Plivo-Signature-V3": signature.decode(), "X-Plivo-Signature-V3-Nonce": nonce}


FORM = {
    "CallUUID": "e8e9a8b2-2a3e-11ef-8a4c-0242ac110002",
    "CallStatus": "completed",
    "Direction": "outbound",
    "From": "12065550100",
    "To": "12065550148",
}


def test_a_request_signed_by_plivo_verifies_and_anything_else_does_not():
    url = PUBLIC + "/plivo/status"
    headers = _sign(url, FORM)
    signature, nonce = headers["X-Plivo-Signature-V3"], headers["X-Plivo-Signature-V3-Nonce"]
    assert verify_plivo_signature(url, FORM, signature, nonce, auth_token=TOKEN)
    assert not verify_plivo_signature(url, {**FORM, "To": "1"}, signature, nonce, auth_token=TOKEN)
    assert not verify_plivo_signature(url + "?x=1", FORM, signature, nonce, auth_token=TOKEN)
    assert not verify_plivo_signature(url, FORM, signature, "other-nonce", auth_token=TOKEN)
    assert not verify_plivo_signature(url, FORM, signature, nonce, auth_token="not-the-token")
    assert not verify_plivo_signature(url, FORM, None, nonce, auth_token=TOKEN)
    assert not verify_plivo_signature(url, FORM, signature, None, auth_token=TOKEN)
    assert not verify_plivo_signature("not a url", FORM, signature, nonce, auth_token=TOKEN)


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(
        public_url=PUBLIC, plivo_auth_id=AUTH_ID, plivo_auth_token=TOKEN
    )
    return TestClient(app)


def test_a_signed_hangup_callback_is_accepted_and_kept(client):
    headers = _sign(PUBLIC + "/plivo/status", FORM)
    response = client.post("/plivo/status", data=FORM, headers=headers)
    assert response.status_code == 204
    status = client.app.state.call_statuses[-1]
    assert (status["carrier"], status["call_sid"], status["status"]) == (
        "plivo",
        FORM["CallUUID"],
        "completed",
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Plivo-Signature-V3": "c2lnbmF0dXJl"},
        _sign(PUBLIC + "/plivo/status", FORM, token="someone-else"),
        _sign(PUBLIC + "/plivo/answer", FORM),  # signed for another address
    ],
    ids=["unsigned", "no-nonce", "forged", "other-url"],
)
def test_unsigned_or_forged_plivo_webhooks_get_403(client, headers):
    response = client.post("/plivo/status", data=FORM, headers=headers)
    assert response.status_code == 403
    assert "X-Plivo-Signature-V3" in response.json()["detail"]
    assert not client.app.state.__dict__.get("call_statuses")


def test_plivo_webhooks_are_refused_when_no_token_is_configured(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(public_url=PUBLIC)
    headers = _sign(PUBLIC + "/plivo/status", FORM)
    response = TestClient(app).post("/plivo/status", data=FORM, headers=headers)
    assert response.status_code == 403
    assert "no Plivo auth token" in response.json()["detail"]


def test_the_answer_url_streams_the_call_and_the_stream_carries_our_parameters(client):
    query = urlencode({"afterbeep.call_attempt_id": "41", "afterbeep.rep_number": "+12065550199"})
    path = "/plivo/answer?" + query
    response = client.post(path, data=FORM, headers=_sign(PUBLIC + path, FORM))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    stream = ET.fromstring(response.text).find("Stream")
    assert stream is not None
    assert stream.text == "wss://dialer.example.com/media/plivo"
    assert stream.get("bidirectional") == "true"
    assert stream.get("keepCallAlive") == "true"
    assert stream.get("contentType") == "audio/x-mulaw;rate=8000"
    # Plivo hands extraHeaders back in the stream's start event.
    start = {
        "event": "start",
        "sequenceNumber": 0,
        "start": {
            "callId": FORM["CallUUID"],
            "streamId": "20170ada-f610-433b-8758-c02a2aab3662",
            "accountId": AUTH_ID,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000},
        },
        "extra_headers": stream.get("extraHeaders"),
    }
    [started] = PlivoSerializer().decode(json.dumps(start))
    assert isinstance(started, StreamStarted)
    assert started.parameters == {
        "afterbeep.call_attempt_id": "41",
        "afterbeep.rep_number": "+12065550199",
    }


def test_the_dial_url_hands_the_call_to_the_rep_and_checks_the_number(client):
    path = "/plivo/dial?" + urlencode({"to": "+12065550199"})
    response = client.post(path, data=FORM, headers=_sign(PUBLIC + path, FORM))
    assert response.status_code == 200
    number = ET.fromstring(response.text).find("Dial/Number")
    assert number is not None
    assert number.text == "+12065550199"
    path = "/plivo/dial?to=nobody"
    response = client.post(path, data=FORM, headers=_sign(PUBLIC + path, FORM))
    assert response.status_code == 422
    assert "to:" in response.json()["detail"]


def test_xml_shapes_and_parameters_plivo_cannot_carry():
    assert ET.fromstring(dial_xml("+12065550199")).find("Dial/Number").text == "+12065550199"
    with pytest.raises(ConfigError, match="wss://"):
        stream_xml("https://dialer.example.com/media/plivo")
    with pytest.raises(ConfigError, match="extraHeaders"):
        stream_xml("wss://x/media/plivo", {"afterbeep.note": "a,b"})


# ---- the Voice API over HTTP on loopback ---------------------------------------------------


class _FakePlivo(FakeCarrierApi):
    """Plivo's Voice API as documented: a call is fired (201, request_uuid), a transfer is
    accepted (202), a hangup answers 204; a call that is gone answers 404."""

    def _checked(self) -> bool:
        request = self.read_request()
        expected = "Basic " + base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
        if request["headers"].get("Authorization") != expected:
            self.answer(401, {"error": "authentication failed"})
            return False
        if GONE in self.path:
            self.answer(404, {"api_id": "x", "error": "not found"})
            return False
        return True

    def do_POST(self):
        if not self._checked():
            return
        if self.path == f"/v1/Account/{AUTH_ID}/Call/":
            self.answer(
                201,
                {
                    "api_id": "97ceeb52-58b6-11e1-86da-77300b68f8bb",
                    "message": "call fired",
                    "request_uuid": "75d8f3a4-1c72-4a1f-8c33-5c2b0e9d3a10",
                },
            )
        else:
            self.answer(202, {"api_id": "x", "message": "call transferred"})

    def do_DELETE(self):
        if self._checked():
            self.answer(204)


@pytest.fixture
def plivo_api():
    with serve_api(_FakePlivo, "/v1") as api:
        yield api


def _settings(api_url: str, **extra) -> TelephonySettings:
    values = dict(
        public_url=PUBLIC,
        plivo_auth_id=AUTH_ID,
        plivo_auth_token=TOKEN,
        plivo_from_number="+12065550100",
        plivo_api_url=api_url,
    )
    return TelephonySettings(**{**values, **extra})


def test_start_call_fires_a_call_whose_answer_url_carries_the_parameters(plivo_api):
    url, requests = plivo_api
    calls = PlivoCalls(_settings(url))
    request_uuid = calls.start_call("+12065550148", parameters={"afterbeep.call_attempt_id": "41"})
    assert request_uuid == "75d8f3a4-1c72-4a1f-8c33-5c2b0e9d3a10"
    [request] = requests
    assert (request["method"], request["path"]) == ("POST", f"/v1/Account/{AUTH_ID}/Call/")
    body = request["body"]
    assert (body["from"], body["to"]) == ("12065550100", "12065550148")
    assert body["answer_url"] == PUBLIC + "/plivo/answer?afterbeep.call_attempt_id=41"
    assert (body["answer_method"], body["hangup_method"]) == ("POST", "POST")
    assert body["hangup_url"] == PUBLIC + "/plivo/status"


def test_call_control_transfers_a_person_to_the_rep_and_hangs_up_the_rest(plivo_api):
    url, requests = plivo_api
    control = CarrierCallControls({"plivo": RestCallControl(PlivoCalls(_settings(url)))})
    rep = {"afterbeep.rep_number": "+12065550199"}
    live = CallTimeline("plivo", "call-1", "s1", rep, datetime.now(UTC))
    control.act(live, "connect")
    control.act(live, "skip")
    assert [(r["method"], r["path"], r["body"]) for r in requests] == [
        (
            "POST",
            f"/v1/Account/{AUTH_ID}/Call/call-1/",
            {
                "legs": "aleg",
                "aleg_url": PUBLIC + "/plivo/dial?to=%2B12065550199",
                "aleg_method": "POST",
            },
        ),
        ("DELETE", f"/v1/Account/{AUTH_ID}/Call/call-1/", None),
    ]


def test_plivo_refusals_and_unreachable_apis_become_carrier_errors(plivo_api):
    url, _ = plivo_api
    with pytest.raises(CarrierError, match="HTTP 404 \\(not found\\)"):
        PlivoCalls(_settings(url)).hang_up(GONE)
    with pytest.raises(CarrierError, match="authentication failed"):
        PlivoCalls(_settings(url, plivo_auth_token="wrong")).start_call("+12065550148")
    with pytest.raises(CarrierError, match="could not start the call"):
        PlivoCalls(_settings("http://127.0.0.1:9/v1")).start_call("+12065550148")


def test_missing_plivo_settings_are_config_errors_naming_them():
    with pytest.raises(ConfigError, match="AFTERBEEP_PLIVO_AUTH_ID"):
        PlivoCalls(TelephonySettings(public_url=PUBLIC))
    with pytest.raises(ConfigError, match="AFTERBEEP_PUBLIC_URL"):
        PlivoCalls(TelephonySettings(plivo_auth_id=AUTH_ID, plivo_auth_token=TOKEN))
    with pytest.raises(ConfigError, match="AFTERBEEP_PLIVO_FROM_NUMBER"):
        PlivoCalls(_settings("http://127.0.0.1:9/v1", plivo_from_number=None)).start_call(
            "+12065550148"
        )


def test_the_reps_drop_brings_the_call_back_to_the_answer_url_with_the_drop_mode(plivo_api):
    url, requests = plivo_api
    control = CarrierCallControls({"plivo": RestCallControl(PlivoCalls(_settings(url)))})
    live = CallTimeline("plivo", "call-1", "s1", {}, datetime.now(UTC))
    assert control.take_back_for_drop(live, {"afterbeep.campaign": "3", "afterbeep.mode": "drop"})
    [request] = requests
    assert (request["method"], request["path"]) == ("POST", f"/v1/Account/{AUTH_ID}/Call/call-1/")
    assert request["body"] == {
        "legs": "aleg",
        "aleg_url": PUBLIC + "/plivo/answer?afterbeep.campaign=3&afterbeep.mode=drop",
        "aleg_method": "POST",
    }

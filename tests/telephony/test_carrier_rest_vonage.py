"""Vonage's side outside the media stream: signed webhooks, the answer NCCO, Voice API requests.

No carrier can be reached from a test machine: the REST adapter talks HTTP to a server on
loopback that checks the application JWT and answers as Vonage's Voice API documents.
Webhooks are signed as Vonage signs them: an HS256 JWT over the body's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from fastapi.testclient import TestClient
from telephony_helpers import FakeCarrierApi, serve_api

from afterbeep.errors import CarrierError, ConfigError
from afterbeep.settings import Settings
from afterbeep.telephony import (
    CallTimeline,
    CarrierCallControls,
    RestCallControl,
    StreamStarted,
    TelephonySettings,
    VonageCalls,
    VonageSerializer,
    verify_vonage_signature,
)
from afterbeep.web.app import create_app

PUBLIC = "https://dialer.example.com"
SECRET = "vonage-signature-secret-0123456789"
APPLICATION = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
GONE = "00000000-0000-0000-0000-00000000dead"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = _KEY.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
PUBLIC_PEM = _KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def _signed(body: bytes, *, secret: str = SECRET, iat: int | None = None, hashed=True) -> dict:
    claims = {"iat": int(time.time()) if iat is None else iat, "jti": "j1", "api_key": "k"}
    if hashed:
        claims["payload_hash"] = hashlib.sha256(body).hexdigest()
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm="HS256")}


EVENT = json.dumps(
    {
        "uuid": "63f61863-4a51-4f6b-86e1-46edebcf9356",
        "conversation_uuid": "CON-f972836a-550f-45fa-956c-12a2ab5b7d22",
        "status": "answered",
        "direction": "outbound",
        "timestamp": "2026-11-23T15:00:00.000Z",
    }
).encode()


def test_a_webhook_signed_with_the_secret_over_this_body_verifies():
    auth = _signed(EVENT)["Authorization"]
    assert verify_vonage_signature(EVENT, auth, signature_secret=SECRET)


@pytest.mark.parametrize(
    ("body", "authorization"),
    [
        (EVENT + b" ", _signed(EVENT)["Authorization"]),  # body changed after signing
        (EVENT, _signed(EVENT, secret="someone-else-s-signature-secret-0000")["Authorization"]),
        (EVENT, _signed(EVENT, iat=int(time.time()) - 3600)["Authorization"]),  # a replay
        (EVENT, _signed(EVENT, hashed=False)["Authorization"]),  # a body nobody vouched for
        (EVENT, None),
        (EVENT, "Basic dXNlcjpwYXNz"),
        (EVENT, "Bearer not-a-jwt"),
    ],
)
def test_changed_foreign_stale_or_malformed_signatures_fail(body, authorization):
    assert not verify_vonage_signature(body, authorization, signature_secret=SECRET)


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(public_url=PUBLIC, vonage_signature_secret=SECRET)
    return TestClient(app)


def test_a_signed_event_is_accepted_and_kept(client):
    response = client.post("/vonage/event", content=EVENT, headers=_signed(EVENT))
    assert response.status_code == 204
    status = client.app.state.call_statuses[-1]
    assert (status["carrier"], status["status"]) == ("vonage", "answered")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        _signed(EVENT, secret="a-forged-signature-secret-000000000"),
        _signed(EVENT, iat=int(time.time()) - 600),
    ],
    ids=["unsigned", "forged", "stale"],
)
def test_unsigned_forged_or_stale_vonage_webhooks_get_403(client, headers):
    response = client.post("/vonage/event", content=EVENT, headers=headers)
    assert response.status_code == 403
    assert "Vonage JWT" in response.json()["detail"]
    assert not client.app.state.__dict__.get("call_statuses")


def test_vonage_webhooks_are_refused_when_no_secret_is_configured(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(public_url=PUBLIC)
    response = TestClient(app).post("/vonage/event", content=EVENT, headers=_signed(EVENT))
    assert response.status_code == 403
    assert "no Vonage signature secret" in response.json()["detail"]


def test_the_answer_ncco_connects_the_call_and_the_stream_names_it(client):
    query = urlencode(
        {
            "uuid": "63f61863-4a51-4f6b-86e1-46edebcf9356",
            "conversation_uuid": "CON-1",
            "afterbeep.call_attempt_id": "41",
        }
    )
    response = client.get("/vonage/answer?" + query, headers=_signed(b""))
    assert response.status_code == 200
    [connect] = response.json()
    [endpoint] = connect["endpoint"]
    assert connect["action"] == "connect"
    assert endpoint["type"] == "websocket"
    assert endpoint["uri"] == "wss://dialer.example.com/media/vonage"
    assert endpoint["content-type"] == "audio/l16;rate=8000"
    # Vonage opens the websocket with these headers in its first message.
    opening = {
        "event": "websocket:connected",
        "content-type": endpoint["content-type"],
        **endpoint["headers"],
    }
    [started] = VonageSerializer().decode(json.dumps(opening))
    assert isinstance(started, StreamStarted)
    assert started.call_id == "63f61863-4a51-4f6b-86e1-46edebcf9356"
    assert started.parameters["afterbeep.call_attempt_id"] == "41"
    # An answer request must name the call; an unsigned one is refused.
    assert client.get("/vonage/answer", headers=_signed(b"")).status_code == 422
    assert client.get("/vonage/answer?" + query).status_code == 403


# ---- the Voice API over HTTP on loopback ---------------------------------------------------


class _FakeVonage(FakeCarrierApi):
    """Vonage's Voice API as documented: a created call answers 201 with its uuid, a
    modification 204; the application JWT must verify with the application's public key."""

    def _handle(self) -> None:
        request = self.read_request()
        token = request["headers"].get("Authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, PUBLIC_PEM, algorithms=["RS256"])
        except jwt.PyJWTError:
            claims = None
        request["claims"] = claims
        if claims is None or claims.get("application_id") != APPLICATION:
            self.answer(401, {"title": "Invalid credentials", "type": "unauthorized"})
        elif GONE in self.path:
            self.answer(404, {"title": "Not Found", "detail": "Call not found"})
        elif self.command == "POST":
            self.answer(
                201,
                {
                    "uuid": "63f61863-4a51-4f6b-86e1-46edebcf9356",
                    "status": "started",
                    "direction": "outbound",
                    "conversation_uuid": "CON-f972836a-550f-45fa-956c-12a2ab5b7d22",
                },
            )
        else:
            self.answer(204)

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()


@pytest.fixture
def vonage_api():
    with serve_api(_FakeVonage, "/v1") as api:
        yield api


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "private.key"
    path.write_text(PRIVATE_PEM)
    return str(path)


def _settings(api_url: str, key_file: str, **extra) -> TelephonySettings:
    values = dict(
        public_url=PUBLIC,
        vonage_application_id=APPLICATION,
        vonage_private_key_path=key_file,
        vonage_from_number="+12065550100",
        vonage_api_url=api_url,
    )
    return TelephonySettings(**{**values, **extra})


def test_start_call_creates_a_call_answered_by_our_ncco(vonage_api, key_file):
    url, requests = vonage_api
    calls = VonageCalls(_settings(url, key_file))
    uuid = calls.start_call("+12065550148", parameters={"afterbeep.call_attempt_id": "41"})
    assert uuid == "63f61863-4a51-4f6b-86e1-46edebcf9356"
    [request] = requests
    assert (request["method"], request["path"]) == ("POST", "/v1/calls")
    assert request["claims"]["application_id"] == APPLICATION
    assert request["claims"]["exp"] > request["claims"]["iat"]
    body = request["body"]
    assert body["to"] == [{"type": "phone", "number": "12065550148"}]
    assert body["from"] == {"type": "phone", "number": "12065550100"}
    assert body["answer_url"] == [PUBLIC + "/vonage/answer?afterbeep.call_attempt_id=41"]
    assert body["answer_method"] == "GET"
    assert body["event_url"] == [PUBLIC + "/vonage/event"]


def test_call_control_transfers_a_person_to_the_rep_and_hangs_up_the_rest(vonage_api, key_file):
    url, requests = vonage_api
    control = CarrierCallControls(
        {"vonage": RestCallControl(VonageCalls(_settings(url, key_file)))}
    )
    rep = {"afterbeep.rep_number": "+12065550199"}
    live = CallTimeline("vonage", "call-1", "s1", rep, datetime.now(UTC))
    control.act(live, "connect")
    control.act(live, "drop")
    assert [(r["method"], r["path"], r["body"]) for r in requests] == [
        (
            "PUT",
            "/v1/calls/call-1",
            {
                "action": "transfer",
                "destination": {
                    "type": "ncco",
                    "ncco": [
                        {
                            "action": "connect",
                            "endpoint": [{"type": "phone", "number": "12065550199"}],
                        }
                    ],
                },
            },
        ),
        ("PUT", "/v1/calls/call-1", {"action": "hangup"}),
    ]


def test_vonage_refusals_and_unreachable_apis_become_carrier_errors(vonage_api, key_file):
    url, _ = vonage_api
    with pytest.raises(CarrierError, match="HTTP 404 \\(Not Found - Call not found\\)"):
        VonageCalls(_settings(url, key_file)).hang_up(GONE)
    with pytest.raises(CarrierError, match="Invalid credentials"):
        VonageCalls(_settings(url, key_file, vonage_application_id="other")).start_call(
            "+12065550148"
        )
    with pytest.raises(CarrierError, match="could not start the call"):
        VonageCalls(_settings("http://127.0.0.1:9/v1", key_file)).start_call("+12065550148")


def test_missing_or_unusable_vonage_settings_are_config_errors_naming_them(tmp_path, key_file):
    with pytest.raises(ConfigError, match="AFTERBEEP_VONAGE_APPLICATION_ID"):
        VonageCalls(TelephonySettings(public_url=PUBLIC))
    with pytest.raises(ConfigError, match="cannot read it"):
        VonageCalls(_settings("http://x/v1", str(tmp_path / "missing.key")))
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("hello")
    with pytest.raises(ConfigError, match="PEM private key"):
        VonageCalls(_settings("http://x/v1", str(not_a_key)))
    with pytest.raises(ConfigError, match="AFTERBEEP_VONAGE_FROM_NUMBER"):
        VonageCalls(_settings("http://x/v1", key_file, vonage_from_number=None)).start_call(
            "+12065550148"
        )


def test_the_reps_drop_transfers_the_call_back_to_our_websocket(vonage_api, key_file):
    url, requests = vonage_api
    control = CarrierCallControls(
        {"vonage": RestCallControl(VonageCalls(_settings(url, key_file)))}
    )
    live = CallTimeline("vonage", "call-1", "s1", {}, datetime.now(UTC))
    assert control.take_back_for_drop(live, {"afterbeep.mode": "drop"})
    [request] = requests
    assert (request["method"], request["path"]) == ("PUT", "/v1/calls/call-1")
    [connect] = request["body"]["destination"]["ncco"]
    assert request["body"]["action"] == "transfer"
    [endpoint] = connect["endpoint"]
    assert endpoint["uri"] == "wss://dialer.example.com/media/vonage"
    assert endpoint["headers"] == {"afterbeep.mode": "drop", "call_uuid": "call-1"}

"""The rep's call controls (POST /calls/drop, POST /calls/timelines), the engine's figures
(GET /calls/stats) and the simulated sessions (/calls/simulate): open to this machine alone
while no control token is set, and to the token's bearer once one is."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from afterbeep.errors import ConfigError
from afterbeep.settings import Settings
from afterbeep.telephony import TelephonySettings
from afterbeep.telephony.config import load_telephony_settings
from afterbeep.web.app import create_app

TOKEN = "rep-desk-" + "4" * 24
DROP = ("/calls/drop", {"carrier": "twilio", "call_id": "CA-none"})
TIMELINES = ("/calls/timelines", {"call_ids": ["CA-none"]})
# Through the guard, a carrier the simulator does not speak is refused by the route (422).
SIMULATE = ("/calls/simulate", {"calls": 2, "carrier": "morse"})
THROUGH = (200, 404, 422)


def _client(tmp_path, *, host, token=None, headers=None):
    app = create_app(Settings(data_dir=tmp_path))
    app.state.telephony = TelephonySettings(control_token=token)
    return TestClient(app, client=(host, 50123), headers=headers or {})


@pytest.mark.parametrize(("path", "body"), [DROP, TIMELINES, SIMULATE])
def test_without_a_token_only_this_machine_may_use_the_call_controls(tmp_path, path, body):
    with _client(tmp_path, host="127.0.0.1") as here, _client(tmp_path, host="::1") as here6:
        # Through to the route: an unknown call, or no timelines.
        assert here.post(path, json=body).status_code in THROUGH
        assert here6.post(path, json=body).status_code in THROUGH
    with _client(tmp_path, host="203.0.113.9") as there:
        refused = there.post(path, json=body)
    assert refused.status_code == 403
    assert "control token" in refused.json()["detail"]


@pytest.mark.parametrize(("path", "body"), [DROP, TIMELINES, SIMULATE])
@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer rep-desk-" + "5" * 24, 401),
        (f"Basic {TOKEN}", 401),
        (f"Bearer {TOKEN}", None),
        (f"bearer  {TOKEN}", None),
    ],
)
def test_with_a_token_every_client_must_bear_it(tmp_path, path, body, authorization, status):
    headers = {"Authorization": authorization} if authorization else {}
    # This machine too: a token, once set, is the only way in.
    for host in ("203.0.113.9", "127.0.0.1"):
        with _client(tmp_path, host=host, token=TOKEN, headers=headers) as client:
            answer = client.post(path, json=body)
        if status is None:
            assert answer.status_code in THROUGH, answer.text
        else:
            assert answer.status_code == status
            assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_the_engines_figures_are_a_call_control_too(tmp_path):
    with _client(tmp_path, host="127.0.0.1") as here:
        answer = here.get("/calls/stats")
    assert answer.status_code == 200
    figures = answer.json()
    assert figures["streams_open"] == 0
    assert figures["timelines"] == 0
    detection = figures["detection"]
    assert (detection["detector"], detection["active_calls"], detection["frames_fed"]) == (
        "afterbeep",
        0,
        0,
    )
    assert "recognition" not in detection  # the live engine's default: no recognition
    with _client(tmp_path, host="203.0.113.9") as there:
        assert there.get("/calls/stats").status_code == 403
    with _client(tmp_path, host="203.0.113.9", token=TOKEN) as there:
        assert there.get("/calls/stats").status_code == 401


def test_following_a_simulated_session_is_a_call_control_too(tmp_path):
    path = "/calls/simulate/nope"
    with _client(tmp_path, host="127.0.0.1") as here:
        assert here.get(path).status_code == 404
    with _client(tmp_path, host="203.0.113.9") as there:
        assert there.get(path).status_code == 403
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with _client(tmp_path, host="203.0.113.9", token=TOKEN, headers=bearer) as there:
        assert there.get(path).status_code == 404
    with _client(tmp_path, host="127.0.0.1", token=TOKEN) as here:
        assert here.get(path).status_code == 401


def test_the_calls_page_asks_for_the_token_only_when_one_is_set(tmp_path):
    with _client(tmp_path, host="127.0.0.1") as here:
        assert 'id="token"' not in here.get("/calls").text
    with _client(tmp_path, host="203.0.113.9", token=TOKEN) as there:
        page = there.get("/calls")
    assert page.status_code == 200  # the page itself is open; what it starts is not
    assert 'id="token"' in page.text
    assert TOKEN not in page.text


def test_a_short_control_token_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("AFTERBEEP_CONTROL_TOKEN", "short")
    with pytest.raises(ConfigError, match="control_token"):
        load_telephony_settings()

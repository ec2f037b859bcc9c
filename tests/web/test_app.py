import pytest
from fastapi.testclient import TestClient

from afterbeep.errors import InvalidInput
from afterbeep.settings import Settings
from afterbeep.web import create_app, error_body


def _client(tmp_path) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path)))


def test_health(tmp_path):
    response = _client(tmp_path).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_invalid_input_becomes_json_with_its_location():
    body = error_body(InvalidInput("expected UTF-8", source="leads.csv", line=3))
    assert body == {
        "error": "InvalidInput",
        "message": "leads.csv, line 3: expected UTF-8",
        "source": "leads.csv",
        "line": 3,
    }


def test_studio_page_is_served(tmp_path):
    response = _client(tmp_path).get("/")
    assert response.status_code == 200
    assert "Script studio" in response.text
    assert "/static/studio.js" in response.text


def test_health_says_recognition_is_off_by_default(tmp_path):
    with _client(tmp_path) as client:
        assert client.get("/healthz").json()["recognition"] == "off"
        assert getattr(client.app.state, "media_engine", None) is None  # made at first call


@pytest.mark.slow
def test_with_recognition_the_model_loads_at_start_and_health_says_when_it_is_ready(
    tmp_path, monkeypatch
):
    import time

    monkeypatch.setenv("AFTERBEEP_TELEPHONY_ASR", "true")
    with _client(tmp_path) as client:
        # The media engine is made at start-up, not at the first call, so the model loads
        # before calls come; health says "loading" meanwhile.
        assert client.app.state.media_engine.hub.recognises
        states = []
        for _ in range(600):
            states.append(client.get("/healthz").json()["recognition"])
            if states[-1] == "ready":
                break
            time.sleep(0.1)
        assert states[-1] == "ready"
        assert set(states) <= {"loading", "ready"}

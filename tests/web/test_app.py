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

"""The /calls page: a newcomer starts a simulated calling session and watches the outcomes."""

from __future__ import annotations

import time

import httpx
import pytest


def test_the_calls_page_offers_a_simulated_session(live_server):
    page = httpx.get(live_server.base + "/calls", timeout=10)
    assert page.status_code == 200
    assert 'id="start"' in page.text
    assert "calls.js" in page.text
    script = httpx.get(live_server.base + "/static/calls.js", timeout=10)
    assert "/calls/simulate" in script.text


def test_bad_session_requests_are_refused_with_the_reason(live_server):
    response = httpx.post(live_server.base + "/calls/simulate", json={"calls": 0}, timeout=10)
    assert response.status_code == 422
    response = httpx.post(
        live_server.base + "/calls/simulate", json={"calls": 2, "carrier": "morse"}, timeout=10
    )
    assert response.status_code == 422
    assert "carrier must be one of" in response.text
    assert httpx.get(live_server.base + "/calls/simulate/nope", timeout=10).status_code == 404


@pytest.mark.slow
def test_a_simulated_session_runs_against_the_app_itself(live_server):
    started = httpx.post(live_server.base + "/calls/simulate", json={"calls": 4}, timeout=10)
    assert started.status_code == 200
    run_id = started.json()["id"]
    deadline = time.monotonic() + 180
    while True:
        run = httpx.get(f"{live_server.base}/calls/simulate/{run_id}", timeout=10).json()
        if run["state"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert run["state"] == "done", run.get("error")
    assert len(run["results"]) == 4
    # The app's engine runs the oracle detector in this fixture: every action is right.
    assert all(r["correct"] for r in run["results"])
    assert run["summary"]["early_starts"] == 0


def test_the_page_offers_the_simulated_reps_drop_and_the_session_takes_it(live_server):
    page = httpx.get(live_server.base + "/calls", timeout=10)
    assert 'id="rep-drop"' in page.text
    script = httpx.get(live_server.base + "/static/calls.js", timeout=10)
    assert "rep_drop_after_ms" in script.text
    refused = httpx.post(
        live_server.base + "/calls/simulate",
        json={"calls": 1, "rep_drop_after_ms": -5},
        timeout=10,
    )
    assert refused.status_code == 422

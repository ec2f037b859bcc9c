"""The script studio page and its API, over a real socket and in a real headless Chromium."""

from __future__ import annotations

import httpx
import pytest

from afterbeep.web._scripts_api import EXAMPLE_FIELDS, EXAMPLE_SCRIPT


def test_lint_api_renders_fields_and_reports(live_server):
    response = httpx.post(
        f"{live_server}/api/lint",
        json={"text": EXAMPLE_SCRIPT, "fields": EXAMPLE_FIELDS, "caller_id": "206-555-0148"},
    )
    assert response.status_code == 200
    report = response.json()
    assert "Hi Dana" in report["script"]
    assert 0 <= report["score"] <= 100
    assert 10 <= report["estimated_duration_s"] <= 40
    assert {part["label"] for part in report["structure"]} >= {"greeting", "call_to_action"}
    for finding in report["findings"]:
        assert set(finding) >= {"rule", "severity", "message", "start", "end", "fix"}


def test_lint_api_names_a_missing_merge_field(live_server):
    response = httpx.post(
        f"{live_server}/api/lint", json={"text": "Hi {{ first_name }}", "fields": {}}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "InvalidInput"
    assert "first_name" in body["message"]


def test_lint_api_rejects_unknown_rule_ids(live_server):
    response = httpx.post(
        f"{live_server}/api/lint", json={"text": "Hi there.", "disable": ["no.such-rule"]}
    )
    assert response.status_code == 500
    assert "no.such-rule" in response.json()["message"]


def test_rules_api_lists_the_catalogue(live_server):
    rules = httpx.get(f"{live_server}/api/rules").json()
    assert len(rules) >= 25
    assert all("." in rule["id"] for rule in rules)


@pytest.mark.slow
def test_studio_in_a_real_browser_shows_findings_as_you_type(live_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_server + "/")
    wait = WebDriverWait(browser, 15)
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-linted"))
    score = int(browser.find_element(By.ID, "score").text)
    assert 0 <= score <= 100
    assert browser.find_element(By.ID, "duration").text.endswith(" s")
    assert "Hi Dana" in browser.find_element(By.ID, "preview").text

    # A weak script: the findings list must name the banned phrase rule once re-linted.
    editor = browser.find_element(By.ID, "script")
    editor.clear()
    editor.send_keys("Hi {{ first_name }}, just checking in. Call me back.")
    wait.until(lambda d: "phrase.checking-in" in d.find_element(By.ID, "findings").text)
    assert int(browser.find_element(By.ID, "score").text) < score

    # A missing merge field is shown as an error naming the field, not an empty gap.
    editor.send_keys(" {{ nickname }}")
    wait.until(lambda d: d.find_element(By.ID, "error").is_displayed())
    assert "nickname" in browser.find_element(By.ID, "error").text

"""The /calls page in a real headless Chromium: a simulated session's rows say what was done
with each call and, for a call that got no message, why."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_the_page_shows_each_calls_outcome_and_why_a_mailbox_got_no_message(oracle_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(oracle_server + "/calls")
    calls = browser.find_element(By.ID, "calls")
    calls.clear()
    calls.send_keys("3")
    rep = browser.find_element(By.ID, "rep-drop")
    if rep.is_selected():
        rep.click()  # no simulated rep: the engine's own actions
    browser.find_element(By.ID, "start").click()
    state = browser.find_element(By.ID, "state")
    WebDriverWait(browser, 120).until(lambda d: state.text == "done" or "failed" in state.text)
    assert state.text == "done"
    cells = [
        [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        for row in browser.find_elements(By.CSS_SELECTOR, "#rows tr")
    ]
    outcomes = {row[3]: row[4] for row in cells}  # right action -> what afterbeep did
    assert outcomes["connect"] == "connect ✓"
    assert outcomes["drop"] == "drop ✓"
    # The mailbox that takes no message: skipped, and the row says which it was.
    assert outcomes["skip"].startswith("skip (")
    assert outcomes["skip"].endswith(") ✓")
    reason = outcomes["skip"][len("skip (") : -len(") ✓")]
    assert reason in ("mailbox full", "mailbox not set up", "general mailbox")
    summary = browser.find_element(By.ID, "summary").text
    assert summary.startswith("3/3 right actions")
    assert "abandoned 0 (people not with the rep within 2 s)" in summary  # the person's in time

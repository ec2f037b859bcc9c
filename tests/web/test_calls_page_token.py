"""The /calls page of a server with a control token, in a real headless Chromium: a
simulated session starts only with the token, which the page sends as a bearer."""

from __future__ import annotations


def test_a_session_starts_only_with_the_servers_token(guarded_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, token = guarded_server
    browser.get(url + "/calls")
    wait = WebDriverWait(browser, 20)
    state = browser.find_element(By.ID, "state")
    calls = browser.find_element(By.ID, "calls")
    calls.clear()
    calls.send_keys("1")
    browser.find_element(By.ID, "start").click()
    wait.until(lambda d: "control token" in state.text)
    assert browser.find_element(By.ID, "start").is_enabled()  # the rep may try again
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "start").click()
    # Accepted, and followed with the token: the session's state, never a refusal.
    wait.until(lambda d: state.text in ("preparing", "calling", "done"))
    wait.until(lambda d: state.text in ("calling", "done"))
    assert "token" not in state.text

"""The /calls page of a server with a control token, in a real headless Chromium: a
simulated session starts only with the token, which the page sends as a bearer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from afterbeep.settings import Settings
from afterbeep.telephony import TelephonySettings
from afterbeep.web import create_app

TOKEN = "desk-token-" + "7" * 20


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from afterbeep.detect.corpus import build_corpus

    data = tmp_path_factory.mktemp("web-data")
    # A small demo corpus already there, so the session does not synthesise the full one.
    build_corpus(data / "simulator-corpus", seed=4, count=2, engines=("espeak",))
    app = create_app(Settings(data_dir=data))
    app.state.telephony = TelephonySettings(control_token=TOKEN)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("web server did not start within 10 s")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_a_session_starts_only_with_the_servers_token(guarded_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(guarded_server + "/calls")
    wait = WebDriverWait(browser, 20)
    state = browser.find_element(By.ID, "state")
    calls = browser.find_element(By.ID, "calls")
    calls.clear()
    calls.send_keys("1")
    browser.find_element(By.ID, "start").click()
    wait.until(lambda d: "control token" in state.text)
    assert browser.find_element(By.ID, "start").is_enabled()  # the rep may try again
    browser.find_element(By.ID, "token").send_keys(TOKEN)
    browser.find_element(By.ID, "start").click()
    # Accepted, and followed with the token: the session's state, never a refusal.
    wait.until(lambda d: state.text in ("preparing", "calling", "done"))
    wait.until(lambda d: state.text in ("calling", "done"))
    assert "token" not in state.text

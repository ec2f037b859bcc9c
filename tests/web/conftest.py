"""A real afterbeep web server on a loopback port, and a real headless Chromium to drive it."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from afterbeep.settings import Settings
from afterbeep.web import create_app


def _serve(app: object) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port (in a thread); yields its URL."""
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


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("web-data"))
    yield from _serve(create_app(settings))


@pytest.fixture(scope="module")
def guarded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app with a control token set, and a two-call demo corpus already in place (a
    simulated session then does not synthesise the full one): its URL and the token."""
    from afterbeep.detect.corpus import build_corpus
    from afterbeep.telephony import TelephonySettings

    data = tmp_path_factory.mktemp("web-data")
    build_corpus(data / "simulator-corpus", seed=4, count=2, engines=("espeak",))
    app = create_app(Settings(data_dir=data))
    token = "desk-token-" + "7" * 20
    app.state.telephony = TelephonySettings(control_token=token)
    for url in _serve(app):
        yield url, token


@pytest.fixture(scope="module")
def oracle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with the oracle detector (actions follow the labels) and a demo corpus of a
    person, a personal mailbox and a mailbox that takes no message, picked from a small
    synthetic corpus."""
    from afterbeep.detect.corpus import CALLS_FILE, build_corpus
    from afterbeep.telephony import EngineSettings, TelephonySettings

    data = tmp_path_factory.mktemp("calls-page")
    corpus = data / "simulator-corpus"
    build_corpus(corpus, seed=5, count=40, engines=("espeak",))
    rows = [json.loads(line) for line in (corpus / CALLS_FILE).read_text().splitlines()]
    wanted = [
        lambda r: r["answered_by"] == "human",
        lambda r: r["mailbox"] == "personal" and r["beep_end_ms"] is not None,
        lambda r: r["mailbox"] in ("full", "not_set_up", "general"),
    ]
    picked = [next(r for r in rows if want(r)) for want in wanted]
    (corpus / CALLS_FILE).write_text("".join(json.dumps(r) + "\n" for r in picked))
    app = create_app(Settings(data_dir=data))
    app.state.telephony = TelephonySettings(engine=EngineSettings(detector="oracle"))
    yield from _serve(app)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail(
            "chromium and chromedriver are required (Debian: chromium chromium-driver; make test installs them)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=driver_path)
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()

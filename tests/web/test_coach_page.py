"""The recording coach in the web app: the upload API, and recording a take in a real Chromium.

The fast tests give the app a transcriber that returns fixed words (so no speech model loads);
the slow test records through Chromium's fake microphone (a Piper-spoken take played as the
capture device) and lets the real speech model hear it.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from fastapi.testclient import TestClient
from numpy.typing import NDArray

from afterbeep.audio._coach_asr import CoachTranscript, Word
from afterbeep.audio._synth import speech_like
from afterbeep.settings import Settings
from afterbeep.web import _coach_api, create_app

RATE = 16000


class FixedWords:
    def __init__(self, words: list[Word]) -> None:
        self.words = tuple(words)

    def transcribe(self, samples: NDArray[np.float32]) -> CoachTranscript:
        return CoachTranscript(" ".join(w.text for w in self.words), self.words)


def _wav(seconds: float) -> bytes:
    audio = speech_like(seconds, sample_rate=RATE, seed=4).samples
    lead = np.zeros(RATE // 2, np.float32)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.concatenate([lead, audio, lead]), RATE, format="WAV")
    return buffer.getvalue()


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path))
    said = [
        "Hi",
        "Dana",
        "this",
        "is",
        "Sam",
        "call",
        "me",
        "at",
        "555-014-2389",
        "again",
        "555-014-2389",
    ]
    step = 5.0 / len(said)
    app.state.coach_transcriber = FixedWords(
        [Word(text, 0.5 + i * step, 0.5 + (i + 1) * step - 0.02) for i, text in enumerate(said)]
    )
    return TestClient(app)


def test_coach_api_reports_on_an_uploaded_take(client: TestClient) -> None:
    response = client.post(
        "/api/coach",
        files={"take": ("my take.wav", _wav(5.0), "audio/wav")},
        data={"first_name": "Dana", "rep_phone": "555-014-2389"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["source"] == "my take.wav"
    assert report["callback_number_mentions"] == 2
    assert report["first_name_mentions"] == 1
    assert 4.0 <= report["speech_duration_s"] <= 6.0
    assert report["verdict"] in {"ready", "fix", "re-record"}
    assert {f["check"] for f in report["findings"]} >= {"duration", "pace", "callback_number"}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", "empty"),
        (b"RIFF\x00\x00not really a wave file at all" * 10, "decode"),
    ],
)
def test_coach_api_names_the_uploaded_file_in_errors(
    client: TestClient, payload: bytes, expected: str
) -> None:
    response = client.post("/api/coach", files={"take": ("bad.wav", payload, "audio/wav")})
    assert response.status_code == 422
    body = response.json()
    assert body["source"] == "bad.wav"
    assert expected in body["message"].lower()
    assert "afterbeep-coach-" not in body["message"]  # never the temporary path


def test_coach_api_refuses_an_oversized_upload(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_coach_api, "MAX_UPLOAD_BYTES", 1024)
    response = client.post("/api/coach", files={"take": ("long.wav", _wav(3.0), "audio/wav")})
    assert response.status_code == 422
    assert "over" in response.json()["message"]


def test_coach_page_is_served_and_linked_from_the_studio(client: TestClient) -> None:
    page = client.get("/coach")
    assert page.status_code == 200
    assert 'id="record"' in page.text
    assert 'href="/coach"' in client.get("/").text


@pytest.fixture(scope="module")
def microphone_take(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from afterbeep.audio._coach_takes import RATE as PIPER_RATE
    from afterbeep.audio._coach_takes import _say, seeded_voice

    text = "Hi Dana, this is Sam with Northwind. Call me at 555-014-2389."
    speech = _say(text, 1.1, seeded_voice(0))
    silence = np.zeros(PIPER_RATE, np.float32)
    path = tmp_path_factory.mktemp("mic") / "take.wav"
    samples = np.concatenate([silence, 0.5 * speech / np.max(np.abs(speech)), silence])
    soundfile.write(path, samples, PIPER_RATE, subtype="PCM_16")
    return path


@pytest.fixture(scope="module")
def browser_with_microphone(microphone_take: Path) -> Iterator[object]:
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail("chromium and chromedriver are required (make test installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone_take}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver_path))
    yield driver
    driver.quit()


@pytest.mark.slow
def test_a_take_recorded_in_the_browser_is_coached(live_server, browser_with_microphone) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser = browser_with_microphone
    browser.get(live_server + "/coach")
    browser.find_element(By.ID, "first_name").send_keys("Dana")
    browser.find_element(By.ID, "record").click()
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.ID, "clock").text not in {"0:00", "0:01", "0:02", "0:03"}
    )
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.ID, "clock").text not in {"0:04", "0:05", "0:06"}
    )
    browser.find_element(By.ID, "stop").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "analyse").is_enabled())
    browser.find_element(By.ID, "analyse").click()
    WebDriverWait(browser, 120).until(
        lambda d: (
            d.find_element(By.ID, "verdict").text != "–"
            or d.find_element(By.ID, "error").is_displayed()
        )
    )
    assert not browser.find_element(By.ID, "error").is_displayed(), browser.find_element(
        By.ID, "error"
    ).text
    heard = browser.find_element(By.ID, "transcript").text.lower()
    # The fake microphone loops the take: the coach hears the recorded webm/opus speech.
    assert "dana" in heard
    assert "northwind" in heard or "sam" in heard
    assert browser.find_element(By.ID, "verdict").text in {"ready", "fix", "re-record"}
    assert browser.find_elements(By.CSS_SELECTOR, "#checks li")

"""The call page in real headless Chromium with a fake camera and microphone.

Chromium plays a y4m file as the camera and a WAV of the simulated patient's answer as the
microphone (looped); the page joins the call over WebRTC, shows the avatar, and captions both
sides from the data channel. `make test` installs Chromium and its driver (Debian packages).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile
import uvicorn
from tests.server.conftest import api_key

from visavis.runtime.media import resample
from visavis.server import LiveCallOptions, create_app
from visavis.store import Store

pytestmark = pytest.mark.slow


def write_y4m(path: Path, frames: int = 25, width: int = 320, height: int = 240) -> None:
    """A moving grey gradient as a camera (YUV 4:2:0)."""
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode())
        ramp = np.linspace(40, 200, width, dtype=np.uint8)
        for i in range(frames):
            fh.write(b"FRAME\n")
            fh.write(np.roll(np.tile(ramp, (height, 1)), i * 4, axis=1).tobytes())
            fh.write(np.full(width * height // 2, 128, dtype=np.uint8).tobytes())


def patient_wav(engines, path: Path) -> None:
    """Silence while the agent greets, then "Yes, this is Maria.", then silence (48 kHz)."""
    speech = engines.voice("piper", "", 0, 4.0).synthesize("Yes, this is Maria.")
    samples = resample(speech.samples, speech.sample_rate, 48000)
    audio = np.zeros(48000 * 20, dtype=np.float32)
    start = 48000 * 7
    audio[start : start + len(samples)] = samples * 0.8
    soundfile.write(str(path), audio, 48000, subtype="PCM_16")


class Server(threading.Thread):
    def __init__(self, app, port: int) -> None:
        super().__init__(daemon=True)
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )

    def run(self) -> None:
        self.server.run()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chromium(tmp_path: Path, size: tuple[int, int], *flags: str) -> Any:
    """Headless Chromium through chromedriver, its viewport exactly ``size``."""
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.fail("chromium and chromedriver are missing: `make test` installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={size[0]},{size[1]}",
        f"--user-data-dir={tmp_path / 'profile'}",
        *flags,
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    # The viewport itself at that size, whatever the window decorations take.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False},
    )
    return driver


def test_the_call_page_holds_a_call_in_headless_chromium(engines, tmp_path: Path):
    from selenium.webdriver.common.by import By

    camera, microphone = tmp_path / "camera.y4m", tmp_path / "mic.wav"
    write_y4m(camera)
    patient_wav(engines, microphone)
    port = free_port()
    database = f"sqlite:///{tmp_path / 'visavis.db'}"
    app = create_app(
        engines,
        data_dir=tmp_path,
        call_options=LiveCallOptions(video_size=256),
        database_url=database,
    )
    key = {"x-api-key": api_key(app)}
    server = Server(app, port)
    server.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{base}/v1/conversations", headers=key, timeout=1.0)
            break
        time.sleep(0.1)
    created = httpx.post(f"{base}/v1/conversations", json={}, headers=key, timeout=5.0).json()

    driver = chromium(
        tmp_path,
        (1000, 1000),
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera}",
        f"--use-file-for-fake-audio-capture={microphone}",
    )
    try:
        driver.get(created["conversation_url"])
        driver.find_element(By.ID, "start").click()
        deadline = time.monotonic() + 40
        users: list[str] = []
        while time.monotonic() < deadline:
            users = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#captions .user")]
            if any("maria" in u.lower() for u in users):
                break
            time.sleep(0.5)
        replicas = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#captions .replica")]
        assert any("maria" in u.lower() for u in users), (users, replicas)
        assert replicas, "no agent captions"
        playing = driver.execute_script(
            "const v = document.getElementById('agent');"
            "return [v.videoWidth, v.videoHeight, v.currentTime, v.paused];"
        )
        assert playing[0] == 256 and playing[1] == 256 and playing[2] > 1.0 and not playing[3]
        # `VISAVIS_SCREENSHOT=docs/call-page.png make test` refreshes the README's picture.
        driver.save_screenshot(os.environ.get("VISAVIS_SCREENSHOT", str(tmp_path / "page.png")))
        driver.find_element(By.ID, "end").click()
        time.sleep(1.0)
        status = driver.find_element(By.ID, "status").text
        assert "ended" in status.lower()
    finally:
        driver.quit()
    cid = created["conversation_id"]
    record = httpx.get(f"{base}/v1/conversations/{cid}", headers=key, timeout=5.0).json()
    assert record["status"] == "ended"
    roles = [line["role"] for line in record["transcript"]]
    assert "user" in roles and "replica" in roles
    server.server.should_exit = True
    server.join(timeout=10)
    # What the call left in the database, read with the server gone.
    with Store(database) as store:
        stored = store.transcript(cid, tenant_id="default")
        assert any(line["role"] == "user" and "maria" in line["speech"].lower() for line in stored)
        outcome = store.outcome(cid, tenant_id="default")
        assert outcome is not None and outcome.raw["patient_id"] == "maria-lopez"
        assert store.get_conversation("default", cid).end_reason == "ended_by_api"

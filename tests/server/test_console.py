"""The console (``/console``) in real headless Chromium.

The database holds a finished call, recorded the way a live call records it (utterances and
per-turn latency on a timeline, then the outcome); the console opened with the ``#key=`` link
lists it, shows its transcript, outcome and latency, creates a new call, and tells the user what
to do about a wrong key. ``VISAVIS_SCREENSHOTS=1`` also writes docs/console.png (1280x800).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.server.conftest import api_key
from tests.server.test_browser import Server, chromium, free_port

from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    BaseEvent,
    ConversationEnded,
    ConversationStarted,
    TurnLatency,
    Utterance,
)
from visavis.runtime.timeline import Timeline
from visavis.server import create_app

pytestmark = pytest.mark.slow

STATIC = Path(__file__).resolve().parents[2] / "src" / "visavis" / "server" / "static"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "console.png"

OUTCOME: dict[str, Any] = {
    "patient_id": "maria-lopez",
    "objectives_completed": ["confirm_identity", "check_symptoms", "book_follow_up"],
    "output_variables": {"check_symptoms": {"breathless": True}},
    "escalated": False,
    "escalation_reason": None,
    "follow_up_booked": True,
    "booking": {"day": "Thursday", "time": "10:30"},
    "identity_confirmed": True,
    "end_reason": "completed",
    "duration": 14.2,
    "turns": 2,
}


def latency(reply_id: str, user_end: float, v2v: float, *stages: float) -> TurnLatency:
    endpoint, asr, reply, tts = stages
    return TurnLatency(
        reply_id=reply_id,
        user_stopped_at=user_end,
        first_audio_at=user_end + v2v / 1000,
        voice_to_voice_ms=v2v,
        endpoint_ms=endpoint,
        asr_final_ms=asr,
        reply_ms=reply,
        tts_first_audio_ms=tts,
    )


async def recorded_call(conversation_id: str) -> list[BaseEvent]:
    """A short finished call on a timeline (time, seq and turn set as a live call sets them)."""
    clock = VirtualClock()
    timeline = Timeline(clock)
    script: list[tuple[float, BaseEvent]] = [
        (
            0.0,
            ConversationStarted(
                conversation_id=conversation_id, persona="post_discharge", clock="virtual"
            ),
        ),
        (
            2.4,
            Utterance(
                role="replica",
                speech="Hello, this is Ava from St. Mary's. Is this Maria Lopez?",
                start=0.1,
                end=2.4,
            ),
        ),
        (4.1, Utterance(role="user", speech="Yes, this is Maria.", start=3.0, end=4.1)),
        (4.9, latency("r1", 4.1, 780.4, 420.0, 95.2, 130.5, 134.7)),
        (
            7.0,
            Utterance(
                role="replica",
                speech="Thank you, Maria. How have you been",
                start=4.9,
                end=6.6,
                interrupted=True,
            ),
        ),
        (9.3, Utterance(role="user", speech="A bit short of breath at night.", start=6.5, end=9.3)),
        (10.2, latency("r2", 9.3, 845.6, 450.0, 101.8, 142.0, 151.8)),
        (
            14.2,
            Utterance(
                role="replica",
                speech="I have booked you a follow-up on Thursday at 10:30. Take care!",
                start=10.1,
                end=14.2,
            ),
        ),
        (14.2, ConversationEnded(reason="completed", duration=14.2)),
    ]
    try:
        for at, event in script:
            await clock.sleep_until(at)
            timeline.emit(event)
    finally:
        clock.close()
    return timeline.events


def test_the_console_shows_a_finished_call_and_refuses_a_wrong_key(tmp_path: Path):
    import asyncio

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert "innerHTML" not in (STATIC / "console.js").read_text()  # server text is text only
    app = create_app(None, data_dir=tmp_path)
    key = api_key(app)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = Server(app, port)
    server.start()
    driver = None
    try:
        headers = {"x-api-key": key}
        for _ in range(100):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/v1/conversations", headers=headers, timeout=1.0)
                break
            time.sleep(0.1)
        cid = httpx.post(f"{base}/v1/conversations", json={}, headers=headers, timeout=5.0).json()[
            "conversation_id"
        ]
        # What a live call leaves behind: its timeline in the database, then the ended record.
        registry = app.state.ctx.registry("default")
        record = registry.get(cid)
        record.events = asyncio.run(recorded_call(cid))
        registry.append_events(cid, record.events)
        record.mark_ended("completed", OUTCOME)
        registry.save(record)

        driver = chromium(tmp_path, (1280, 800))
        wait = WebDriverWait(driver, 10, poll_frequency=0.1)
        driver.get(f"{base}/console#key={key}")
        row = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#conversations tbody tr"))
        cells = [c.text for c in row.find_elements(By.TAG_NAME, "td")]
        assert cells[0] == cid
        assert cells[2:] == ["ended", "completed", "follow-up booked", "2", "813 ms"], cells
        assert driver.current_url == f"{base}/console"  # the key left the address bar

        # A new call from the button: its link to open, and an active row on top.
        driver.find_element(By.ID, "new-call").click()
        link = wait.until(lambda d: d.find_element(By.ID, "new-url").get_attribute("href"))
        assert link.startswith(f"{base}/call/c") and "?t=" in link
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#conversations tbody tr")) == 2)
        statuses = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#conversations .badge")]
        assert statuses[0] == "active" and "ended" in statuses

        # The finished call's detail.
        driver.find_element(By.XPATH, f"//button[text()='{cid}']").click()
        wait.until(lambda d: cid in d.find_element(By.ID, "detail-meta").text)
        lines = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#transcript li")]
        assert len(lines) == 5
        assert "User" in lines[1] and "Yes, this is Maria." in lines[1] and "0:03.0" in lines[1]
        assert "How have you been" in lines[2] and "[interrupted]" in lines[2]
        assert "[interrupted]" not in lines[3]
        outcome = driver.find_element(By.ID, "outcome").text
        assert '"follow_up_booked": true' in outcome and '"day": "Thursday"' in outcome
        latencies = [
            [c.text for c in tr.find_elements(By.TAG_NAME, "td")]
            for tr in driver.find_elements(By.CSS_SELECTOR, "#latencies tbody tr")
        ]
        assert latencies == [
            ["r1", "780", "420", "95", "131", "135"],
            ["r2", "846", "450", "102", "142", "152"],
        ]
        if os.environ.get("VISAVIS_SCREENSHOTS") == "1":
            driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
            driver.save_screenshot(str(SCREENSHOT))

        # A wrong key (a link edited by hand): the message says how to get a right one.
        driver.get(f"{base}/console#key=not-a-key")
        wait.until(lambda d: "rejected" in d.find_element(By.ID, "status").text)
        status = driver.find_element(By.ID, "status").text
        assert "visavis keys create" in status and "visavis serve" in status
        assert not driver.find_elements(By.CSS_SELECTOR, "#conversations tbody tr")
        # It is forgotten: a reload asks for a key.
        driver.get(f"{base}/console")
        wait.until(lambda d: "needs an API key" in d.find_element(By.ID, "status").text)
    finally:
        if driver is not None:
            driver.quit()
        server.server.should_exit = True
        server.join(timeout=10)

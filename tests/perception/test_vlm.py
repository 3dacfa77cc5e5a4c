"""The vision-model path for awareness queries, against a real local HTTP server speaking the
OpenAI chat-completions wire format: request shape, answer parsing, failures that answer None
instead of raising, and a watcher that never stacks requests nor makes a reply wait."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2
import numpy as np
import pytest

from visavis.perception.vlm import (
    VisionModelClient,
    VisionModelConfig,
    VisualQueryWatcher,
    parse_answers,
)

SMILING = "Is the person smiling? => smiling"
SOMEONE = "Is anyone else in the room?"


class FakeVLM:
    """What the server does (``status``, ``delay``, ``body``) and what it saw."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.content = "1. Yes\n2. no"
        self.body: bytes | None = None  # raw bytes instead of a chat completion
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.url = ""

    def check(self, path: str, request: dict[str, Any]) -> None:
        """The request shape a real OpenAI-compatible server expects."""
        if path != "/v1/chat/completions":
            self.problems.append(f"path {path}")
        system, user = request["messages"]
        if system["role"] != "system" or "yes or no" not in system["content"]:
            self.problems.append(f"system message {system}")
        text, image = user["content"]
        if user["role"] != "user" or text["type"] != "text" or image["type"] != "image_url":
            self.problems.append(f"user message {user}")
        prefix = "data:image/jpeg;base64,"
        url = image["image_url"]["url"]
        decoded = cv2.imdecode(
            np.frombuffer(base64.b64decode(url.removeprefix(prefix)), np.uint8), cv2.IMREAD_COLOR
        )
        if not url.startswith(prefix) or decoded is None:
            self.problems.append("the image is not a JPEG data URL")
        else:
            request["_image_size"] = decoded.shape[1], decoded.shape[0]
            request["_image_bgr_mean"] = decoded.reshape(-1, 3).mean(axis=0).tolist()
        if request["temperature"] != 0 or request.get("stream") or request["max_tokens"] > 64:
            self.problems.append("sampling settings")


def completion(model: str, content: str) -> bytes:
    message = {"role": "assistant", "content": content}
    return json.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 90, "completion_tokens": 6, "total_tokens": 96},
        }
    ).encode()


def _handler(fake: FakeVLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            with fake.lock:
                fake.in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            try:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                request = json.loads(raw)
                request["_auth"] = self.headers.get("Authorization")
                fake.check(self.path, request)
                fake.requests.append(request)
                time.sleep(fake.delay)
                body = fake.body or completion(request["model"], fake.content)
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a timeout test)
            finally:
                with fake.lock:
                    fake.in_flight -= 1

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[FakeVLM]:
    fake = FakeVLM()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1/"
    yield fake
    httpd.shutdown()
    httpd.server_close()


def config(fake: FakeVLM, **kwargs: Any) -> VisionModelConfig:
    return VisionModelConfig(base_url=fake.url, model="tiny-vl", **kwargs)


def frame(value: int = 120, w: int = 640, h: int = 480) -> np.ndarray:
    image = np.full((h, w, 3), value, np.uint8)
    image[..., 0] = 200  # red in RGB: must arrive as red, i.e. channels swapped for OpenCV
    return image


def jpeg(image: np.ndarray) -> str:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return base64.b64encode(data.tobytes()).decode()


async def test_one_request_answers_every_question(server: FakeVLM) -> None:
    client = VisionModelClient(config(server))
    try:
        answers = await client.ask([SMILING, SOMEONE], jpeg(frame()))
    finally:
        await client.aclose()
    assert answers == {SMILING: True, SOMEONE: False}
    assert server.problems == []
    (request,) = server.requests
    assert request["model"] == "tiny-vl"
    # The rule after "=>" is for the rule language, not for the model.
    question = request["messages"][1]["content"][0]["text"]
    assert question == "1. Is the person smiling?\n2. Is anyone else in the room?"
    assert request["_auth"] is None


async def test_api_key_is_sent_as_bearer(server: FakeVLM) -> None:
    client = VisionModelClient(config(server, api_key="sk-test"))
    try:
        await client.ask([SOMEONE], jpeg(frame()))
    finally:
        await client.aclose()
    assert server.requests[0]["_auth"] == "Bearer sk-test"


@pytest.mark.parametrize(
    ("setup", "kind"),
    [
        ({"status": 500}, "HTTP 500"),
        ({"body": b"<html>not json"}, "not a chat completion"),
        ({"body": b'{"choices": []}'}, "not a chat completion"),
        ({"delay": 0.6}, "no answer within"),
    ],
)
async def test_failures_answer_none_and_warn_once(
    server: FakeVLM, setup: dict[str, Any], kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    for name, value in setup.items():
        setattr(server, name, value)
    client = VisionModelClient(config(server, timeout=0.3))
    caplog.set_level(logging.DEBUG, "visavis.perception.vlm")
    started = time.monotonic()
    try:
        first = await client.ask([SMILING, SOMEONE], jpeg(frame()))
        second = await client.ask([SMILING, SOMEONE], jpeg(frame()))
    finally:
        await client.aclose()
    assert first == second == {SMILING: None, SOMEONE: None}
    assert time.monotonic() - started < 1.5
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and kind in warnings[0].getMessage()
    assert client.failures == 2


async def test_an_unreachable_server_answers_none() -> None:
    client = VisionModelClient(VisionModelConfig(base_url="http://127.0.0.1:9/v1", model="m"))
    try:
        assert await client.ask([SOMEONE], jpeg(frame())) == {SOMEONE: None}
    finally:
        await client.aclose()


@pytest.mark.parametrize(
    ("content", "count", "expected"),
    [
        ("1. Yes\n2. no", 2, [True, False]),
        ("1) Yes.\n2: No, there is nobody else.", 2, [True, False]),
        ("**1.** yes\n**2.** NO", 2, [True, False]),
        ("Sure! Here are my answers:\n1. yes\n2. I cannot tell", 2, [True, None]),
        ("2. no\n1. yes", 2, [True, False]),
        ("<think>1. no? 2. yes?</think>\n1. yes\n2. yes", 2, [True, True]),
        ("Yes.", 1, [True]),
        ("yes\nno", 2, [True, False]),
        ("Yes", 2, [True, None]),
        ("1. Not sure", 1, [None]),
        ("", 2, [None, None]),
        ("The person looks happy.", 2, [None, None]),
        ("1. yes\n3. no", 2, [True, None]),
    ],
)
def test_answers_are_parsed_robustly(content: str, count: int, expected: list[bool | None]) -> None:
    assert parse_answers(content, count) == expected


async def test_watcher_keeps_one_request_in_flight_and_never_makes_a_reply_wait(
    server: FakeVLM,
) -> None:
    server.delay = 0.4  # a model far slower than the interval
    client = VisionModelClient(config(server, interval=0.05))
    counter = iter(range(1000))
    watcher = VisualQueryWatcher(
        client, [SMILING, SOMEONE], lambda: frame(next(counter) % 250), time.monotonic
    )
    task = asyncio.create_task(watcher.run())
    try:
        assert watcher.latest(10.0) == {}  # nothing yet, and no waiting for it
        await asyncio.sleep(0.55)  # the first answer is in, the second look is in flight
        assert server.in_flight == 1
        started = time.perf_counter()
        answers = watcher.latest(10.0)
        assert time.perf_counter() - started < 0.005
        assert answers == {SMILING: True, SOMEONE: False}
        await asyncio.sleep(0.6)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.aclose()
    assert server.max_in_flight == 1
    assert 2 <= len(server.requests) <= 3  # ~1.15 s / 0.4 s per look, not 1.15 / 0.05
    assert server.problems == []
    # Downscaled to max_side, colours in the right order (RGB in, BGR inside the JPEG).
    assert server.requests[0]["_image_size"] == (384, 288)
    blue, _, red = server.requests[0]["_image_bgr_mean"]
    assert red > 190 and blue < 10


async def test_latest_is_empty_when_stale(server: FakeVLM) -> None:
    now = [100.0]
    client = VisionModelClient(config(server, interval=3.0, timeout=2.0))
    watcher = VisualQueryWatcher(client, [SOMEONE], lambda: frame(), lambda: now[0])
    try:
        assert await watcher.look()
    finally:
        await client.aclose()
    assert watcher.answered_at == 100.0
    now[0] = 104.0
    assert watcher.latest(5.0) == {SOMEONE: True}
    assert watcher.latest(3.0) == {}
    now[0] = 107.9  # default max age: two intervals plus the timeout
    assert watcher.latest() == {SOMEONE: True}
    now[0] = 108.1
    assert watcher.latest() == {}


async def test_failed_look_keeps_older_answers(server: FakeVLM) -> None:
    client = VisionModelClient(config(server))
    frames = iter([frame(10), frame(200)])
    watcher = VisualQueryWatcher(client, [SOMEONE], lambda: next(frames), time.monotonic)
    try:
        await watcher.look()
        server.status = 503
        await watcher.look()
    finally:
        await client.aclose()
    assert len(server.requests) == 2
    assert watcher.latest(10.0) == {SOMEONE: True}


async def test_unchanged_frames_are_not_sent_again(server: FakeVLM) -> None:
    still = frame()
    current: list[np.ndarray | None] = [None]
    client = VisionModelClient(config(server))
    watcher = VisualQueryWatcher(client, [SOMEONE], lambda: current[0], time.monotonic)
    try:
        assert not await watcher.look()  # no camera yet
        current[0] = still
        assert await watcher.look()
        assert not await watcher.look()  # the same frame
        current[0] = still.copy()
        assert not await watcher.look()  # a frozen camera: a new array, the same picture
        current[0] = frame(30)
        assert await watcher.look()
    finally:
        await client.aclose()
    assert len(server.requests) == 2 == watcher.looks


def test_config_defaults() -> None:
    cfg = VisionModelConfig(base_url="http://127.0.0.1:8080/v1/", model="m")
    assert (cfg.base_url, cfg.timeout, cfg.interval, cfg.max_side) == (
        "http://127.0.0.1:8080/v1",
        8.0,
        3.0,
        384,
    )
    with pytest.raises(ValueError):
        VisionModelConfig(base_url="127.0.0.1:8080", model="m")

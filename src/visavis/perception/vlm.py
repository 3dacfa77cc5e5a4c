"""Awareness queries answered by an OpenAI-compatible vision-language model.

    layers:
      perception:
        vision_model: {base_url: "http://127.0.0.1:8080/v1", model: "qwen2-vl", interval: 3}

Perception never delays a reply, so the model is never asked *for* a reply. A
``VisualQueryWatcher`` looks at the latest camera frame every ``interval`` seconds in the
background, asks every visual query in one request, and caches the answers; a turn summary
reads the cache (``latest()``), which costs nothing and is simply empty when the model is slow,
down or has not answered yet (the rules answer instead).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from visavis import egress

log = logging.getLogger(__name__)

Answers = dict[str, bool | None]

SYSTEM_PROMPT = (
    "You see one frame from a live video call. Answer each numbered question about it with "
    "yes or no only, one answer per line, numbered like the question (for example '1. yes'). "
    "If you cannot tell, answer no. Write nothing else."
)


class VisionModelConfig(BaseModel):
    """An OpenAI-compatible chat-completions endpoint that accepts images (llama.cpp, vLLM...)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(pattern=r"^https?://", max_length=500)
    model: str = Field(min_length=1, max_length=200)
    #: Write-only: sent as ``Authorization: Bearer``; the persona routes must mask it.
    api_key: str | None = Field(None, max_length=500)
    #: Seconds a single look may take before its answers are given up.
    timeout: float = Field(8.0, gt=0, le=120)
    #: Seconds between looks (a slower model just looks less often).
    interval: float = Field(3.0, gt=0, le=600)
    #: Frames are downscaled so their longer side is at most this (fewer image tokens).
    max_side: int = Field(384, ge=64, le=2048)

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


def question_text(query: str) -> str:
    """The words of an awareness query, without a ``=> rule`` meant for the rule language."""
    return query.split("=>", 1)[0].strip()


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_NUMBERED = re.compile(r"^\W*(?:q(?:uestion)?\s*|answer\s*)?(\d{1,2})\s*[.):\-]\s*(.*)$", re.I)
_VERDICT = re.compile(r"\b(yes|no|true|false)\b", re.IGNORECASE)


def _verdict(text: str) -> bool | None:
    match = _VERDICT.search(text)
    return None if match is None else match.group(1).lower() in ("yes", "true")


def parse_answers(content: str, count: int) -> list[bool | None]:
    """Yes/no per question from a model's reply; None where it gave no clear answer.

    Numbered lines ("1. Yes.", "**2)** no, nobody else") win; a reply without numbers is read
    line by line in order, and a one-question reply may be a bare "Yes."."""
    content = _THINK.sub("", content)
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    answers: list[bool | None] = [None] * count
    numbered = False
    for line in lines:
        match = _NUMBERED.match(line)
        if match is None:
            continue
        numbered = True
        index = int(match.group(1)) - 1
        if 0 <= index < count and answers[index] is None:
            answers[index] = _verdict(match.group(2))
    if not numbered:
        # Unnumbered: only lines that start with a verdict count, so prose cannot shift them.
        verdicts = [_verdict(line) for line in lines if _VERDICT.match(line.lstrip("*-• "))]
        if count == 1 and not verdicts and lines:
            verdicts = [_verdict(lines[0])]
        if len(verdicts) <= count:  # more verdicts than questions: cannot tell which is which
            answers = verdicts + [None] * (count - len(verdicts))
    return answers


class VisionModelClient:
    """One shared HTTP client; ``ask`` never raises, a failed look answers None throughout."""

    def __init__(self, config: VisionModelConfig) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.AsyncClient(
            transport=egress.async_transport(), timeout=config.timeout, headers=headers
        )
        self._warned: set[str] = set()
        self.failures = 0

    async def ask(self, questions: list[str], jpeg_b64: str) -> Answers:
        none: Answers = dict.fromkeys(questions)
        if not questions:
            return none
        numbered = "\n".join(f"{i}. {question_text(q)}" for i, q in enumerate(questions, 1))
        body = {
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": numbered},
                        {
                            "type": "image_url",
                            "image_url": {"url": f"data:image/jpeg;base64,{jpeg_b64}"},
                        },
                    ],
                },
            ],
            "max_tokens": 16 + 8 * len(questions),
            "temperature": 0,
            "stream": False,
        }
        url = f"{self.config.base_url}/chat/completions"
        try:
            # httpx times each phase; this bounds the whole look (a server trickling bytes).
            async with asyncio.timeout(self.config.timeout):
                response = await self._http.post(url, json=body)
            response.raise_for_status()
            content = _content(response.json())
        except (TimeoutError, httpx.TimeoutException):
            return self._failed("timeout", f"no answer within {self.config.timeout:g} s", none)
        except httpx.HTTPStatusError as exc:
            return self._failed("http", f"HTTP {exc.response.status_code} from {url}", none)
        except httpx.HTTPError as exc:
            return self._failed("connect", f"{type(exc).__name__} for {url}: {exc}", none)
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            return self._failed("malformed", f"not a chat completion: {exc!r}", none)
        return dict(zip(questions, parse_answers(content, len(questions)), strict=True))

    def _failed(self, kind: str, message: str, none: Answers) -> Answers:
        # Warn once per kind: a model that is down would otherwise log every few seconds.
        self.failures += 1
        level = logging.DEBUG if kind in self._warned else logging.WARNING
        self._warned.add(kind)
        log.log(level, "vision model: %s; awareness queries fall back to rules", message)
        return none

    async def aclose(self) -> None:
        await self._http.aclose()


def _content(payload: Any) -> str:
    content = payload["choices"][0]["message"]["content"]
    if isinstance(content, list):  # some servers return content parts even for text
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not isinstance(content, str):
        raise TypeError(f"message content is {type(content).__name__}")
    return content


def encode_frame(rgb: np.ndarray, max_side: int) -> tuple[np.ndarray, str]:
    """The frame downscaled to ``max_side`` and its JPEG in base64 (the small copy is returned
    so an unchanged camera can be recognised cheaply)."""
    import cv2

    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    small = rgb
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("the frame could not be JPEG-encoded")
    return small, base64.b64encode(data.tobytes()).decode()


class VisualQueryWatcher:
    """Looks every ``interval`` seconds, one request at a time; ``latest()`` reads the cache."""

    def __init__(
        self,
        client: VisionModelClient,
        questions: list[str],
        get_frame: Callable[[], np.ndarray | None],
        clock_now: Callable[[], float],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.questions = list(questions)
        self.get_frame = get_frame
        self.clock_now = clock_now
        self._sleep = sleep
        self.answers: Answers = {}
        self.answered_at: float | None = None
        self.looks = 0
        self._last_frame: np.ndarray | None = None
        self._last_small: np.ndarray | None = None

    async def run(self) -> None:
        """Until cancelled. Each look is awaited before the next, so a model slower than
        ``interval`` is never sent a second request; it is simply asked less often."""
        interval = self.client.config.interval
        while True:
            started = self.clock_now()
            try:
                await self.look()
            except Exception:
                # A bad frame costs one look, never the watcher (and never the call).
                log.exception("vision model: a look failed")
            await self._sleep(max(0.0, started + interval - self.clock_now()))

    async def look(self) -> bool:
        """One look at the latest frame; False when there was nothing new to look at."""
        frame = self.get_frame()
        if frame is None or not self.questions or frame is self._last_frame:
            return False
        small, jpeg = await asyncio.to_thread(encode_frame, frame, self.client.config.max_side)
        self._last_frame = frame
        if self._last_small is not None and np.array_equal(small, self._last_small):
            return False  # a frozen camera: the model's answer would be the same
        self._last_small = small
        self.looks += 1
        answers = await self.client.ask(self.questions, jpeg)
        if any(a is not None for a in answers.values()):
            # A failed look keeps the older answers; ``latest()`` lets them age out.
            self.answers, self.answered_at = answers, self.clock_now()
        return True

    def latest(self, max_age: float | None = None) -> Answers:
        """The cached answers if at most ``max_age`` seconds old (default: two intervals plus
        the timeout, i.e. one missed look is tolerated), else {}. Never waits."""
        if self.answered_at is None:
            return {}
        config = self.client.config
        limit = max_age if max_age is not None else 2 * config.interval + config.timeout
        return dict(self.answers) if self.clock_now() - self.answered_at <= limit else {}

"""A scripted fake LLM provider on a free local port, speaking the real SSE wire formats.

Each test queues ``Reply``s; every POST (to ``/v1/chat/completions`` or ``/v1/messages``) takes
the next one and the request is recorded, so tests can check headers and bodies.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Reply:
    """One scripted answer: an error status with a JSON body, or a stream of SSE chunks."""

    status: int = 200
    chunks: list[str] = field(default_factory=list)
    body: dict[str, Any] | None = None
    #: Pause after sending this many chunks (a stall); None for no pause.
    stall_after: int | None = None
    stall_s: float = 2.0
    #: Drop the connection after this many chunks, mid-body.
    break_after: int | None = None
    #: Wait this long before even sending the status line (a provider that hangs on accept).
    headers_delay_s: float = 0.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class BrokenStreamError(Exception):
    """Raised inside the body so uvicorn drops the connection with the body incomplete."""


@dataclass
class FakeProvider:
    url: str = ""
    replies: deque[Reply] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    #: Consulted first with (path, body): a Reply, or None to take the next scripted one. Lets a
    #: test answer side requests (the evaluator, the summariser) by what they ask.
    responder: Callable[[str, dict[str, Any]], Reply | None] | None = None

    def script(self, *replies: Reply) -> None:
        self.replies.clear()
        self.requests.clear()
        self.responder = None
        self.replies.extend(replies)

    async def handle(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(Recorded(request.url.path, dict(request.headers), body))
        answer = self.responder(request.url.path, body) if self.responder else None
        if answer is not None:
            return await self._answer(answer)
        if not self.replies:
            return JSONResponse({"error": {"message": "no scripted reply"}}, status_code=500)
        return await self._answer(self.replies.popleft())

    async def _answer(self, reply: Reply) -> Response:
        await asyncio.sleep(reply.headers_delay_s)
        if reply.status != 200:
            return JSONResponse(reply.body or {}, status_code=reply.status)
        return StreamingResponse(self._body(reply), media_type="text/event-stream")

    async def _body(self, reply: Reply) -> AsyncIterator[str]:
        for sent, chunk in enumerate(reply.chunks):
            if sent == reply.stall_after:
                await asyncio.sleep(reply.stall_s)
            if sent == reply.break_after:
                raise BrokenStreamError
            yield chunk
        if reply.stall_after is not None and reply.stall_after >= len(reply.chunks):
            await asyncio.sleep(reply.stall_s)


def openai_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
    """A ``chat.completion.chunk`` as one SSE ``data:`` line."""
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


OPENAI_DONE = "data: [DONE]\n\n"


def openai_text(*pieces: str) -> list[str]:
    """A complete streamed text answer."""
    chunks = [openai_chunk({"role": "assistant", "content": ""})]
    chunks += [openai_chunk({"content": p}) for p in pieces]
    return [*chunks, openai_chunk({}, "stop"), OPENAI_DONE]


def openai_tool_calls(*calls: tuple[str, str, dict[str, Any]], text: str = "") -> list[str]:
    """A streamed answer with optional text, then tool calls ``(id, name, arguments)`` whose
    arguments arrive in two fragments, as real servers split them."""
    chunks = [openai_chunk({"role": "assistant", "content": ""})]
    if text:
        chunks.append(openai_chunk({"content": text}))
    for index, (call_id, name, arguments) in enumerate(calls):
        raw = json.dumps(arguments)
        head = {"index": index, "id": call_id, "type": "function"}
        first = {**head, "function": {"name": name, "arguments": raw[: len(raw) // 2]}}
        chunks.append(openai_chunk({"tool_calls": [first]}))
        rest = {"index": index, "function": {"arguments": raw[len(raw) // 2 :]}}
        chunks.append(openai_chunk({"tool_calls": [rest]}))
    return [*chunks, openai_chunk({}, "tool_calls"), OPENAI_DONE]


def system_text(path: str, body: dict[str, Any]) -> str:
    """The system prompt of a request in either wire format."""
    if path.endswith("/messages"):
        return str(body.get("system", ""))
    return " ".join(m["content"] or "" for m in body["messages"] if m["role"] == "system")


def text_reply(path: str, text: str) -> Reply:
    """A complete text answer in the wire format of ``path``."""
    if path.endswith("/messages"):
        return Reply(chunks=anthropic_text(text))
    return Reply(chunks=openai_text(text))


def anthropic_event(kind: str, **data: Any) -> str:
    """A named Messages API event (the ``type`` in the data repeats the event name)."""
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"


def anthropic_start() -> str:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "content": []}
    return anthropic_event("message_start", message={**message, "model": "fake"})


def anthropic_end(stop_reason: str) -> list[str]:
    return [
        anthropic_event("message_delta", delta={"stop_reason": stop_reason}, usage={}),
        anthropic_event("message_stop"),
    ]


def anthropic_text(*pieces: str) -> list[str]:
    """A complete streamed text answer in one text block."""
    return [
        anthropic_start(),
        anthropic_event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        anthropic_event("ping"),
        *(
            anthropic_event("content_block_delta", index=0, delta={"type": "text_delta", "text": p})
            for p in pieces
        ),
        anthropic_event("content_block_stop", index=0),
        *anthropic_end("end_turn"),
    ]


def make_app(fake: FakeProvider) -> Starlette:
    routes = [
        Route("/v1/chat/completions", fake.handle, methods=["POST"]),
        Route("/v1/messages", fake.handle, methods=["POST"]),
    ]
    return Starlette(routes=routes)


@contextmanager
def running_fake() -> Iterator[FakeProvider]:
    """Serve a fake provider with uvicorn in a thread on a free port."""
    fake = FakeProvider()
    # Bound here and handed to uvicorn: no window for another process to take the port.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    config = uvicorn.Config(
        make_app(fake), log_level="critical", timeout_graceful_shutdown=1, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the fake provider did not start")
        time.sleep(0.02)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()

"""Two pieces of ASGI middleware that protect the server: a request size limit and an access
log that never writes query strings (join tokens travel there) or bodies (transcripts do)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("visavis.access")

#: The default body limit: SDP offers are ~5-10 kB and personas a few kB; 1 MiB is generous.
DEFAULT_MAX_BODY = 1 << 20


class BodySizeLimit:
    """Rejects request bodies over ``max_bytes`` with a 413 JSON error.

    Declared sizes (Content-Length) are refused before reading; chunked bodies are counted as
    they arrive, so a client cannot get around the limit by omitting the header. ``routes``
    raises the limit for a few (method, path) pairs whose bodies are files (a document upload),
    never lowers it."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY,
        routes: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.routes = dict(routes or {})

    def limit(self, scope: Scope) -> int:
        route = (str(scope.get("method", "")), str(scope.get("path", "")).rstrip("/"))
        return max(self.max_bytes, self.routes.get(route, 0))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        if declared is not None:
            # The server stops reading at the declared length, so a checked one is enough.
            await self.app(scope, receive, send)
            return
        # Chunked: read it all first (it is at most the limit), counting; then replay it. The
        # app cannot be left to fail mid-read: frameworks turn read errors into a vague 400.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > limit:
                await self._reject(send, limit)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": "request_too_large",
                "message": f"the request body is over the {limit} byte limit; send a smaller body",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class AccessLog:
    """``METHOD /path STATUS ms`` at info level: no query string, no headers, no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 0}

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope.get("method", "WS")
            ms = (time.perf_counter() - started) * 1000.0
            log.info("%s %s %s %.0f ms", method, scope.get("path", ""), status["code"], ms)

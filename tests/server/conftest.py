"""Helpers for the server tests: an API key and clients that send it."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest


def api_key(app: Any, tenant_id: str = "default") -> str:
    """A fresh API key of ``tenant_id`` on ``app``'s database."""
    return app.state.ctx.store.create_api_key(tenant_id, "test")


@asynccontextmanager
async def api_client(
    app: Any, tenant_id: str = "default", key: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of ``app`` that sends an API key of ``tenant_id``."""
    headers = {"x-api-key": key or api_key(app, tenant_id)}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers
    ) as client:
        yield client


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; ``statuses[path]`` scripts the replies (then 200)."""

    base: str
    requests: list[Received] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            rec.requests.append(Received(self.path, dict(self.headers), body))
            script = rec.statuses.get(self.path)
            status = script.pop(0) if script else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()

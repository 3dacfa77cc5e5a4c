"""A real visavis server on a free local port (uvicorn in a thread) for the SDK tests.

One server for the whole SDK suite, so tests must not assume an empty database: they look for
what they created rather than count everything.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from visavis.sdk import Client

TENANT = "default"


@dataclass(frozen=True)
class LiveServer:
    url: str
    key: str
    app: Any

    def record_events(self, conversation_id: str) -> None:
        """Give a conversation two recorded utterances, as a call would have."""
        from visavis.runtime.events import Utterance

        events = [
            Utterance(role="replica", speech="Hello Maria.", start=0, end=1),
            Utterance(role="user", speech="Hi.", start=1, end=2),
        ]
        for seq, event in enumerate(events):
            event.seq = seq
        self.app.state.ctx.registry(TENANT).append_events(conversation_id, events)

    def remember(self, memory_store: str, *facts: str) -> list[str]:
        """Store facts about a person, as a call's end would have; their ids in order."""
        items = [{"kind": "fact", "text": fact, "data": {"n": n}} for n, fact in enumerate(facts)]
        return list(self.app.state.ctx.store.add_memories(TENANT, memory_store, items))


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from visavis.server import create_app

    app = create_app(data_dir=tmp_path_factory.mktemp("sdk-server"))
    key = app.state.ctx.store.create_api_key(TENANT, "sdk-test")
    # Bound here and handed to uvicorn: no window for another process to take the port.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", key, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def client(live: LiveServer) -> Iterator[Client]:
    with Client(live.url, live.key, timeout=10) as client:
        yield client

"""Declared tools: schema checks, application delivery, and server delivery against a local
HTTP tool server (answers, slow, flaky 500-then-200, refusing, not JSON)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from tests.mind.llm.scripting import flagship

from visavis.mind.llm import ToolSpec
from visavis.mind.tools import (
    DeclaredTool,
    ToolDefinition,
    ToolError,
    build_tools,
    declare,
    filler_for,
    tool_spec,
)

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1}},
    "required": ["city"],
}


class ToolServer(BaseHTTPRequestHandler):
    calls: dict[str, int] = {}
    bodies: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        body["_auth"] = self.headers.get("authorization")
        ToolServer.bodies.append(body)
        n = ToolServer.calls[self.path] = ToolServer.calls.get(self.path, 0) + 1
        if self.path == "/slow":
            time.sleep(0.5)
        if self.path == "/flaky" and n == 1:
            return self._send(500, b'{"error": "warming up"}')
        if self.path == "/refuse":
            return self._send(404, b'{"error": "no such city"}')
        if self.path == "/text":
            return self._send(200, b"sunny")
        self._send(200, json.dumps({"forecast": "sunny", "city": body["arguments"]["city"]}))

    def _send(self, status: int, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def tool_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ToolServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def server_tool(url: str, **delivery: Any) -> DeclaredTool:
    [tool] = build_tools(
        [
            {
                "name": "get_weather",
                "description": "The weather in a city.",
                "parameters": WEATHER,
                "delivery": {"type": "server", "url": url, "backoff_s": 0.01, **delivery},
            }
        ],
        conversation_id="conv-1",
    )
    return tool


def test_server_tool_posts_and_returns_the_json(tool_server: str) -> None:
    ToolServer.bodies.clear()
    tool = server_tool(f"{tool_server}/ok", headers={"authorization": "Bearer t"})
    assert tool.run({"city": "Lyon"}) == {"forecast": "sunny", "city": "Lyon"}
    [body] = ToolServer.bodies
    assert body == {
        "name": "get_weather",
        "arguments": {"city": "Lyon"},
        "conversation_id": "conv-1",
        "_auth": "Bearer t",
    }


def test_slow_server_times_out_retries_then_fails(tool_server: str) -> None:
    ToolServer.calls.pop("/slow", None)
    tool = server_tool(f"{tool_server}/slow", timeout_s=0.1, retries=1)
    with pytest.raises(ToolError, match=r"after 2 attempt\(s\): no answer within 0.1 s"):
        tool.run({"city": "Lyon"})
    assert ToolServer.calls["/slow"] == 2


def test_500_then_200_succeeds_on_retry(tool_server: str) -> None:
    ToolServer.calls.pop("/flaky", None)
    assert server_tool(f"{tool_server}/flaky").run({"city": "Oslo"})["forecast"] == "sunny"
    assert ToolServer.calls["/flaky"] == 2


def test_refusals_and_bad_bodies_are_clear_errors(tool_server: str) -> None:
    with pytest.raises(ToolError, match="refused the call: HTTP 404"):
        server_tool(f"{tool_server}/refuse").run({"city": "Oslo"})
    with pytest.raises(ToolError, match="no JSON body"):
        server_tool(f"{tool_server}/text").run({"city": "Oslo"})
    with pytest.raises(ToolError, match="cannot reach"):
        server_tool("http://127.0.0.1:9/none", retries=0).run({"city": "Oslo"})


def test_a_tool_url_the_egress_policy_refuses_fails_at_once() -> None:
    # The cloud metadata service: refused before any connection, and not retried (a failure
    # after retries says "after 3 attempt(s)").
    with pytest.raises(ToolError, match="egress refused: 169.254.169.254 is a link-local") as err:
        server_tool("http://169.254.169.254/latest/meta-data/", retries=2).run({"city": "Oslo"})
    assert "attempt" not in str(err.value)


def test_bad_arguments_are_rejected_before_anything_runs(tool_server: str) -> None:
    ToolServer.calls.clear()
    tool = server_tool(f"{tool_server}/ok")
    with pytest.raises(ToolError, match="'city' is a required property"):
        tool.run({"days": 2})
    with pytest.raises(ToolError, match="at days: 0 is less than the minimum of 1"):
        tool.run({"city": "Lyon", "days": 0})
    assert ToolServer.calls == {}


def test_application_tool_only_hands_over() -> None:
    stored = {"tool_id": "t_1", "tags": ["x"], "name": "open_chart", "description": "Open it."}
    [tool] = build_tools([{**stored, "static_filler": "One sec."}])
    assert tool.delivery == "application"
    assert tool.run({}) == {"status": "sent_to_application"}
    assert filler_for(tool) == "One sec."


def test_definitions_are_validated() -> None:
    with pytest.raises(ValidationError, match="needs an http"):
        ToolDefinition.model_validate(
            {"name": "x", "description": "d", "delivery": {"type": "server"}}
        )
    with pytest.raises(ValidationError, match="not a valid JSON Schema"):
        ToolDefinition(name="x", description="d", parameters={"type": "nonsense"})
    with pytest.raises(ValidationError):
        ToolDefinition(name="has space", description="d")
    with pytest.raises(ValueError, match="duplicate"):
        build_tools([{"name": "a", "description": "d"}] * 2)


def test_flagship_tools_as_definitions(tmp_path: Path) -> None:
    engine = flagship(tmp_path)
    book = engine.tools["book_follow_up"]
    assert tool_spec(book) == ToolSpec("book_follow_up", book.description, book.parameters)
    definition = ToolDefinition.from_tool(book)
    assert definition.parameters["required"] == ["slot_id", "patient_id"]
    declared = declare(book)
    assert declared.delivery == "local" and filler_for(declared) == "Let me check the calendar."
    assert filler_for(declare(engine.tools["escalate_to_nurse"])) == "Let me check that for you."
    with pytest.raises(ToolError, match="'patient_id' is a required property"):
        declared.run({"slot_id": 1})
    slots = declare(engine.tools["find_follow_up_slots"]).run({"after": "2025-03-17T23:59:00"})
    booked = declared.run({"slot_id": slots["slots"][0]["slot_id"], "patient_id": "maria-lopez"})
    assert booked["patient_id"] == "maria-lopez"

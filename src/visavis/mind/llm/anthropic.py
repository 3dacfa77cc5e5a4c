"""A client for Anthropic's Messages API with streaming.

``POST {base_url}/messages`` with ``"stream": true`` answers with named SSE events:
``message_start``, ``content_block_start`` (a ``text`` or ``tool_use`` block with id and name),
``content_block_delta`` (``text_delta`` or ``input_json_delta`` fragments), ``content_block_stop``,
``message_delta`` (the ``stop_reason``), ``message_stop``, plus ``ping`` and ``error``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from visavis.mind.llm.streaming import SSEEvent, StreamingClient, Watchdog
from visavis.mind.llm.types import (
    ChatMessage,
    Finish,
    LLMError,
    TextDelta,
    ToolCall,
    ToolCallAssembler,
    ToolCallDelta,
    ToolSpec,
)

API_VERSION = "2023-06-01"

#: Anthropic's stop reasons in the neutral (OpenAI) vocabulary used by ``Completion``.
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
}


def _blocks(message: ChatMessage) -> list[dict[str, Any]]:
    if message.role == "tool":
        return [
            {"type": "tool_result", "tool_use_id": message.tool_call_id, "content": message.content}
        ]
    blocks: list[dict[str, Any]] = []
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in message.tool_calls:
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError:
            arguments = {}  # The API requires an object; the model's bad JSON was already used.
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": arguments})
    return blocks


def wire_messages(messages: Sequence[ChatMessage]) -> tuple[str, list[dict[str, Any]]]:
    """The top-level system prompt and the alternating user/assistant messages."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        # Tool results travel in a user turn; several results (and a following user message)
        # must share one turn because the API expects the roles to alternate.
        role = "assistant" if message.role == "assistant" else "user"
        blocks = _blocks(message)
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return system, out


def wire_tool(tool: ToolSpec) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}


class AnthropicMessages(StreamingClient):
    """Streams answers from the Anthropic Messages API (or a compatible proxy)."""

    provider = "anthropic"
    default_base_url = "https://api.anthropic.com/v1"
    #: The Messages API requires a limit.
    default_max_tokens = 512

    def _request(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] | None
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        headers = {"anthropic-version": API_VERSION, "accept": "text/event-stream"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        system, wire = wire_messages(messages)
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "messages": wire,
            "stream": True,
        }
        if system:
            body["system"] = system
        if tools:
            body["tools"] = [wire_tool(t) for t in tools]
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return f"{self.base_url}/messages", headers, body

    async def _parse(
        self, events: AsyncIterator[SSEEvent], watchdog: Watchdog
    ) -> AsyncIterator[TextDelta | ToolCall | Finish]:
        calls = ToolCallAssembler()
        reason: str | None = None
        async for event in events:
            try:
                data = json.loads(event.data)
            except ValueError:
                raise LLMError(self.provider, f"malformed event: {event.data[:200]!r}") from None
            kind = data.get("type", event.event) if isinstance(data, dict) else event.event
            if kind == "error":
                error = data.get("error") or {}
                detail = f"{error.get('type', 'error')}: {error.get('message', '')}"
                raise LLMError(self.provider, f"error mid-stream: {detail}")
            if kind == "content_block_start":
                block = data.get("content_block") or {}
                if block.get("type") == "tool_use":
                    watchdog.token_seen = True
                    calls.add(ToolCallDelta(data["index"], block.get("id"), block.get("name")))
            elif kind == "content_block_delta":
                delta = data.get("delta") or {}
                if delta.get("type") == "text_delta" and delta.get("text"):
                    watchdog.token_seen = True
                    yield TextDelta(delta["text"])
                elif delta.get("type") == "input_json_delta":
                    calls.add(
                        ToolCallDelta(data["index"], arguments=delta.get("partial_json") or "")
                    )
            elif kind == "message_delta":
                stop = (data.get("delta") or {}).get("stop_reason")
                if stop:
                    reason = STOP_REASONS.get(stop, stop)
            elif kind == "message_stop":
                for call in calls.finish():
                    yield call
                yield Finish(reason)
                return
            # message_start, content_block_stop, ping and thinking blocks carry nothing we use.
        raise LLMError(self.provider, "stream ended before message_stop")

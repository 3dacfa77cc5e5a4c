"""A client for OpenAI-compatible chat completions: OpenAI, vLLM, Ollama, llama.cpp server, ...

They all accept ``POST {base_url}/chat/completions`` with ``"stream": true`` and answer with SSE
``data: {chunk}`` lines ended by ``data: [DONE]``; tool calls arrive as fragments in
``choices[0].delta.tool_calls[i]``, matched by ``index``.
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


def wire_message(message: ChatMessage) -> dict[str, Any]:
    """A ``ChatMessage`` in the chat completions format."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.role == "tool":
        out["tool_call_id"] = message.tool_call_id
    if message.tool_calls:
        # An assistant turn that only called tools has null content, not "", for strict servers.
        out["content"] = message.content or None
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in message.tool_calls
        ]
    return out


def wire_tool(tool: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


class OpenAICompatible(StreamingClient):
    """Streams chat completions from any OpenAI-compatible endpoint chosen by ``base_url``."""

    provider = "openai-compatible"

    def _request(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] | None
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        headers = {"accept": "text/event-stream"}
        # Local servers (Ollama, llama.cpp) need no key; sending an empty Bearer would be wrong.
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key}"
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [wire_message(m) for m in messages],
            "stream": True,
        }
        if tools:
            body["tools"] = [wire_tool(t) for t in tools]
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        if self.temperature is not None:
            body["temperature"] = self.temperature
        return f"{self.base_url}/chat/completions", headers, body

    async def _parse(
        self, events: AsyncIterator[SSEEvent], watchdog: Watchdog
    ) -> AsyncIterator[TextDelta | ToolCall | Finish]:
        calls = ToolCallAssembler()
        reason: str | None = None
        done = False
        async for event in events:
            if event.data.strip() == "[DONE]":
                done = True
                break
            try:
                chunk = json.loads(event.data)
            except ValueError:
                raise LLMError(self.provider, f"malformed chunk: {event.data[:200]!r}") from None
            if not isinstance(chunk, dict):
                raise LLMError(self.provider, f"malformed chunk: {event.data[:200]!r}")
            # OpenAI and vLLM report failures after the 200 as a chunk with an "error" object.
            if "error" in chunk:
                error = chunk["error"]
                message = error.get("message", error) if isinstance(error, dict) else error
                raise LLMError(self.provider, f"error mid-stream: {message}")
            # Usage-only chunks (stream_options.include_usage) have no choices.
            for choice in chunk.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    watchdog.token_seen = True
                    yield TextDelta(delta["content"])
                for position, fragment in enumerate(delta.get("tool_calls") or []):
                    watchdog.token_seen = True
                    function = fragment.get("function") or {}
                    calls.add(
                        ToolCallDelta(
                            index=fragment.get("index", position),
                            id=fragment.get("id"),
                            name=function.get("name"),
                            arguments=function.get("arguments") or "",
                        )
                    )
                reason = choice.get("finish_reason") or reason
        # Some servers omit [DONE]; a finish reason still proves the answer is whole.
        if not done and reason is None:
            raise LLMError(self.provider, "stream ended before the answer was complete")
        for call in calls.finish():
            yield call
        yield Finish(reason)

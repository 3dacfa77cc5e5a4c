"""Provider-neutral types for LLM clients: messages, tools, stream events and errors.

Both wire protocols (OpenAI chat completions, Anthropic Messages) are translated to and from
these, so the mind never sees a provider's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    """A complete tool call requested by the model.

    ``arguments`` stays JSON text (as OpenAI sends it) rather than a dict: the caller validates it
    against the tool's schema and a model may emit malformed JSON that should be reported, not
    silently dropped here.
    """

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ToolCallDelta:
    """A fragment of a tool call as it streams in; fragments with the same index are one call."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True)
class TextDelta:
    """A piece of the model's answer text, in order."""

    text: str


@dataclass
class ChatMessage:
    """One message of the conversation.

    ``tool_calls`` is set on assistant messages that asked for tools; ``tool_call_id`` on the
    ``tool`` message carrying a tool's result back.
    """

    role: Role
    content: str
    tool_call_id: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call; ``parameters`` is a JSON Schema object."""

    name: str
    description: str
    parameters: dict[str, Any]


#: Finish reasons are normalised to OpenAI's vocabulary ("stop", "tool_calls", "length", ...).
FinishReason = str


@dataclass(frozen=True)
class Completion:
    """A whole answer: the text, any tool calls, and why generation stopped."""

    text: str
    tool_calls: list[ToolCall]
    finish_reason: FinishReason | None


@dataclass(frozen=True)
class Finish:
    """Internal end-of-stream marker carrying the finish reason (not yielded by ``stream``)."""

    reason: FinishReason | None


StreamEvent = TextDelta | ToolCall


class LLMError(Exception):
    """A provider failed: unreachable, refused the request, or broke the stream.

    The mind catches this and falls back to the embedded objectives engine, so the message must
    say which provider, the HTTP status if any, and the reason, for the operator's logs.
    """

    def __init__(self, provider: str, reason: str, status: int | None = None) -> None:
        self.provider = provider
        self.reason = reason
        self.status = status
        where = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{provider}{where}: {reason}")


# Named like TimeoutError; subclassing LLMError lets one except clause catch every failure.
class LLMTimeout(LLMError):  # noqa: N818
    """The provider stalled: no first token in time, or no data for too long mid-stream."""


class ToolCallAssembler:
    """Joins streamed tool-call fragments, keyed by index, into complete ``ToolCall``s."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, Any]] = {}

    def add(self, delta: ToolCallDelta) -> None:
        call = self._calls.setdefault(delta.index, {"id": None, "name": None, "args": []})
        # Ids and names arrive once (in the first fragment); later fragments carry only arguments.
        if delta.id:
            call["id"] = delta.id
        if delta.name:
            call["name"] = delta.name
        if delta.arguments:
            call["args"].append(delta.arguments)

    def finish(self) -> list[ToolCall]:
        calls = []
        for index in sorted(self._calls):
            call = self._calls[index]
            # A call without arguments still needs valid JSON for the caller to parse.
            arguments = "".join(call["args"]) or "{}"
            calls.append(ToolCall(call["id"] or f"call_{index}", call["name"] or "", arguments))
        self._calls.clear()
        return calls

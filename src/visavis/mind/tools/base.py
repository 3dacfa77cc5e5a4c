"""The tool interface the mind calls (shaped like the public LLM tool definitions)."""

from __future__ import annotations

from typing import Any, Protocol


class ToolError(RuntimeError):
    """A tool could not do what was asked (bad arguments, slot taken...)."""


class Tool(Protocol):
    #: Unique name, as in the public ``conversation.tool_call`` event.
    name: str
    description: str
    #: JSON Schema of the arguments object.
    parameters: dict[str, Any]

    def run(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Do the work; raise ``ToolError`` for a failure the conversation should handle."""
        ...


def require(arguments: dict[str, Any], name: str, kind: type) -> Any:
    """An argument checked against its type, as the JSON Schema promises."""
    value = arguments.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ToolError(f"argument {name!r} must be a {kind.__name__}, got {value!r}")
    return value

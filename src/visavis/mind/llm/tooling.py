"""Running the tools an LLM asks for, on ``commit``: validation, delivery and the events.

Every call yields ``conversation.tool_call`` then ``conversation.tool_result`` on the timeline
(an application-delivered tool is *only* the event: the application acts on it). A failure is
returned to the LLM as ``{"error": ...}`` so it can tell the patient or try otherwise; it never
raises into the loop. Booking and escalation results also update the call's outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from visavis.mind.llm.types import ToolCall, ToolSpec
from visavis.mind.tools.base import Tool, ToolError
from visavis.mind.tools.declared import DeclaredTool, declare, filler_for
from visavis.runtime.events import BaseEvent, Escalation
from visavis.runtime.events import ToolCall as ToolCallEvent
from visavis.runtime.events import ToolResult as ToolResultEvent

log = logging.getLogger(__name__)

END_CALL = "end_call"
END_CALL_SPEC = ToolSpec(
    END_CALL,
    "End the call. Call it together with your goodbye, once every objective is done or the "
    "patient has to go.",
    {"type": "object", "properties": {}},
)
BOOK_SLOT, ESCALATE = "book_follow_up", "escalate_to_nurse"


@dataclass
class ToolEffects:
    """What the tools of one commit changed in the call's outcome."""

    events: list[BaseEvent] = field(default_factory=list)
    end_call: bool = False
    booking: dict[str, Any] | None = None
    escalation_reason: str | None = None


class ToolExecutor:
    def __init__(self, tools: Sequence[Tool]) -> None:
        self.tools: dict[str, DeclaredTool] = {}
        for tool in tools:
            declared = declare(tool)
            if declared.name in self.tools or declared.name == END_CALL:
                raise ValueError(f"duplicate tool name {declared.name!r}")
            self.tools[declared.name] = declared

    def specs(self) -> list[ToolSpec]:
        return [t.spec for t in self.tools.values()] + [END_CALL_SPEC]

    def filler(self, calls: Sequence[ToolCall]) -> list[str]:
        """What to say while the first real tool runs (nothing for end_call alone)."""
        for call in calls:
            if call.name == END_CALL:
                continue
            tool = self.tools.get(call.name)
            line = filler_for(tool) if tool is not None else None
            return [line] if line else []
        return []

    def run(self, call: ToolCall, effects: ToolEffects) -> dict[str, Any]:
        """Run one call; returns what the LLM is told."""
        if call.name == END_CALL:
            effects.end_call = True
            return {"status": "ending"}
        out, error = self._run(call)
        effects.events += [
            ToolCallEvent(tool_call_id=call.id, name=call.name, arguments=call.arguments),
            ToolResultEvent(tool_call_id=call.id, name=call.name, result=out, error=error),
        ]
        if error is not None:
            log.info("tool %s failed: %s", call.name, error)
            return {"error": error}
        if call.name == BOOK_SLOT:
            effects.booking = out
        elif call.name == ESCALATE:
            args = json.loads(call.arguments or "{}")
            effects.escalation_reason = str(args.get("reason", "escalated"))
            effects.events.append(
                Escalation(
                    reason=effects.escalation_reason,
                    severity="routine" if args.get("severity") == "routine" else "urgent",
                    evidence=str(args.get("evidence", "")),
                )
            )
        return out

    def _run(self, call: ToolCall) -> tuple[dict[str, Any], str | None]:
        tool = self.tools.get(call.name)
        if tool is None:
            return {}, f"unknown tool {call.name!r}; available: {sorted(self.tools)}"
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError:
            return {}, f"arguments are not valid JSON: {call.arguments[:200]!r}"
        try:
            return tool.run(arguments), None
        except ToolError as exc:
            return {}, str(exc)

"""Carrying out a committed plan: events, tool calls, the booking and the escalation record.

Split from ``engine`` so the engine reads as the conversation's logic and this as its effects.
``plan`` only records ``Action``s; ``commit`` hands them here, and only here does the outside
world change (a slot booked, an escalation written).
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any

from visavis.mind.base import CommitResult
from visavis.mind.persona import render
from visavis.mind.state import Action, CallState
from visavis.mind.tools.base import ToolError
from visavis.mind.turn import Turn
from visavis.runtime.events import (
    BaseEvent,
    CallCompleted,
    Escalation,
    ObjectiveActivated,
    ObjectiveCompleted,
    ToolCall,
    ToolResult,
)

if TYPE_CHECKING:
    from visavis.mind.engine import ObjectivesMind

BOOK_SLOT, ESCALATE = "book_follow_up", "escalate_to_nurse"


class ActionRunner:
    """Runs a plan's actions for one ``ObjectivesMind``."""

    def __init__(self, mind: ObjectivesMind) -> None:
        self.mind = mind
        # Numbered, not random, so a replayed call yields the same timeline.
        self._call_ids = itertools.count(1)

    def run(self, actions: list[Action], result: CommitResult) -> None:
        for action in actions:
            d = action.data
            if action.kind == "activated":
                result.events.append(ObjectiveActivated(objective_name=d["objective"]))
            elif action.kind == "completed":
                values = self.mind._state.values.get(d["objective"], {})
                result.events.append(
                    ObjectiveCompleted(objective_name=d["objective"], output_variables=dict(values))
                )
            elif action.kind == "tool":
                result.events.extend(self.tool_events(d["name"], d["arguments"], d["result"]))
            elif action.kind == "escalate":
                args = {
                    "patient_id": self.mind.patient.id,
                    "reason": d["reason"],
                    "severity": d["severity"],
                    "evidence": d["evidence"],
                }
                result.events.extend(self.call(ESCALATE, args)[1])
                result.events.append(
                    Escalation(reason=d["reason"], severity=d["severity"], evidence=d["evidence"])
                )
            elif action.kind == "book":
                if not self._book(d, result):
                    return  # what the plan said after the booking no longer holds
            elif action.kind == "call_completed":
                result.events.append(CallCompleted(outcome=self.mind.outcome()))

    def _book(self, d: dict[str, Any], result: CommitResult) -> bool:
        args = {"slot_id": d["slot"]["slot_id"], "patient_id": self.mind.patient.id}
        booking, events = self.call(BOOK_SLOT, args)
        result.events.extend(events)
        if booking is not None:
            self.mind._state.booking = booking
            self.mind._state.values[d["objective"]][d["variable"]] = booking
            confirmed = render(
                self.mind.persona.phrasing.booking_confirmed,
                {**self.mind._context(), "slot": booking["label"]},
            )
            result.followup_sentences.extend(confirmed + d.get("deferred", []))
            return True
        # Taken meanwhile: go back to the booking question with fresh times.
        retry: CallState = d["retry"]
        retry.version, retry.base = self.mind._state.version, self.mind._state.version
        turn = Turn(retry, self.mind._context())
        turn.say(self.mind.persona.phrasing.booking_unavailable)
        self.mind._offer_slots(turn, d["ask"], exclude=[args["slot_id"]])
        self.mind._state = turn.state
        result.followup_sentences.extend(turn.sentences)
        self.run(turn.actions, result)
        return False

    def call(self, name: str, args: dict[str, Any]) -> tuple[Any, list[BaseEvent]]:
        try:
            out = self.mind.tools[name].run(args)
        except ToolError as exc:
            return None, self.tool_events(name, args, {}, error=str(exc))
        return out, self.tool_events(name, args, out)

    def tool_events(
        self, name: str, args: dict[str, Any], result: dict[str, Any], error: str | None = None
    ) -> list[BaseEvent]:
        call_id = f"call_{next(self._call_ids)}"
        return [
            ToolCall(tool_call_id=call_id, name=name, arguments=json.dumps(args)),
            ToolResult(tool_call_id=call_id, name=name, result=result, error=error),
        ]

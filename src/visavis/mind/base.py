"""The interface between the conversation loop and a mind (the objectives engine, later LLMs).

A mind answers in two steps so the loop can speculate: ``plan`` decides what to say for a user
utterance without changing any state or touching the outside world (it may be called while the
user might still go on, and thrown away), and ``commit`` applies a plan once the turn is really
over: it advances objective state, runs tools (booking, escalation) and returns the events to put
on the timeline plus any sentences that depend on a tool's result.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from visavis.mind.objectives import IDENTITY_PROOFS
from visavis.runtime.events import BaseEvent

if TYPE_CHECKING:
    from visavis.perception.summary import TurnPerception


@dataclass
class ReplyPlan:
    """What the agent will say next and the state it leads to (opaque to the loop)."""

    sentences: list[str]
    emotion: str = "neutral"
    interruptible: bool = True
    #: The user text this plan answers (None for greetings and re-prompts).
    user_text: str | None = None
    #: Engine-private state after this reply; applied by ``commit``.
    state: Any = None
    #: Engine-private actions (tool calls) to run on ``commit``.
    actions: list[Any] = field(default_factory=list)
    #: False when the core could not make sense of the user's words as an answer (it asks
    #: them to clarify) or would only pass them on as a question for the care team: the
    #: grounding layer then tries them as a question to the documents.
    understood: bool = True
    #: Whether the recogniser should read the call's vocabulary (the patient's name, medicines,
    #: symptoms) as context for the answer to this reply. False while a date of birth is
    #: awaited: with that prompt Whisper heard 16 of 27 years said alone right, without it 23
    #: (names and drugs pull "nineteen fifty two" towards "1752"; see docs/benchmarks.md).
    vocabulary: bool = True


@dataclass
class CommitResult:
    """What committing a plan produced."""

    events: list[BaseEvent] = field(default_factory=list)
    #: Sentences to speak after the plan's own (for example a booking's confirmation).
    followup_sentences: list[str] = field(default_factory=list)
    #: True once the call's work is done; the loop ends the call after the last reply plays.
    done: bool = False


class Mind(Protocol):
    """Decides what the agent says and does next."""

    def greet(self) -> ReplyPlan:
        """The opening of the call."""
        ...

    def plan(
        self,
        user_text: str,
        heard_reply: str | None = None,
        perception: TurnPerception | None = None,
    ) -> ReplyPlan:
        """A reply to ``user_text``; ``heard_reply`` is what the user actually heard of the
        previous reply when it was cut short by a barge-in (None when it played whole);
        ``perception`` is what was seen and heard during the turn (looking away, a long pause).
        Pure: no state changes, no side effects."""
        ...

    def reprompt(self) -> ReplyPlan:
        """A gentle re-prompt after a long silence from the user. Pure."""
        ...

    def commit(self, plan: ReplyPlan) -> CommitResult:
        """Apply a plan from ``greet``/``plan``/``reprompt``: advance state, run tools."""
        ...

    @property
    def done(self) -> bool: ...

    def outcome(self) -> dict[str, Any]:
        """The call's outcome so far: objectives_completed, output_variables, escalated,
        escalation_reason, follow_up_booked, booking."""
        ...


def outcome_record(
    completed: list[str],
    values: dict[str, dict[str, Any]],
    escalated: bool,
    escalation_reason: str | None,
    booking: dict[str, Any] | None,
    identity: list[tuple[str | None, Any]],
) -> dict[str, Any]:
    """``Mind.outcome()``'s keys, the same for every core (``identity``: each identity
    variable's understanding kind, None when unknown, and value; see ``identity_confirmed``)."""
    return {
        "objectives_completed": list(completed),
        "output_variables": copy.deepcopy(values),
        "escalated": escalated,
        "escalation_reason": escalation_reason,
        "follow_up_booked": booking is not None,
        "booking": copy.deepcopy(booking),
        "identity_confirmed": identity_confirmed(identity),
    }


def identity_confirmed(identity: list[tuple[str | None, Any]]) -> bool:
    """Confirmed when there are identity variables, every one that is not a proof (the name,
    or a variable of unknown kind) is True, and at least one proof (date of birth, phone
    digits) is True when there are any."""
    required = [v for kind, v in identity if kind not in IDENTITY_PROOFS]
    proofs = [v for kind, v in identity if kind in IDENTITY_PROOFS]
    return (
        bool(identity)
        and all(v is True for v in required)
        and (not proofs or any(v is True for v in proofs))
    )


def outcome_value(outcome: Any, key: str) -> Any:
    """A key anywhere in nested outcome dicts (output variables live under their objective)."""
    if isinstance(outcome, dict):
        if key in outcome:
            return outcome[key]
        for value in outcome.values():
            found = outcome_value(value, key)
            if found is not None:
                return found
    return None

"""The engine's call state and the deferred actions a plan carries to ``commit``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallState:
    """Everything the objectives engine knows about the call; copied, never shared, by plans."""

    #: Bumped by every committed plan; a plan built on an older version is stale.
    version: int = 0
    #: The version this state was planned from (set on plan copies).
    base: int = 0
    turn: int = 0
    active: str | None = None
    completed: list[str] = field(default_factory=list)
    #: Output variables by objective; None records an answer that stayed unclear.
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Objectives still to run after the active one (from next_required_objectives).
    queue: list[str] = field(default_factory=list)
    pending_var: str | None = None
    attempts: int = 0
    #: Unclear answers to the pending question that did not count as attempts (misheard).
    misheard: int = 0
    #: Context of the pending question (offered slots, medications not yet mentioned).
    hint: dict[str, Any] = field(default_factory=dict)
    question: list[str] = field(default_factory=list)
    last_reply: list[str] = field(default_factory=list)
    #: Sentences decided outside a turn (after a manual confirmation), spoken by reprompt.
    unspoken: list[str] = field(default_factory=list)
    awaiting_confirmation: str | None = None
    escalated: bool = False
    escalation_reason: str | None = None
    booking: dict[str, Any] | None = None
    done: bool = False


@dataclass
class Action:
    """Something ``commit`` does, in order: emit an event or run a tool."""

    kind: str  # activated | completed | tool | escalate | book | call_completed
    data: dict[str, Any] = field(default_factory=dict)

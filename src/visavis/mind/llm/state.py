"""The LLM mind's call state: plans work on deep copies, ``commit`` installs one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visavis.mind.llm.types import ChatMessage


@dataclass
class LLMState:
    """The call as the LLM mind sees it; plans work on copies, ``commit`` installs one."""

    version: int = 0
    base: int = 0
    turn: int = 0
    history: list[ChatMessage] = field(default_factory=list)
    summary: str = ""
    active: str | None = None
    completed: list[str] = field(default_factory=list)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    queue: list[str] = field(default_factory=list)
    #: Objectives whose activation event was emitted (a fallback must not repeat them).
    announced: list[str] = field(default_factory=list)
    awaiting_confirmation: str | None = None
    escalated: bool = False
    escalation_reason: str | None = None
    booking: dict[str, Any] | None = None
    end_requested: bool = False
    done: bool = False

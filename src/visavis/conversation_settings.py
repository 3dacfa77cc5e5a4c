"""A conversation's settings and result (``visavis.conversation`` re-exports both)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visavis.speech.listening import ListenerSettings
from visavis.turns.settings import TurnSettings


@dataclass
class ConversationSettings:
    conversation_id: str = "local"
    persona_name: str = "agent"
    scenario: str | None = None
    #: Hard stop for the call (seconds of conversation time), as ``max_call_duration``.
    max_call_duration: float = 600.0
    #: Free-text context for the mind (persona context plus ``conversational_context``); the
    #: embedded objectives engine keeps it on record, an LLM mind reads it.
    context: str = ""
    turns: TurnSettings = field(default_factory=TurnSettings)
    listener: ListenerSettings = field(default_factory=ListenerSettings)


@dataclass
class ConversationResult:
    outcome: dict[str, Any]
    reason: str
    duration: float

"""The mind's grounding events: retrieved knowledge, guardrail hits, follow-up items, memory.

Part of the one event vocabulary (``visavis.runtime.events`` re-exports them and lists them in
its union). The public APIs announce guardrail violations as application messages whose name is
not documented; ``conversation.guardrail.triggered`` keeps their ``guardrail_name`` field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from visavis.runtime.event_base import BaseEvent


class Citation(BaseModel):
    """One retrieved passage a reply stands on."""

    document_id: str
    document_name: str
    heading: str
    chunk_id: str
    score: float


class KnowledgeRetrieved(BaseEvent):
    """The user asked something; what the knowledge base gave and whether the agent answered
    from it (``answered``) or said it did not know (no relevant passage)."""

    type: Literal["knowledge.retrieved"] = "knowledge.retrieved"
    query: str
    strategy: str
    answered: bool
    citations: list[Citation] = Field(default_factory=list)
    #: The sentences spoken from the passages (empty when it did not answer).
    answer: str = ""


class GuardrailTriggered(BaseEvent):
    """A guardrail tripped: what the user said (``input``) or what the agent was about to say
    (``output``) was replaced by a safe reply. ``evidence`` is redacted of personal data."""

    type: Literal["conversation.guardrail.triggered"] = "conversation.guardrail.triggered"
    guardrail_name: str
    kind: str
    direction: Literal["input", "output"]
    reason: str
    evidence: str = ""
    #: What the agent said instead.
    safe_reply: str = ""


class FollowUpItem(BaseEvent):
    """Something for the care team to do after the call: a question the agent could not
    answer from the documents, or one a guardrail kept it from answering."""

    type: Literal["conversation.follow_up"] = "conversation.follow_up"
    kind: Literal["question", "request"] = "question"
    text: str
    reason: str


class MemoryRecalled(BaseEvent):
    """What the agent remembered about the person at the start of the call."""

    type: Literal["memory.recalled"] = "memory.recalled"
    memory_stores: list[str]
    items: list[dict[str, Any]] = Field(default_factory=list)


class MemoryStored(BaseEvent):
    """What the call left in the person's memory stores at its end."""

    type: Literal["memory.stored"] = "memory.stored"
    memory_stores: list[str]
    items: list[dict[str, Any]] = Field(default_factory=list)

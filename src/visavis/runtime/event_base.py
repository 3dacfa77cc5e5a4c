"""``BaseEvent``: the fields and the public envelope every timeline event shares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class BaseEvent(BaseModel):
    """Fields shared by every event; ``seq`` and ``turn_idx`` are set when recorded."""

    model_config = ConfigDict(extra="forbid")

    type: str
    t: float = 0.0
    seq: int = -1
    turn_idx: int = 0

    def properties(self) -> dict[str, Any]:
        """The payload without the envelope fields, as the public protocol's ``properties``."""
        return self.model_dump(exclude={"type", "t", "seq", "turn_idx"}, mode="json")

    def to_protocol(self, conversation_id: str) -> dict[str, Any]:
        """The public interactions-protocol envelope for this event."""
        return {
            "message_type": "conversation",
            "event_type": self.type,
            "conversation_id": conversation_id,
            "seq": self.seq,
            "turn_idx": self.turn_idx,
            "timestamp": self.t,
            "properties": self.properties(),
        }

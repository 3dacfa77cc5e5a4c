"""Timeline events to WebSocket clients, and their inbound events to the live call.

``EventHub`` fans each conversation's events out to its subscribers (one queue per socket);
the live call publishes into it and ``finish``es the conversation when it ends. All on the
event loop: the timeline emits there, so a subscriber that snapshots the past events and
subscribes without awaiting in between sees every event exactly once.

Inbound messages use the public envelope::

    {"message_type": "conversation", "event_type": "conversation.echo",
     "conversation_id": "c123", "properties": {"text": "Hello there."}}

and anything else is answered with ``{"message_type": "error", "error", "message"}``.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

from pydantic import ValidationError

from visavis.runtime.events import (
    AppendContext,
    BaseEvent,
    Echo,
    Interrupt,
    OverwriteContext,
    Respond,
    Sensitivity,
)

#: Inbound event types and the events they become.
INBOUND: dict[str, type[BaseEvent]] = {
    "conversation.respond": Respond,
    "conversation.echo": Echo,
    "conversation.interrupt": Interrupt,
    "conversation.overwrite_llm_context": OverwriteContext,
    "conversation.append_llm_context": AppendContext,
    "conversation.sensitivity": Sensitivity,
}
#: Envelope fields a client may not set through ``properties``.
_ENVELOPE = frozenset({"type", "t", "seq", "turn_idx"})

#: Queued for a subscriber when its conversation is over.
FINISHED = None


class EventHub:
    """Per-conversation fan-out of timeline events; use on the event loop only."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[BaseEvent | None]]] = defaultdict(set)

    def subscribe(self, conversation_id: str) -> asyncio.Queue[BaseEvent | None]:
        queue: asyncio.Queue[BaseEvent | None] = asyncio.Queue()
        self._subscribers[conversation_id].add(queue)
        return queue

    def unsubscribe(self, conversation_id: str, queue: asyncio.Queue[BaseEvent | None]) -> None:
        subscribers = self._subscribers.get(conversation_id)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[conversation_id]

    def publish(self, conversation_id: str, event: BaseEvent) -> None:
        for queue in self._subscribers.get(conversation_id, ()):
            queue.put_nowait(event)

    def finish(self, conversation_id: str) -> None:
        """The conversation is over: every subscriber's stream ends after what is queued."""
        for queue in self._subscribers.pop(conversation_id, set()):
            queue.put_nowait(FINISHED)


class InboundError(ValueError):
    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"message_type": "error", "error": self.error, "message": self.message}


def parse_inbound(text: str, conversation_id: str) -> BaseEvent:
    """One inbound message as the event to inject; ``InboundError`` says what to fix."""
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise InboundError("invalid_json", f"the message is not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise InboundError("invalid_message", "send a JSON object in the protocol envelope")
    if message.get("message_type") != "conversation":
        raise InboundError("invalid_message", 'set "message_type": "conversation"')
    event_type = message.get("event_type")
    kind = INBOUND.get(event_type) if isinstance(event_type, str) else None
    if kind is None:
        raise InboundError(
            "unsupported_event",
            f"event_type {event_type!r} cannot be sent; use one of {sorted(INBOUND)}",
        )
    target = message.get("conversation_id", conversation_id)
    if target != conversation_id:
        raise InboundError(
            "wrong_conversation",
            f"this socket is conversation {conversation_id!r}, the message names {target!r}",
        )
    properties = message.get("properties", {})
    if not isinstance(properties, dict):
        raise InboundError("invalid_message", '"properties" must be a JSON object')
    fields = {k: v for k, v in properties.items() if k not in _ENVELOPE}
    if kind is Interrupt:
        fields.setdefault("reason", "application")
    try:
        # Unknown property keys are an error too, so a typo ("txt") does not pass silently.
        return kind.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'properties'}: {e['msg']}"
            for e in exc.errors()
        )
        raise InboundError("invalid_properties", f"fix the properties: {problems}") from exc

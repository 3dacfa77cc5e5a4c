"""Request and response bodies of the REST API."""

from visavis.server.schemas.conversations import (
    BUILTIN_PERSONA,
    ConversationCreated,
    ConversationList,
    ConversationProperties,
    ConversationView,
    CreateConversation,
    ErrorBody,
    SessionDescription,
    Status,
    TranscriptLine,
    TurnLatencyView,
)

__all__ = [
    "BUILTIN_PERSONA",
    "ConversationCreated",
    "ConversationList",
    "ConversationProperties",
    "ConversationView",
    "CreateConversation",
    "ErrorBody",
    "SessionDescription",
    "Status",
    "TranscriptLine",
    "TurnLatencyView",
]

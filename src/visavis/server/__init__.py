"""The live call server: REST API, WebRTC signalling and the browser call page."""

from visavis.server.app import create_app
from visavis.server.live import LiveCall, LiveCallOptions
from visavis.server.persist import StoreRegistry
from visavis.server.registry import ConversationRecord, ConversationRegistry, InMemoryRegistry

__all__ = [
    "ConversationRecord",
    "ConversationRegistry",
    "InMemoryRegistry",
    "LiveCall",
    "LiveCallOptions",
    "StoreRegistry",
    "create_app",
]

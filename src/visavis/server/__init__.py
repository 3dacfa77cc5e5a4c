"""The live call server: REST API, WebRTC signalling, the event socket and the browser pages.

The names below load on first use: ``visavis.server.launch`` (the CLI) and the schemas must not
pull WebRTC and the speech engines in just to parse a command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from visavis.server.app import create_app
    from visavis.server.live import LiveCall, LiveCallOptions
    from visavis.server.persist import StoreRegistry
    from visavis.server.registry import (
        ConversationRecord,
        ConversationRegistry,
        InMemoryRegistry,
    )

_WHERE = {
    "create_app": "visavis.server.app",
    "LiveCall": "visavis.server.live",
    "LiveCallOptions": "visavis.server.live",
    "StoreRegistry": "visavis.server.persist",
    "ConversationRecord": "visavis.server.registry",
    "ConversationRegistry": "visavis.server.registry",
    "InMemoryRegistry": "visavis.server.registry",
}

__all__ = [
    "ConversationRecord",
    "ConversationRegistry",
    "InMemoryRegistry",
    "LiveCall",
    "LiveCallOptions",
    "StoreRegistry",
    "create_app",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'visavis.server' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

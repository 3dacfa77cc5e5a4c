"""Durable state of the server: SQLAlchemy models, alembic migrations and the ``Store``.

SQLite by default, PostgreSQL by URL, with the same code (see ``visavis.store.db``).
"""

from .core import DEFAULT_URL, NotFoundError
from .models import ApiKey, Base, Conversation, Outcome, Persona, TimelineEvent, WebhookOutbox
from .outbox import MAX_ATTEMPTS, backoff_delay
from .store import PERSONA_FIELDS, Store

__all__ = [
    "DEFAULT_URL",
    "MAX_ATTEMPTS",
    "PERSONA_FIELDS",
    "ApiKey",
    "Base",
    "Conversation",
    "NotFoundError",
    "Outcome",
    "Persona",
    "Store",
    "TimelineEvent",
    "WebhookOutbox",
    "backoff_delay",
]

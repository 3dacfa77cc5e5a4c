"""Durable state of the server: SQLAlchemy models, alembic migrations and the ``Store``.

SQLite by default, PostgreSQL by URL, with the same code (see ``visavis.store.db``).
"""

from .core import DEFAULT_URL, NotFoundError
from .guardrails import GUARDRAIL_FIELDS
from .models import (
    GUARDRAIL_MODALITIES,
    ApiKey,
    Base,
    Conversation,
    DeploymentSetting,
    Guardrail,
    Objectives,
    Outcome,
    Persona,
    TimelineEvent,
    WebhookOutbox,
)
from .objectives import OBJECTIVES_FIELDS
from .outbox import MAX_ATTEMPTS, backoff_delay
from .store import PERSONA_FIELDS, Store

__all__ = [
    "DEFAULT_URL",
    "GUARDRAIL_FIELDS",
    "GUARDRAIL_MODALITIES",
    "MAX_ATTEMPTS",
    "OBJECTIVES_FIELDS",
    "PERSONA_FIELDS",
    "ApiKey",
    "Base",
    "Conversation",
    "DeploymentSetting",
    "Guardrail",
    "NotFoundError",
    "Objectives",
    "Outcome",
    "Persona",
    "Store",
    "TimelineEvent",
    "WebhookOutbox",
    "backoff_delay",
]

"""Durable state of the server: SQLAlchemy models, alembic migrations and the ``Store``.

SQLite by default, PostgreSQL by URL, with the same code (see ``visavis.store.db``).
"""

from .core import DEFAULT_URL, ConflictError, NotFoundError
from .documents import DOCUMENT_FIELDS
from .guardrails import GUARDRAIL_FIELDS
from .memories import STORE_KEY, check_store_key
from .models import (
    GUARDRAIL_MODALITIES,
    MEMORY_KINDS,
    RETRIEVAL_STRATEGIES,
    TOOL_ON_CALL,
    ApiKey,
    Base,
    Conversation,
    DeploymentSetting,
    Guardrail,
    Memory,
    Objectives,
    Outcome,
    Persona,
    StoredDocument,
    TimelineEvent,
    Tool,
    WebhookOutbox,
)
from .objectives import OBJECTIVES_FIELDS
from .outbox import MAX_ATTEMPTS, backoff_delay
from .store import PERSONA_FIELDS, Store
from .tools import TOOL_FIELDS, tool_definition

__all__ = [
    "DEFAULT_URL",
    "DOCUMENT_FIELDS",
    "MEMORY_KINDS",
    "RETRIEVAL_STRATEGIES",
    "STORE_KEY",
    "TOOL_FIELDS",
    "TOOL_ON_CALL",
    "ConflictError",
    "Memory",
    "StoredDocument",
    "Tool",
    "check_store_key",
    "tool_definition",
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

"""What every part of the Store shares: the engine, the clock and one transaction per call."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Self, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from . import db
from .coltypes import utcnow
from .models import Conversation, Guardrail, Memory, Objectives, Persona, StoredDocument, Tool

#: A SQLite file in the working directory, so ``visavis serve`` works with no setup.
DEFAULT_URL = "sqlite:///visavis.db"


class NotFoundError(LookupError):
    """No such row for this tenant (it may not exist, or belong to another tenant)."""


class ConflictError(ValueError):
    """The row would repeat one the tenant already has; ``existing_id`` names that one."""

    def __init__(self, message: str, existing_id: str) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class StoreCore:
    """Engine, clock and sessions; the Store's record kinds are mixed in on top."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        clock: Callable[[], datetime] = utcnow,
        **engine_kwargs: Any,
    ) -> None:
        self.url = url
        self.engine: Engine = db.make_engine(url, **engine_kwargs)
        # Injected so outbox due times and timestamps are testable without sleeping.
        self.clock = clock
        # Detached rows stay readable after the session closes; nothing lazy-loads later.
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # One shared connection (an in-memory SQLite database under StaticPool) cannot hold two
        # transactions at once: threads take turns. Pooled engines need no lock.
        shared = isinstance(self.engine.pool, StaticPool)
        self._serial: threading.RLock | None = threading.RLock() if shared else None

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe on a fresh or an up-to-date database."""
        db.migrate(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection (the file and its data stay)."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        # The URL may carry a password; SQLAlchemy's rendering masks it.
        return f"Store({self.engine.url!r})"

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._serial or contextlib.nullcontext(), self._sessions.begin() as session:
            yield session


# --- helpers the record kinds share ----------------------------------------------------------

#: The tenant-owned kinds: read and changed only through their tenant.
Owned = TypeVar("Owned", Persona, Conversation, Objectives, Guardrail, StoredDocument, Memory, Tool)


def check_fields(fields: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Refuse a field name the record does not have (a typo would otherwise be dropped)."""
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; expected some of {sorted(allowed)}")


def owned(s: Session, model: type[Owned], tenant_id: str, row_id: str) -> Owned:
    """The row of ``tenant_id``; another tenant's row is as missing as one that never was."""
    row = s.get(model, row_id)
    if row is None or row.tenant_id != tenant_id:
        table = model.__tablename__
        what = "memory" if table == "memories" else table.removesuffix("s")
        raise NotFoundError(f"{what} {row_id!r} not found")
    return row

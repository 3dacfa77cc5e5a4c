"""The webhook outbox: callbacks recorded in the store and delivered at least once.

A callback is enqueued in the store, not sent inline, so a crash between "the call ended" and
"the customer heard about it" loses nothing: any server instance's deliverer picks it up.
Receivers must tolerate duplicates (the body carries ids to de-duplicate on).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from .core import NotFoundError, StoreCore
from .models import WebhookOutbox

#: After this many failed attempts a webhook is given up (kept, with its last error).
MAX_ATTEMPTS = 10


def backoff_delay(attempts: int) -> timedelta:
    """Exponential back-off after ``attempts`` failures: 10 s, 20 s, 40 s... capped at 1 h."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


class OutboxMixin(StoreCore):
    def enqueue_webhook(
        self,
        url: str,
        event_type: str,
        body: Mapping[str, Any],
        *,
        conversation_id: str | None = None,
    ) -> WebhookOutbox:
        """Queue a callback, due at once."""
        now = self.clock()
        row = WebhookOutbox(
            id=WebhookOutbox.new_id(),
            conversation_id=conversation_id,
            url=url,
            event_type=event_type,
            body=dict(body),
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        with self._tx() as s:
            s.add(row)
        return row

    def due_webhooks(
        self, now: datetime | None = None, *, limit: int = 100, lease: timedelta | None = None
    ) -> list[WebhookOutbox]:
        """Undelivered webhooks whose next attempt is at or before ``now``, oldest due first.

        With ``lease``, each returned row is also claimed: its next attempt moves to
        ``now + lease``, so another server instance polling meanwhile does not send it too; a
        deliverer that dies mid-send simply lets the lease run out.
        """
        now = now or self.clock()
        query = (
            select(WebhookOutbox)
            .where(WebhookOutbox.delivered_at.is_(None), WebhookOutbox.next_attempt_at <= now)
            .order_by(WebhookOutbox.next_attempt_at, WebhookOutbox.id)
            .limit(limit)
        )
        with self._tx() as s:
            rows = list(s.scalars(query))
            if lease is None:
                return rows
            claimed = []
            for row in rows:
                # Compare-and-set on the due time: generic SQL that works where
                # SELECT ... FOR UPDATE SKIP LOCKED does not (SQLite).
                result = s.execute(
                    update(WebhookOutbox)
                    .where(
                        WebhookOutbox.id == row.id,
                        WebhookOutbox.next_attempt_at == row.next_attempt_at,
                        WebhookOutbox.delivered_at.is_(None),
                    )
                    .values(next_attempt_at=now + lease)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    row.next_attempt_at = now + lease
                    claimed.append(row)
            return claimed

    def mark_delivered(self, webhook_id: str) -> WebhookOutbox:
        with self._tx() as s:
            row = _get(s, webhook_id)
            row.attempts += 1
            row.delivered_at = self.clock()
            row.next_attempt_at = None
            row.last_error = None
            return row

    def mark_failed(
        self,
        webhook_id: str,
        error: str,
        *,
        backoff: timedelta | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> WebhookOutbox:
        """Record a failed attempt and when to retry (``backoff``, else ``backoff_delay``).

        After ``max_attempts`` the webhook is given up: it stays, with ``last_error``, but is no
        longer due.
        """
        with self._tx() as s:
            row = _get(s, webhook_id)
            row.attempts += 1
            row.last_error = error[:2000]
            if row.attempts >= max_attempts:
                row.next_attempt_at = None
            else:
                row.next_attempt_at = self.clock() + (backoff or backoff_delay(row.attempts))
            return row

    def get_webhook(self, webhook_id: str) -> WebhookOutbox:
        with self._tx() as s:
            return _get(s, webhook_id)


def _get(s: Any, webhook_id: str) -> WebhookOutbox:
    row = s.get(WebhookOutbox, webhook_id)
    if row is None:
        raise NotFoundError(f"webhook {webhook_id!r} not found")
    return row

"""Conversation callbacks: the Tavus-style envelope, HMAC signing and the outbox deliverer.

``WebhookNotifier.notify`` only writes the callback into the store's outbox; the
``WebhookDeliverer`` (one asyncio task per server instance) sends it, at least once, and retries
on failure. Receivers de-duplicate on ``X-Visavis-Webhook-Id`` and check ``X-Visavis-Signature``
with ``verify_signature``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from visavis import egress
from visavis.store import MAX_ATTEMPTS, Store, WebhookOutbox
from visavis.webhook_signature import (
    SIGNATURE_HEADER,
    WEBHOOK_ID_HEADER,
    sign,
    verify_signature,
)

__all__ = [
    "SIGNATURE_HEADER",
    "WEBHOOK_ID_HEADER",
    "WebhookDeliverer",
    "WebhookNotifier",
    "build_envelope",
    "sign",
    "verify_signature",
]

log = logging.getLogger(__name__)

#: The event types the server sends; the prefix is the envelope's ``message_type``.
EVENT_TYPES = frozenset(
    {
        "system.replica_joined",
        "system.shutdown",
        "application.transcription_ready",
        "application.perception_analysis",
        # During the call (visavis): a guardrail hit, an objective done, a question for the
        # care team, an escalation to a human.
        "application.guardrail_triggered",
        "application.objective_completed",
        "application.follow_up",
        "application.escalation",
    }
)


def build_envelope(
    conversation_id: str,
    webhook_url: str,
    event_type: str,
    properties: Mapping[str, Any],
    *,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """The callback body, shaped like the Tavus CVI API's so existing receivers work."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}; one of {sorted(EVENT_TYPES)}")
    when = (timestamp or datetime.now(UTC)).astimezone(UTC)
    return {
        "properties": dict(properties),
        "conversation_id": conversation_id,
        "webhook_url": webhook_url,
        "event_type": event_type,
        "message_type": event_type.split(".", 1)[0],
        "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def _host(url: str) -> str:
    """The host alone, for logs: a URL's path or query may carry the receiver's token."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("webhook URL must be an absolute http(s) URL")


class WebhookNotifier:
    """Queues callbacks; synchronous (store calls block), so the server runs it in a thread."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def notify(
        self, url: str, conversation_id: str, event_type: str, properties: Mapping[str, Any]
    ) -> None:
        _check_url(url)
        body = build_envelope(
            conversation_id, url, event_type, properties, timestamp=self.store.clock()
        )
        self.store.enqueue_webhook(url, event_type, body, conversation_id=conversation_id)


# --- the body ------------------------------------------------------------------------------


def _serialize(body: Mapping[str, Any]) -> bytes:
    """Compact JSON; serialized once per attempt so the signed bytes are the sent bytes."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


# --- delivery --------------------------------------------------------------------------------


class WebhookDeliverer:
    """Background task sending due outbox rows; several server instances may each run one
    (the store's lease keeps them from sending the same row at the same time)."""

    def __init__(
        self,
        store: Store,
        secret: str,
        *,
        poll_interval: float = 0.5,
        lease: timedelta = timedelta(seconds=60),
        timeout: float = 10.0,
        backoff: timedelta | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        max_in_flight: int = 32,
    ) -> None:
        if not secret:
            raise ValueError("a webhook signing secret is required")
        # A claim must outlive the POST, or another instance could send the row meanwhile.
        if lease.total_seconds() <= timeout:
            raise ValueError("lease must be longer than the HTTP timeout")
        self.store, self._secret = store, secret
        self.poll_interval, self.lease, self.timeout = poll_interval, lease, timeout
        self.backoff, self.max_attempts, self.max_in_flight = backoff, max_attempts, max_in_flight
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        """Start polling; call from the running event loop (e.g. the app's lifespan)."""
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        # Redirects are not followed: a 3xx is a failure, not a hop to an unsigned-for URL.
        self._client = httpx.AsyncClient(
            transport=egress.async_transport(), timeout=self.timeout, follow_redirects=False
        )
        self._task = asyncio.create_task(self._run(), name="webhook-deliverer")

    async def stop(self, *, grace: float = 2.0) -> None:
        """Stop polling; sends in flight get ``grace`` seconds to finish (fewer duplicates
        after a restart), then are cancelled: their leases run out and a later run resends."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._in_flight:
            _done, pending = await asyncio.wait(set(self._in_flight), timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self) -> None:
        """Poll now rather than at the next interval; safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    async def _run(self) -> None:
        while True:
            # Cleared before the poll, not after: a wake() that lands while the outbox query
            # runs (a row written just after it looked) must still cut the next wait short.
            self._wake.clear()
            claimed = 0
            room = self.max_in_flight - len(self._in_flight)
            if room > 0:
                try:
                    rows = await asyncio.to_thread(
                        self.store.due_webhooks, limit=room, lease=self.lease
                    )
                except Exception:  # the database may be briefly unreachable: try next poll
                    log.exception("webhook outbox poll failed")
                    rows = []
                claimed = len(rows)
                for row in rows:
                    # A task per row, so a slow receiver never holds up the others.
                    task = asyncio.create_task(self._deliver(row))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
            if claimed and claimed == room:
                await asyncio.sleep(0)  # a full batch: more may be due, poll again at once
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _deliver(self, row: WebhookOutbox) -> None:
        host = _host(row.url)
        try:
            error = await self._post(row)
            if error is None:
                await asyncio.to_thread(self.store.mark_delivered, row.id)
                log.info("webhook %s to %s delivered", row.event_type, host)
            else:
                # The egress policy will refuse the same address next time: give up now.
                refused = error.startswith(egress.REFUSED)
                mark = functools.partial(
                    self.store.mark_failed,
                    backoff=self.backoff,
                    max_attempts=1 if refused else self.max_attempts,
                )
                failed = await asyncio.to_thread(mark, row.id, error)
                # Only the status or exception class: an exception's text may quote the URL.
                status = egress.REFUSED if refused else error.split(":", 1)[0]
                end = "giving up" if failed.next_attempt_at is None else "will retry"
                log.info("webhook %s to %s failed (%s), %s", row.event_type, host, status, end)
        except Exception:  # e.g. the store failed; the lease expires and the row is retried
            log.exception("webhook %s to %s: delivery bookkeeping failed", row.event_type, host)

    async def _post(self, row: WebhookOutbox) -> str | None:
        """Send one row; None on a 2xx, else a short error (never the response body)."""
        assert self._client is not None
        body = _serialize(row.body)
        headers = {
            "Content-Type": "application/json",
            WEBHOOK_ID_HEADER: row.id,
            SIGNATURE_HEADER: sign(self._secret, body, int(time.time())),
        }
        try:
            # Streamed so the response body is never read: a huge reply costs nothing.
            async with self._client.stream("POST", row.url, content=body, headers=headers) as r:
                return None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"
        except Exception as exc:  # timeouts, refused connections, invalid stored URLs...
            text = str(exc)
            if not text.startswith(egress.REFUSED):
                text = f"{type(exc).__name__}: {text}"
            return text[:300]

"""Webhook delivery end to end: a real Store on a SQLite file, real HTTP to a local receiver."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.server.conftest import Receiver

from visavis.server.webhooks import (
    SIGNATURE_HEADER,
    WEBHOOK_ID_HEADER,
    WebhookDeliverer,
    WebhookNotifier,
    build_envelope,
    sign,
    verify_signature,
)
from visavis.store import Store, WebhookOutbox

SECRET = "whsec-test"
TINY = timedelta(milliseconds=20)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path}/v.db") as s:
        s.migrate()
        yield s


@pytest.fixture
async def deliverer(store: Store) -> AsyncIterator[WebhookDeliverer]:
    d = WebhookDeliverer(store, SECRET, poll_interval=0.05, backoff=TINY, timeout=2.0)
    d.start()
    yield d
    await d.stop()


def refused_url() -> str:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def hook_of(store: Store, url: str) -> WebhookOutbox:
    return next(w for w in _all(store) if w.url == url)


def _all(store: Store) -> list[WebhookOutbox]:
    """Every outbox row, delivered or not (the Store only lists due ones)."""
    with Session(store.engine) as s:
        return list(s.scalars(select(WebhookOutbox)))


# --- envelope and signature ------------------------------------------------------------------


def test_notify_rejects_bad_urls_and_event_types(store: Store) -> None:
    notifier = WebhookNotifier(store)
    for url in ("ftp://x.example/hook", "not a url", "https://", "/relative"):
        with pytest.raises(ValueError):
            notifier.notify(url, "c1", "system.shutdown", {})
    with pytest.raises(ValueError):
        notifier.notify("https://x.example/hook", "c1", "system.exploded", {})
    assert _all(store) == []


def test_the_envelope_is_tavus_shaped() -> None:
    when = datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
    props = {"shutdown_reason": "participant_left"}
    assert build_envelope(
        "c1", "https://x.example/h", "system.shutdown", props, timestamp=when
    ) == {
        "properties": props,
        "conversation_id": "c1",
        "webhook_url": "https://x.example/h",
        "event_type": "system.shutdown",
        "message_type": "system",
        "timestamp": "2026-03-01T09:00:00.123Z",
    }


def test_signature_checks() -> None:
    body = b'{"a":1}'
    header = sign(SECRET, body, 1_000)
    assert verify_signature(SECRET, body, header, now=1_010)
    assert not verify_signature(SECRET, b'{"a":2}', header, now=1_010)
    assert not verify_signature("other-secret", body, header, now=1_010)
    assert not verify_signature(SECRET, body, header, now=1_000 + 301)  # stale
    assert not verify_signature(SECRET, body, header, now=1_000 - 301)  # from the future
    v1 = header.split("v1=")[1]
    for bad in ("", "garbage", "t=abc,v1=00", f"v1={v1}", "t=1000", "t=1000,v1=\u00e9"):
        assert not verify_signature(SECRET, body, bad, now=1_010)


async def test_a_delivered_webhook_is_the_signed_envelope(
    store: Store, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="visavis.server.webhooks")
    # A long poll interval: only wake() can make this delivery quick.
    deliverer = WebhookDeliverer(store, SECRET, poll_interval=30)
    deliverer.start()
    try:
        await asyncio.sleep(0.05)  # let the first (empty) poll pass
        url = f"{receiver.base}/hook?token=tok-in-url"
        said = "my card number is 4111"
        transcript = [{"role": "user", "content": said, "timestamp": "2026-03-01T09:00:00Z"}]
        props = {"transcript": transcript}
        await asyncio.to_thread(
            WebhookNotifier(store).notify, url, "c1", "application.transcription_ready", props
        )
        deliverer.wake()
        # Well under the 30 s poll (and roomy for a loaded machine): only wake() explains it.
        await until(lambda: len(receiver.requests) == 1, timeout=5.0)
        await until(lambda: _all(store)[0].delivered_at is not None)
    finally:
        await deliverer.stop()

    got = receiver.requests[0]
    assert got.headers["Content-Type"] == "application/json"
    assert verify_signature(SECRET, got.body, got.headers[SIGNATURE_HEADER])
    assert not verify_signature(SECRET, got.body + b" ", got.headers[SIGNATURE_HEADER])
    assert not verify_signature("wrong", got.body, got.headers[SIGNATURE_HEADER])
    envelope = json.loads(got.body)
    stamp = datetime.fromisoformat(envelope.pop("timestamp"))
    assert stamp.tzinfo == UTC and abs(stamp - datetime.now(UTC)) < timedelta(seconds=5)
    assert envelope == {
        "properties": props,
        "conversation_id": "c1",
        "webhook_url": url,
        "event_type": "application.transcription_ready",
        "message_type": "application",
    }
    assert b", " not in got.body  # compact JSON, exactly the signed bytes
    hook = store.get_webhook(got.headers[WEBHOOK_ID_HEADER])
    assert (hook.attempts, hook.last_error) == (1, None) and hook.delivered_at is not None
    # The log says what and where, never the content, the URL's token or the secret.
    assert "application.transcription_ready to 127.0.0.1" in caplog.text
    for private in (said, "tok-in-url", SECRET):
        assert private not in caplog.text


# --- retries ---------------------------------------------------------------------------------


async def test_a_failing_receiver_gets_the_same_webhook_until_it_succeeds(
    store: Store, receiver: Receiver, deliverer: WebhookDeliverer
) -> None:
    receiver.statuses["/flaky"] = [500, 500, 200]
    notifier = WebhookNotifier(store)
    notifier.notify(f"{receiver.base}/flaky", "c1", "system.shutdown", {"shutdown_reason": "x"})
    await asyncio.to_thread(deliverer.wake)  # the server may wake it from its worker thread
    await until(lambda: store.get_webhook(_all(store)[0].id).delivered_at is not None)

    ids = {r.headers[WEBHOOK_ID_HEADER] for r in receiver.on("/flaky")}
    assert len(receiver.on("/flaky")) == 3 and len(ids) == 1
    hook = store.get_webhook(ids.pop())
    assert (hook.attempts, hook.last_error, hook.next_attempt_at) == (3, None, None)


async def test_a_dead_receiver_is_retried_without_blocking_others(
    store: Store, receiver: Receiver, deliverer: WebhookDeliverer
) -> None:
    notifier = WebhookNotifier(store)
    dead, good = refused_url(), f"{receiver.base}/good"
    notifier.notify(dead, "c1", "system.replica_joined", {})
    notifier.notify(good, "c2", "system.replica_joined", {})
    # A URL httpx cannot even parse: an exception in one delivery must not stop the loop.
    store.enqueue_webhook("http://[broken/hook", "system.shutdown", {})
    deliverer.wake()
    await until(lambda: hook_of(store, dead).attempts >= 2)
    await until(lambda: hook_of(store, good).delivered_at is not None)

    assert len(receiver.on("/good")) == 1
    failed = hook_of(store, dead)
    assert failed.delivered_at is None and failed.last_error.startswith("ConnectError: ")
    broken = hook_of(store, "http://[broken/hook")
    assert broken.attempts >= 1 and broken.delivered_at is None


async def test_max_attempts_gives_up(store: Store) -> None:
    dead = refused_url()
    WebhookNotifier(store).notify(dead, "c1", "system.shutdown", {"shutdown_reason": "x"})
    deliverer = WebhookDeliverer(store, SECRET, poll_interval=0.02, backoff=TINY, max_attempts=3)
    deliverer.start()
    try:
        await until(lambda: hook_of(store, dead).next_attempt_at is None)
        await asyncio.sleep(0.2)  # and it is not tried again
    finally:
        await deliverer.stop()
    hook = hook_of(store, dead)
    assert (hook.attempts, hook.delivered_at) == (3, None)
    assert hook.last_error and hook.last_error.startswith("ConnectError")


async def test_a_url_the_egress_policy_refuses_is_given_up_at_once(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="visavis.server.webhooks")
    metadata = "http://169.254.169.254/latest/meta-data/"
    WebhookNotifier(store).notify(metadata, "c1", "system.shutdown", {"shutdown_reason": "x"})
    deliverer = WebhookDeliverer(store, SECRET, poll_interval=0.02, backoff=TINY, max_attempts=5)
    deliverer.start()
    try:
        await until(lambda: hook_of(store, metadata).next_attempt_at is None)
    finally:
        await deliverer.stop()
    hook = hook_of(store, metadata)
    assert (hook.attempts, hook.delivered_at) == (1, None)
    assert hook.last_error.startswith("egress refused: 169.254.169.254 is a link-local")
    assert "(egress refused), giving up" in caplog.text


# --- restart ---------------------------------------------------------------------------------


async def test_a_webhook_queued_before_a_restart_is_delivered_after(
    tmp_path: Path, receiver: Receiver
) -> None:
    url = f"sqlite:///{tmp_path}/restart.db"
    with Store(url) as before:
        before.migrate()
        WebhookNotifier(before).notify(f"{receiver.base}/r", "c1", "system.shutdown", {})
    # No deliverer ran; a brand-new Store on the same file, as after a crash and restart.
    with Store(url) as after:
        deliverer = WebhookDeliverer(after, SECRET, poll_interval=0.05)
        deliverer.start()
        try:
            await until(lambda: len(receiver.on("/r")) == 1)
            await until(lambda: _all(after)[0].delivered_at is not None)
        finally:
            await deliverer.stop()
    assert json.loads(receiver.on("/r")[0].body)["event_type"] == "system.shutdown"

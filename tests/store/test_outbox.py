"""The webhook outbox: due now, retried after a back-off, done once delivered or given up."""

from __future__ import annotations

from datetime import timedelta

from visavis.store import Store, backoff_delay

from .conftest import FakeClock

BODY = {"event_type": "system.shutdown", "properties": {"shutdown_reason": "participant_left"}}


def due_ids(store: Store) -> list[str]:
    return [w.id for w in store.due_webhooks()]


def test_enqueued_webhooks_are_due_at_once_in_order(store: Store, clock: FakeClock) -> None:
    first = store.enqueue_webhook("https://a.example/hook", "system.shutdown", BODY)
    clock.advance(1)
    second = store.enqueue_webhook(
        "https://b.example/hook", "application.transcription_ready", {}, conversation_id="c1"
    )
    assert first.id.startswith("w") and first.attempts == 0
    assert due_ids(store) == [first.id, second.id]
    assert store.due_webhooks(limit=1)[0].body == BODY
    # Not due before it was enqueued.
    assert store.due_webhooks(clock.now - timedelta(seconds=5)) == []


def test_failure_backs_off_then_delivery_ends_it(store: Store, clock: FakeClock) -> None:
    hook = store.enqueue_webhook("https://a.example/hook", "system.shutdown", BODY)
    failed = store.mark_failed(hook.id, "HTTP 503", backoff=timedelta(seconds=30))
    assert (failed.attempts, failed.last_error) == (1, "HTTP 503")
    assert due_ids(store) == []
    clock.advance(29)
    assert due_ids(store) == []
    clock.advance(1)
    assert due_ids(store) == [hook.id]

    # Without an explicit back-off the delay grows with the attempts.
    failed = store.mark_failed(hook.id, "timeout")
    assert failed.next_attempt_at == clock.now + backoff_delay(2)
    assert backoff_delay(1) < backoff_delay(2) < backoff_delay(3)
    assert backoff_delay(50) == timedelta(hours=1)

    clock.advance(backoff_delay(2).total_seconds())
    delivered = store.mark_delivered(hook.id)
    assert (delivered.delivered_at, delivered.attempts, delivered.last_error) == (
        clock.now,
        3,
        None,
    )
    clock.advance(10_000)
    assert due_ids(store) == []


def test_a_webhook_is_given_up_after_max_attempts(store: Store, clock: FakeClock) -> None:
    hook = store.enqueue_webhook("https://a.example/hook", "system.shutdown", BODY)
    for _ in range(3):
        store.mark_failed(hook.id, "HTTP 500", max_attempts=3, backoff=timedelta(0))
    clock.advance(100_000)
    assert due_ids(store) == []
    kept = store.get_webhook(hook.id)
    assert (kept.attempts, kept.last_error, kept.delivered_at) == (3, "HTTP 500", None)


def test_a_lease_keeps_two_deliverers_from_sending_the_same_webhook(
    store: Store, clock: FakeClock
) -> None:
    hook = store.enqueue_webhook("https://a.example/hook", "system.shutdown", BODY)
    lease = timedelta(seconds=60)
    assert [w.id for w in store.due_webhooks(lease=lease)] == [hook.id]
    assert store.due_webhooks(lease=lease) == []  # the other instance finds nothing
    clock.advance(61)  # the first deliverer died without reporting: the lease ran out
    assert [w.id for w in store.due_webhooks(lease=lease)] == [hook.id]


def test_webhooks_outlive_a_deleted_conversation(store: Store) -> None:
    cid = store.create_conversation("tenant-a").conversation_id
    hook = store.enqueue_webhook(
        "https://a.example/hook", "system.shutdown", BODY, conversation_id=cid
    )
    store.delete_conversation("tenant-a", cid)
    assert due_ids(store) == [hook.id]

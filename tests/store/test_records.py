"""Personas and conversations: create, read, list, change, delete, each within its tenant."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from visavis.store import NotFoundError, Store

from .conftest import FakeClock

A, B = "tenant-a", "tenant-b"

PROPERTIES = {
    "max_call_duration": 600,
    "participant_left_timeout": 0,
    "participant_absent_timeout": 300,
    "language": "english",
}


def test_persona_crud(store: Store, clock: FakeClock) -> None:
    persona = store.create_persona(
        A,
        "Post-discharge nurse",
        system_prompt="You are a nurse.",
        default_replica_id="r-face",
        layers={"llm": {"model": "local"}, "tts": {"tts_engine": "piper"}},
        objectives_id="o123",
        guardrail_ids=["g1", "g2"],
        document_ids=["d1"],
    )
    assert re.fullmatch(r"p[0-9a-f]{12}", persona.persona_id)
    got = store.get_persona(A, persona.persona_id)
    assert got.layers == {"llm": {"model": "local"}, "tts": {"tts_engine": "piper"}}
    assert got.guardrail_ids == ["g1", "g2"]
    assert got.created_at == clock.now

    clock.advance(5)
    store.update_persona(A, persona.persona_id, persona_name="Nurse", layers={})
    got = store.get_persona(A, persona.persona_id)
    assert (got.persona_name, got.layers, got.updated_at) == ("Nurse", {}, clock.now)
    assert got.system_prompt == "You are a nurse."

    other = store.create_persona(A, "Second")
    assert [p.persona_id for p in store.list_personas(A)] == [
        other.persona_id,
        persona.persona_id,
    ]
    store.delete_persona(A, persona.persona_id)
    with pytest.raises(NotFoundError):
        store.get_persona(A, persona.persona_id)
    assert [p.persona_id for p in store.list_personas(A)] == [other.persona_id]


def test_unknown_persona_fields_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="persona_nmae"):
        store.create_persona(A, "x", persona_nmae="typo")
    persona = store.create_persona(A, "x")
    with pytest.raises(ValueError, match="tenant_id"):
        store.update_persona(A, persona.persona_id, tenant_id=B)


def test_conversation_lifecycle(store: Store, clock: FakeClock) -> None:
    conversation = store.create_conversation(
        A,
        persona_id="p1",
        replica_id="r1",
        conversation_name="Follow-up for patient 7",
        conversational_context="Discharged on Monday.",
        custom_greeting="Hello!",
        callback_url="https://example.org/hook",
        properties=PROPERTIES,
    )
    assert re.fullmatch(r"c[0-9a-f]{12}", conversation.conversation_id)
    got = store.get_conversation(A, conversation.conversation_id)
    assert (got.status, got.properties, got.created_at) == ("active", PROPERTIES, clock.now)
    assert got.ended_at is None

    clock.advance(90)
    ended = store.end_conversation(A, conversation.conversation_id, "participant_left")
    assert (ended.status, ended.end_reason, ended.ended_at) == (
        "ended",
        "participant_left",
        clock.now,
    )
    clock.advance(10)
    again = store.end_conversation(A, conversation.conversation_id, "other")
    assert (again.end_reason, again.ended_at) == ("participant_left", ended.ended_at)

    live = store.create_conversation(A)
    assert [c.conversation_id for c in store.list_conversations(A, status="active")] == [
        live.conversation_id
    ]
    assert len(store.list_conversations(A)) == 2

    store.delete_conversation(A, conversation.conversation_id)
    with pytest.raises(NotFoundError):
        store.get_conversation(A, conversation.conversation_id)


def test_tenant_b_cannot_reach_tenant_a(store: Store) -> None:
    mine = store.create_conversation(A, conversation_name="private")
    persona = store.create_persona(A, "private persona")
    cid, pid = mine.conversation_id, persona.persona_id

    for attempt in (
        lambda: store.get_conversation(B, cid),
        lambda: store.end_conversation(B, cid),
        lambda: store.delete_conversation(B, cid),
        lambda: store.events(cid, tenant_id=B),
        lambda: store.transcript(cid, tenant_id=B),
        lambda: store.outcome(cid, tenant_id=B),
        lambda: store.get_persona(B, pid),
        lambda: store.update_persona(B, pid, persona_name="stolen"),
        lambda: store.delete_persona(B, pid),
    ):
        with pytest.raises(NotFoundError):
            attempt()
    assert store.list_conversations(B) == []
    assert store.list_personas(B) == []

    # ...and nothing was changed by the attempts.
    got = store.get_conversation(A, cid)
    assert (got.status, got.conversation_name) == ("active", "private")
    assert store.get_persona(A, pid).persona_name == "private persona"


def test_times_are_stored_as_utc_instants(db_url: str) -> None:
    """SQLite keeps no time zone: an aware local time must come back as the same instant."""
    local = datetime(2026, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    store = Store(db_url, clock=lambda: local)
    store.migrate()
    conversation = store.create_conversation(A)
    got = store.get_conversation(A, conversation.conversation_id).created_at
    assert got == local and got.tzinfo == UTC
    store.dispose()

    naive = Store(db_url, clock=lambda: datetime(2026, 3, 1, 9, 0))
    with pytest.raises(StatementError, match="naive datetime"):
        naive.create_conversation(A)
    naive.dispose()


def test_active_conversations_across_tenants_for_the_start_up_sweep(store: Store) -> None:
    a = store.create_conversation("a").conversation_id
    b = store.create_conversation("b").conversation_id
    ended = store.create_conversation("a").conversation_id
    store.end_conversation("a", ended, "completed")
    assert sorted(store.active_conversations()) == sorted([("a", a), ("b", b)])

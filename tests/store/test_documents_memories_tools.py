"""Documents, memories and tools in the store: each within its tenant, on both backends."""

from __future__ import annotations

import re

import pytest
from alembic import command
from sqlalchemy import inspect, text

from visavis.store import ConflictError, NotFoundError, Store
from visavis.store.db import alembic_config, current_revision, head_revision, migrate

from .conftest import FakeClock

A, B = "tenant-a", "tenant-b"


def _doc(store: Store, tenant: str, name: str, sha: str, tags: list[str] | None = None):
    return store.create_document(
        tenant,
        name,
        f"# {name}\n\nSome text.\n",
        sha256=sha * 64,
        size=30,
        source_type="markdown",
        tags=tags or [],
    )


def test_documents(store: Store, clock: FakeClock) -> None:
    first = _doc(store, A, "Leaflet", "a", ["cardiology"])
    assert re.fullmatch(r"d[0-9a-f]{12}", first.document_id)
    assert (first.status, first.created_at, first.updated_at) == ("ready", clock.now, None)
    clock.advance(5)
    second = _doc(store, A, "Diet", "b", ["diet", "cardiology"])
    clock.advance(5)
    third = _doc(store, A, "Other", "c")
    _doc(store, B, "Leaflet", "a", ["cardiology"])  # the same bytes in another tenant

    with pytest.raises(ConflictError) as conflict:
        _doc(store, A, "Again", "a")
    assert conflict.value.existing_id == first.document_id
    assert store.find_document_by_sha256(A, "a" * 64).document_id == first.document_id
    assert store.find_document_by_sha256(A, "z" * 64) is None

    ids = [d.document_id for d in store.list_documents(A)]
    assert ids == [third.document_id, second.document_id, first.document_id]
    tagged = [d.document_id for d in store.list_documents(A, tag="cardiology")]
    assert tagged == [second.document_id, first.document_id]
    assert store.get_document(A, first.document_id).text.startswith("# Leaflet")
    with pytest.raises(NotFoundError, match="document"):
        store.get_document(B, first.document_id)

    store.update_document(A, first.document_id, document_name="Aftercare", tags=("x",))
    got = store.get_document(A, first.document_id)
    assert (got.document_name, got.tags, got.updated_at) == ("Aftercare", ["x"], clock.now)
    with pytest.raises(ValueError, match="unknown field"):
        store.update_document(A, first.document_id, text="changed")
    with pytest.raises(NotFoundError):
        store.update_document(B, first.document_id, document_name="mine")

    docs = store.documents_for_call(A, [third.document_id, "d000000000000"], ["cardiology"])
    assert [d.document_id for d in docs] == [third.document_id, second.document_id]
    assert docs[1].name == "Diet" and docs[1].tags == ("diet", "cardiology")
    assert docs[1].text.startswith("# Diet") and docs[1].source_type == "markdown"
    assert store.documents_for_call(A) == []
    assert store.documents_for_call(B, [first.document_id]) == []

    with pytest.raises(NotFoundError):
        store.delete_document(B, first.document_id)
    store.delete_document(A, first.document_id)
    _doc(store, A, "Back", "a")  # its bytes may come back once it is gone


def test_memories(store: Store, clock: FakeClock) -> None:
    fact = {"kind": "fact", "text": "Lives alone.", "data": {"topic": "home"}}
    first = store.add_memories(A, "patient-42", [fact])
    clock.advance(60)
    summary = {"kind": "summary", "text": "Feels better.", "conversation_id": "c1"}
    second = store.add_memories(A, "patient-42", [summary])
    clock.advance(60)
    third = store.add_memories(A, "family:lopez", [{"kind": "fact", "text": "Daughter Ana."}])
    store.add_memories(B, "patient-42", [{"kind": "fact", "text": "Not yours."}])

    recent = store.recent_memories(A, ["patient-42", "family:lopez"])
    assert [m.memory_id for m in recent] == third + second + first
    assert (recent[1].kind, recent[1].conversation_id, recent[1].data) == ("summary", "c1", {})
    assert recent[2].data == {"topic": "home"} and recent[2].created_at == clock.now.replace(
        minute=0
    )
    assert [m.memory_id for m in store.recent_memories(A, ["patient-42"], limit=1)] == second
    assert store.recent_memories(A, []) == []

    stores = store.list_memory_stores(A)
    assert [(s["memory_store"], s["memories"]) for s in stores] == [
        ("family:lopez", 1),
        ("patient-42", 2),
    ]
    assert stores[0]["last_updated"] == clock.now

    with pytest.raises(NotFoundError):
        store.delete_memory(B, "patient-42", first[0])
    with pytest.raises(NotFoundError):
        store.delete_memory(A, "family:lopez", first[0])
    store.delete_memory(A, "patient-42", first[0])
    assert store.delete_memory_store(A, "patient-42") == 1
    assert store.delete_memory_store(A, "patient-42") == 0
    assert [m.text for m in store.recent_memories(B, ["patient-42"])] == ["Not yours."]


@pytest.mark.parametrize(
    ("key", "items", "message"),
    [
        ("has space", [{"kind": "fact", "text": "x"}], "memory store"),
        ("k", [{"kind": "opinion", "text": "x"}], "kind"),
        ("k", [{"kind": "fact", "text": " "}], "text"),
        ("k", [{"kind": "fact", "text": "x", "mood": 1}], "mood"),
    ],
)
def test_bad_memories(store: Store, key: str, items: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        store.add_memories(A, key, items)


def test_tools(store: Store, clock: FakeClock) -> None:
    delivery = {"type": "server", "url": "https://x.org", "headers": {"Authorization": "s"}}
    book = store.create_tool(A, "book", "Book a visit.", delivery=delivery, tags=["cal"])
    assert re.fullmatch(r"t[0-9a-f]{12}", book.tool_id)
    assert (book.on_call, book.parameters["type"]) == ("generate_filler", "object")
    clock.advance(1)
    look = store.create_tool(A, "lookup", "Look it up.")
    store.create_tool(B, "book", "Theirs.")
    with pytest.raises(ConflictError) as conflict:
        store.create_tool(A, "book", "Again.")
    assert conflict.value.existing_id == book.tool_id
    with pytest.raises(ConflictError):
        store.update_tool(A, look.tool_id, name="book")
    store.update_tool(A, book.tool_id, name="book", on_call="none")  # its own name is fine

    assert [t.tool_id for t in store.list_tools(A)] == [look.tool_id, book.tool_id]
    defs = store.tools_for_call(A, [book.tool_id, "t000000000000", look.tool_id])
    assert [d["name"] for d in defs] == ["book", "lookup"]
    assert defs[0]["delivery"]["headers"] == {"Authorization": "s"}
    assert defs[0]["on_call"] == "none" and defs[0]["tags"] == ["cal"]
    assert store.tools_for_call(B, [book.tool_id]) == []
    with pytest.raises(NotFoundError, match="tool"):
        store.get_tool(B, book.tool_id)
    store.delete_tool(A, book.tool_id)
    store.create_tool(A, "book", "The name is free again.")


def test_persona_and_conversation_fields(store: Store) -> None:
    persona = store.create_persona(A, "Nurse", tool_ids=["t1"], document_tags=["x"])
    got = store.get_persona(A, persona.persona_id)
    assert (got.tool_ids, got.document_tags, got.guardrail_tags) == (["t1"], ["x"], [])
    conversation = store.create_conversation(
        A, memory_stores=["patient-42"], document_tags=["x"], document_retrieval_strategy="speed"
    )
    got = store.get_conversation(A, conversation.conversation_id)
    assert (got.memory_stores, got.document_ids, got.document_tags) == (["patient-42"], [], ["x"])
    assert got.document_retrieval_strategy == "speed"


def test_upgrade_from_0002_and_back(db_url: str) -> None:
    store = Store(db_url)
    migrate(store.engine, "0002_objectives_guardrails")
    store.create_objectives(A, [])
    with store.engine.begin() as connection:  # a call with its timeline, as 0002 stores them
        connection.execute(
            text(
                "INSERT INTO conversations (conversation_id, tenant_id, properties, status, "
                "created_at) VALUES ('c1', :t, '{}', 'ended', :now)"
            ),
            {"t": A, "now": store.clock()},
        )
        connection.execute(
            text(
                "INSERT INTO timeline_events (conversation_id, seq, type, t, turn_idx, payload) "
                "VALUES ('c1', 0, 'conversation.started', 0.0, 0, '{}')"
            )
        )
    store.migrate()
    assert store.get_conversation(A, "c1").document_retrieval_strategy == "balanced"
    assert store.get_conversation(A, "c1").memory_stores == []
    assert store.event_count("c1") == 1
    assert current_revision(store.engine) == head_revision()
    store.add_memories(A, "k", [{"kind": "fact", "text": "x"}])
    with store.engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0002_objectives_guardrails")
    inspector = inspect(store.engine)
    assert not set(inspector.get_table_names()) & {"documents", "memories", "tools"}
    assert "tool_ids" not in {c["name"] for c in inspector.get_columns("personas")}
    assert "memory_stores" not in {c["name"] for c in inspector.get_columns("conversations")}
    assert len(store.list_objectives(A)) == 1
    with store.engine.connect() as connection:
        count = "SELECT count(*) FROM timeline_events WHERE conversation_id = 'c1'"
        assert connection.execute(text(count)).scalar() == 1  # no table was rebuilt
    store.migrate()
    assert store.list_memory_stores(A) == []
    store.dispose()

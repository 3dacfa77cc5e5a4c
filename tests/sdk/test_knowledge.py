"""Documents, memory stores and tools through both clients, against a real server.

The server is shared by the whole suite: every test uploads its own bytes (the same bytes twice
are a 409) and uses its own memory store and tool names.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from tests.sdk.conftest import LiveServer

from visavis.sdk import (
    AsyncClient,
    Client,
    ConflictError,
    DocumentDetail,
    DocumentView,
    InvalidRequestError,
    MemoryStoreView,
    MemoryView,
    NotFoundError,
    PatchOp,
    ToolView,
    VisavisError,
)

WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_upload_list_by_tag_patch_and_delete(client: Client, tmp_path: Path) -> None:
    tag = unique("visiting")
    path = tmp_path / "hours.md"
    path.write_text(f"# Visiting hours\n\nVisits run from 9 to 5. ({tag})\n")
    doc = client.upload_document(path, document_name="Hours", tags=[tag, "faq"])
    assert isinstance(doc, DocumentView)
    assert doc.uuid == doc.document_id and doc.document_name == "Hours"
    assert doc.tags == [tag, "faq"] and doc.source_type == "markdown"
    assert doc.status == "ready" and doc.size == path.stat().st_size

    other = client.upload_document(
        f"Parking is free. {tag}".encode(), filename="parking.txt", tags=["parking"]
    )
    assert other.document_name and other.source_type == "text"

    assert [d.document_id for d in client.list_documents(tag=tag)] == [doc.document_id]
    every = [d.document_id for d in client.list_documents()]
    assert {doc.document_id, other.document_id} <= set(every)

    got = client.get_document(doc.document_id)
    assert isinstance(got, DocumentDetail) and "Visits run from 9 to 5" in got.text

    renamed = client.patch_document(doc.document_id, {"document_name": "Visiting"})
    assert renamed.document_name == "Visiting" and renamed.tags == [tag, "faq"]
    retagged = client.patch_document(
        doc.document_id, [PatchOp(op="replace", path="/tags", value=["faq"])]
    )
    assert retagged.tags == ["faq"]
    assert client.list_documents(tag=tag) == []

    for document_id in (doc.document_id, other.document_id):
        client.delete_document(document_id)
    with pytest.raises(NotFoundError):
        client.get_document(doc.document_id)


def test_duplicate_upload_is_a_clear_conflict(client: Client) -> None:
    content = f"Pharmacy opens at 8. {uuid.uuid4()}".encode()
    first = client.upload_document(content, filename="pharmacy.txt")
    with pytest.raises(ConflictError) as duplicate:
        client.upload_document(content, filename="again.txt", document_name="Again")
    error = duplicate.value
    assert isinstance(error, VisavisError)
    assert error.status == 409 and error.error == "duplicate_document"
    assert first.document_id in error.message and first.document_id in str(error)
    client.delete_document(first.document_id)


def test_upload_errors(client: Client) -> None:
    with pytest.raises(ValueError, match="filename"):
        client.upload_document(b"no name")
    with pytest.raises(VisavisError) as unsupported:
        client.upload_document(b"MZ", filename="setup.exe")
    assert unsupported.value.status == 415
    assert unsupported.value.error == "unsupported_document_type"
    with pytest.raises(InvalidRequestError) as bad_url:
        client.create_document_from_url("ftp://example.invalid/a.txt")
    assert bad_url.value.status == 422 and "document_url" in bad_url.value.message


def test_memories_list_delete_and_forget(client: Client, live: LiveServer) -> None:
    store = unique("maria")
    first, second = live.remember(store, "Prefers mornings.", "Has a cat.")
    stores = {s.memory_store: s for s in client.list_memory_stores()}
    assert isinstance(stores[store], MemoryStoreView) and stores[store].memories == 2

    memories = client.list_memories(store)
    assert all(isinstance(m, MemoryView) for m in memories)
    assert {m.memory_id for m in memories} == {first, second}
    assert {m.text for m in memories} == {"Prefers mornings.", "Has a cat."}
    assert all(m.kind == "fact" and m.memory_store == store for m in memories)
    assert len(client.list_memories(store, limit=1)) == 1

    client.delete_memory(store, first)
    assert [m.memory_id for m in client.list_memories(store)] == [second]
    with pytest.raises(NotFoundError):
        client.delete_memory(store, first)

    client.forget(store)
    assert store not in {s.memory_store for s in client.list_memory_stores()}
    with pytest.raises(NotFoundError) as gone:
        client.list_memories(store)
    assert store in gone.value.message
    with pytest.raises(NotFoundError):
        client.forget(store)


def test_tool_crud(client: Client) -> None:
    name = unique("get_weather").replace("-", "_")
    tool = client.create_tool(
        name,
        "The weather in a city.",
        WEATHER,
        delivery={"type": "server", "url": "https://tools.example/weather", "headers": {"A": "b"}},
        on_call="none",
        static_filler="Let me check.",
        tags=["weather"],
    )
    assert isinstance(tool, ToolView) and tool.uuid == tool.tool_id and tool.name == name
    assert tool.parameters == WEATHER and tool.on_call == "none"
    assert tool.delivery["type"] == "server" and tool.delivery["headers"] == {"A": "********"}
    assert tool.static_filler == "Let me check." and tool.tags == ["weather"]
    assert client.get_tool(tool.tool_id).description == "The weather in a city."
    assert tool.tool_id in [t.tool_id for t in client.list_tools()]

    with pytest.raises(ConflictError) as duplicate:
        client.create_tool(name, "Again.", WEATHER)
    assert duplicate.value.error == "duplicate_tool"
    with pytest.raises(InvalidRequestError):
        client.create_tool(unique("bad"), "Not an object.", {"type": "string"})

    patched = client.patch_tool(
        tool.tool_id, [{"op": "replace", "path": "/description", "value": "Weather."}]
    )
    assert patched.description == "Weather." and patched.updated_at is not None

    client.delete_tool(tool.tool_id)
    assert tool.tool_id not in [t.tool_id for t in client.list_tools()]
    with pytest.raises(NotFoundError):
        client.get_tool(tool.tool_id)


async def test_async_documents_memories_and_tools(live: LiveServer) -> None:
    async with AsyncClient(live.url, live.key, timeout=10) as client:
        tag = unique("async")
        content = f"# Discharge\n\nRest for a week. {tag}".encode()
        doc = await client.upload_document(content, filename="discharge.md", tags=[tag])
        assert doc.source_type == "markdown" and doc.tags == [tag]
        assert [d.document_id for d in await client.list_documents(tag)] == [doc.document_id]
        assert "Rest for a week" in (await client.get_document(doc.document_id)).text
        with pytest.raises(ConflictError) as duplicate:
            await client.upload_document(content, filename="copy.md")
        assert duplicate.value.status == 409 and doc.document_id in duplicate.value.message
        patched = await client.patch_document(doc.document_id, {"tags": ["done"]})
        assert patched.tags == ["done"]
        await client.delete_document(doc.document_id)
        assert await client.list_documents(tag) == []

        store = unique("robert")
        (memory_id,) = live.remember(store, "Lives alone.")
        assert store in {s.memory_store for s in await client.list_memory_stores()}
        memories = await client.list_memories(store, limit=5)
        assert [(m.memory_id, m.text) for m in memories] == [(memory_id, "Lives alone.")]
        await client.forget(store)
        with pytest.raises(NotFoundError):
            await client.list_memories(store)
        live.remember(store, "Came back.")
        (again,) = await client.list_memories(store)
        await client.delete_memory(store, again.memory_id)
        assert store not in {s.memory_store for s in await client.list_memory_stores()}

        name = unique("lookup").replace("-", "_")
        tool = await client.create_tool(name, "Look something up.", WEATHER, tags=["async"])
        assert tool.delivery == {"type": "application"} and tool.on_call == "generate_filler"
        assert (await client.get_tool(tool.tool_id)).name == name
        assert tool.tool_id in [t.tool_id for t in await client.list_tools()]
        renamed = await client.patch_tool(
            tool.tool_id, [PatchOp(op="replace", path="/tags", value=["renamed"])]
        )
        assert renamed.tags == ["renamed"]
        await client.delete_tool(tool.tool_id)
        with pytest.raises(NotFoundError):
            await client.get_tool(tool.tool_id)

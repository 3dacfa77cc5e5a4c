"""Memory stores over REST: listing, reading, forgetting one memory or a whole person, per
tenant; and the conversation fields that name memory stores and documents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tests.server.conftest import api_client

from visavis.server import create_app


@pytest.fixture
def app(tmp_path: Path):
    return create_app(data_dir=tmp_path)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app) as client:
        yield client


def remember(app, store_key: str, *texts: str, tenant: str = "default") -> list[str]:
    items = [{"kind": "fact", "text": t, "data": {"n": i}} for i, t in enumerate(texts)]
    return app.state.ctx.store.add_memories(tenant, store_key, items)


async def test_list_read_and_forget(app, client: httpx.AsyncClient):
    assert (await client.get("/v1/memory_stores")).json() == {"data": [], "total": 0}
    first, second = remember(app, "patient-42", "Lives alone.", "Has a dog called Rex.")
    remember(app, "user@example.org", "Prefers mornings.")

    stores = (await client.get("/v1/memory-stores")).json()
    assert stores["total"] == 2
    counts = {s["memory_store"]: s["memories"] for s in stores["data"]}
    assert counts == {"patient-42": 2, "user@example.org": 1}
    assert all(s["last_updated"] for s in stores["data"])

    r = await client.get("/v1/memory_stores/patient-42/memories")
    assert r.status_code == 200, r.text
    memories = r.json()["data"]
    assert {m["memory_id"] for m in memories} == {first, second}
    assert {m["text"] for m in memories} == {"Lives alone.", "Has a dog called Rex."}
    assert all(m["kind"] == "fact" and m["memory_store"] == "patient-42" for m in memories)

    path = f"/v1/memory_stores/patient-42/memories/{first}"
    assert (await client.delete(path)).status_code == 204
    assert (await client.delete(path)).status_code == 404
    # A memory is addressed through its own store only.
    r = await client.delete(f"/v1/memory_stores/user@example.org/memories/{second}")
    assert r.status_code == 404
    r = await client.get("/v1/memory_stores/patient-42/memories")
    assert [m["memory_id"] for m in r.json()["data"]] == [second]

    # The right to be forgotten: the whole store goes, then it is unknown.
    assert (await client.delete("/v1/memory-stores/patient-42")).status_code == 204
    assert (await client.delete("/v1/memory_stores/patient-42")).status_code == 404
    assert (await client.get("/v1/memory_stores/patient-42/memories")).status_code == 404
    listed = (await client.get("/v1/memory_stores")).json()["data"]
    assert [s["memory_store"] for s in listed] == ["user@example.org"]


async def test_tenants_do_not_see_each_others_memories(app, client: httpx.AsyncClient):
    (mine,) = remember(app, "patient-42", "Lives alone.")
    remember(app, "patient-42", "Someone else entirely.", tenant="other")
    async with api_client(app, "other") as other:
        r = await other.get("/v1/memory_stores/patient-42/memories")
        assert [m["text"] for m in r.json()["data"]] == ["Someone else entirely."]
        r = await other.delete(f"/v1/memory_stores/patient-42/memories/{mine}")
        assert r.status_code == 404
        assert (await other.delete("/v1/memory_stores/patient-42")).status_code == 204
    r = await client.get("/v1/memory_stores/patient-42/memories")
    assert [m["memory_id"] for m in r.json()["data"]] == [mine]


async def test_bad_store_keys(client: httpx.AsyncClient):
    r = await client.get("/v1/memory_stores/" + "x" * 65 + "/memories")
    assert r.status_code == 422
    r = await client.delete("/v1/memory_stores/bad%20key")
    assert r.status_code == 422 and "memory_store" in r.json()["message"]
    r = await client.get("/v1/memory_stores/p/memories", params={"limit": 0})
    assert r.status_code == 422


async def test_conversation_memory_and_knowledge_fields(client: httpx.AsyncClient):
    body = {
        "memory_stores": ["patient-42", "family:lopez"],
        "document_ids": ["d000000000001"],
        "document_tags": ["cardiology"],
        "document_retrieval_strategy": "quality",
    }
    r = await client.post("/v1/conversations", json=body)
    assert r.status_code == 201, r.text
    r = await client.post("/v1/conversations", json={})
    assert r.status_code == 201, r.text
    for bad in (
        {"memory_stores": ["has space"]},
        {"memory_stores": ["x" * 65]},
        {"memory_stores": "patient-42"},
        {"document_retrieval_strategy": "fastest"},
        {"document_tags": [""]},
    ):
        r = await client.post("/v1/conversations", json=bad)
        assert r.status_code == 422, bad
        assert next(iter(bad)) in r.json()["message"]

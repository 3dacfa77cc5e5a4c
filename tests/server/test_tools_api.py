"""Tools over REST: definitions, JSON Schema checks, write-only headers, unique names, tenancy,
and personas attaching them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tests.server.conftest import api_client

from visavis.server import create_app

BOOK = {
    "name": "book_follow_up",
    "description": "Book a follow-up appointment for the patient.",
    "parameters": {
        "type": "object",
        "properties": {"date": {"type": "string", "format": "date"}},
        "required": ["date"],
    },
}
SERVER = {
    "type": "server",
    "url": "https://clinic.example.org/tools/book",
    "headers": {"Authorization": "Bearer s3cret"},
}


@pytest.fixture
def app(tmp_path: Path):
    return create_app(data_dir=tmp_path)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app) as client:
        yield client


async def test_tool_lifecycle(app, client: httpx.AsyncClient):
    r = await client.post("/v1/tools", json=BOOK)
    assert r.status_code == 201, r.text
    tool = r.json()
    tid = tool["tool_id"]
    assert tid.startswith("t") and tool["uuid"] == tid
    assert tool["delivery"] == {"type": "application"}
    assert (tool["on_call"], tool["static_filler"], tool["tags"]) == ("generate_filler", None, [])

    r = await client.post(
        "/v1/tools",
        json={**BOOK, "name": "lookup", "delivery": SERVER, "static_filler": "One moment."},
    )
    assert r.status_code == 201, r.text
    served = r.json()
    assert served["delivery"]["headers"] == {"Authorization": "********"}
    assert (served["delivery"]["timeout_s"], served["delivery"]["retries"]) == (5.0, 2)

    listed = (await client.get("/v1/tools")).json()
    assert [t["name"] for t in listed["data"]] == ["lookup", "book_follow_up"]
    assert "s3cret" not in (await client.get(f"/v1/tools/{served['tool_id']}")).text

    # Patching keeps the secret header the client only ever saw masked.
    r = await client.patch(
        f"/v1/tools/{served['tool_id']}",
        json=[{"op": "replace", "path": "/delivery/timeout_s", "value": 2.5}],
    )
    assert r.status_code == 200, r.text
    assert r.json()["delivery"]["timeout_s"] == 2.5
    r = await client.patch(
        f"/v1/tools/{served['tool_id']}", json={"delivery": r.json()["delivery"]}
    )
    assert r.status_code == 200, r.text
    store = app.state.ctx.store
    (definition,) = store.tools_for_call("default", [served["tool_id"], "t000000000000"])
    assert definition["delivery"]["headers"] == {"Authorization": "Bearer s3cret"}
    assert (definition["name"], definition["static_filler"]) == ("lookup", "One moment.")

    r = await client.patch(f"/v1/tools/{tid}", json={"name": "lookup"})
    assert (r.status_code, r.json()["error"]) == (409, "duplicate_tool")
    r = await client.patch(f"/v1/tools/{tid}", json={"tool_id": "t1"})
    assert r.status_code == 422
    r = await client.patch(f"/v1/tools/{tid}", json={"description": "Books visits.", "tags": ["a"]})
    assert (r.status_code, r.json()["tags"]) == (200, ["a"])

    assert (await client.delete(f"/v1/tools/{tid}")).status_code == 204
    assert (await client.get(f"/v1/tools/{tid}")).status_code == 404
    assert (await client.delete(f"/v1/tools/{tid}")).status_code == 404


async def test_duplicate_names_conflict_within_a_tenant_only(app, client: httpx.AsyncClient):
    first = (await client.post("/v1/tools", json=BOOK)).json()
    r = await client.post("/v1/tools", json=BOOK)
    assert (r.status_code, r.json()["error"]) == (409, "duplicate_tool")
    assert first["tool_id"] in r.json()["message"]
    async with api_client(app, "other") as other:
        assert (await other.post("/v1/tools", json=BOOK)).status_code == 201


@pytest.mark.parametrize(
    ("change", "hint"),
    [
        ({"name": "has space"}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"description": "x" * 1025}, "description"),
        ({"description": 3}, "description"),
        ({"parameters": {"type": "array"}}, "type"),
        ({"parameters": {"type": "object", "properties": {"d": {"type": "dat"}}}}, "parameters"),
        ({"parameters": {"type": "object", "required": "date"}}, "required"),
        ({"delivery": {"type": "email"}}, "delivery"),
        ({"delivery": {"type": "server", "url": "ftp://x.org"}}, "url"),
        ({"delivery": {**SERVER, "timeout_s": 0.1}}, "timeout_s"),
        ({"delivery": {**SERVER, "retries": 9}}, "retries"),
        ({"on_call": "sing"}, "on_call"),
        ({"static_filler": "x" * 201}, "static_filler"),
        ({"origin": "llm"}, "origin"),
    ],
)
async def test_bad_tools(client: httpx.AsyncClient, change: dict, hint: str):
    r = await client.post("/v1/tools", json={**BOOK, **change})
    assert r.status_code == 422, r.text
    assert hint in r.json()["message"]


async def test_malformed_json(client: httpx.AsyncClient):
    r = await client.post(
        "/v1/tools", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422


async def test_tenancy_and_personas(app, client: httpx.AsyncClient):
    tid = (await client.post("/v1/tools", json=BOOK)).json()["tool_id"]
    async with api_client(app, "other") as other:
        assert (await other.get("/v1/tools")).json() == {"data": [], "total": 0}
        for method in ("GET", "DELETE"):
            assert (await other.request(method, f"/v1/tools/{tid}")).status_code == 404
        assert (await other.patch(f"/v1/tools/{tid}", json={"on_call": "none"})).status_code == 404
        r = await other.post("/v1/personas", json={"persona_name": "x", "tool_ids": [tid]})
        assert r.status_code == 422 and tid in r.json()["message"]
        assert app.state.ctx.store.tools_for_call("other", [tid]) == []

    body = {"persona_name": "Nurse", "tool_ids": [tid], "guardrail_tags": ["safety"]}
    r = await client.post("/v1/personas", json=body)
    assert r.status_code == 201, r.text
    assert (r.json()["tool_ids"], r.json()["guardrail_tags"]) == ([tid], ["safety"])
    r = await client.post("/v1/personas", json={"persona_name": "x", "tool_ids": ["t1"] * 51})
    assert r.status_code == 422

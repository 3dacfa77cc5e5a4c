"""Personas (and pals), objectives, guardrails and replicas (faces, avatars) over REST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tests.server.conftest import api_client

from visavis.server import create_app


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(create_app(data_dir=tmp_path)) as client:
        yield client


async def test_persona_lifecycle(client: httpx.AsyncClient):
    objectives = {
        "data": [
            {
                "objective_name": "check_in",
                "objective_prompt": "Ask how the patient feels.",
                "output_variables": ["feeling"],
                "next_required_objectives": ["book"],
            },
            {"objective_name": "book", "objective_prompt": "Book a follow-up."},
        ]
    }
    oid = (await client.post("/v1/objectives", json=objectives)).json()["objectives_id"]
    guardrail = {"guardrail_name": "no_dosage", "guardrail_prompt": "Never change a dose."}
    gid = (await client.post("/v1/guardrails", json=guardrail)).json()["uuid"]
    body = {
        "persona_name": "Night nurse",
        "system_prompt": "You check in on patients.",
        "context": "Cardiology ward.",
        "default_face_id": "lin",
        "objectives_id": oid,
        "guardrail_ids": [gid],
        "layers": {
            "conversational_flow": {"turn_taking_patience": "high"},
            "llm": {"model": "local", "base_url": "http://127.0.0.1:8080/v1", "api_key": "s3"},
            "tts": {"voice_settings": {"speed": 1.1}},
        },
    }
    created = await client.post("/v1/pals", json=body)
    assert created.status_code == 201, created.text
    persona = created.json()
    pid = persona["persona_id"]
    assert persona["default_replica_id"] == "lin"
    assert persona["layers"]["llm"]["api_key"] == "********"  # write-only
    assert persona["layers"]["conversational_flow"]["turn_taking_patience"] == "high"

    patched = await client.patch(
        f"/v1/personas/{pid}",
        json=[
            {"op": "replace", "path": "/persona_name", "value": "Day nurse"},
            {
                "op": "replace",
                "path": "/layers/conversational_flow/turn_taking_patience",
                "value": "low",
            },
            {"op": "remove", "path": "/context"},
        ],
    )
    assert patched.status_code == 200, patched.text
    p = patched.json()
    assert p["persona_name"] == "Day nurse" and p["context"] is None
    assert p["layers"]["conversational_flow"]["turn_taking_patience"] == "low"
    assert p["layers"]["llm"]["api_key"] == "********"  # the stored key survived the patch
    assert p["updated_at"]

    listed = (await client.get("/v1/personas")).json()
    assert [x["persona_id"] for x in listed["data"]] == ["post_discharge", pid]
    assert listed["data"][0]["builtin"] is True
    # A conversation can run with it.
    r = await client.post("/v1/conversations", json={"persona_id": pid})
    assert r.status_code == 201
    assert (await client.delete(f"/v1/personas/{pid}")).status_code == 204
    assert (await client.get(f"/v1/personas/{pid}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "hint"),
    [
        ({}, "persona_name"),
        ({"persona_name": "x", "default_replica_id": "gandalf"}, "sam"),
        ({"persona_name": "x", "objectives_id": "o000000000000"}, "create it first"),
        ({"persona_name": "x", "guardrail_ids": ["g000000000000"]}, "create it first"),
        ({"persona_name": "x", "document_ids": ["d1"]}, "no documents"),
        ({"persona_name": "x", "layers": {"brain": {}}}, "layers.brain"),
        (
            {"persona_name": "x", "layers": {"conversational_flow": {"turn_taking_patience": 3}}},
            "turn_taking_patience",
        ),
        ({"persona_name": "x", "layers": {"tts": {"voice_settings": {"speed": 9}}}}, "speed"),
        (
            {
                "persona_name": "x",
                "layers": {"perception": {"visual_awareness_queries": ["Busy? => frowning >="]}},
            },
            "join terms",
        ),
        (
            {"persona_name": "x", "layers": {"perception": {"visual_tools": [{"name": "t"}]}}},
            "trigger",
        ),
    ],
)
async def test_bad_personas_are_422(client: httpx.AsyncClient, body: dict, hint: str):
    r = await client.post("/v1/personas", json=body)
    assert r.status_code == 422, r.text
    assert hint in r.json()["message"]


async def test_the_builtin_persona_is_read_only(client: httpx.AsyncClient):
    got = (await client.get("/v1/personas/post_discharge")).json()
    assert got["builtin"] is True and got["default_replica_id"] == "sam"
    ops = [{"op": "replace", "path": "/persona_name", "value": "x"}]
    assert (await client.patch("/v1/personas/post_discharge", json=ops)).status_code == 403
    assert (await client.delete("/v1/personas/post_discharge")).status_code == 403


async def test_bad_patches_say_what_is_wrong(client: httpx.AsyncClient):
    pid = (await client.post("/v1/personas", json={"persona_name": "x"})).json()["persona_id"]
    cases = [
        ([{"op": "replace", "path": "/persona_id", "value": "p1"}], "cannot be changed"),
        ([{"op": "replace", "path": "/nope", "value": 1}], "does not exist"),
        ([{"op": "move", "path": "/persona_name"}], "body.0.op"),
        ([{"op": "replace", "path": "/persona_name", "value": ""}], "persona_name"),
        ({"persona_name": "not a list of ops"}, "list"),
    ]
    for ops, hint in cases:
        r = await client.patch(f"/v1/personas/{pid}", json=ops)
        assert r.status_code == 422, (ops, r.text)
        assert hint in r.json()["message"], (ops, r.json())


async def test_objectives_crud_and_validation(client: httpx.AsyncClient):
    bad = [
        ({"data": []}, "at least 1"),
        ({"data": [{"objective_name": "has space", "objective_prompt": "p"}]}, "pattern"),
        (
            {"data": [{"objective_name": "a", "objective_prompt": "p"}] * 2},
            "unique",
        ),
        (
            {
                "data": [
                    {
                        "objective_name": "a",
                        "objective_prompt": "p",
                        "next_conditional_objectives": {"ghost": "if they agree"},
                    }
                ]
            },
            "ghost",
        ),
        (
            {"data": [{"objective_name": "a", "objective_prompt": "p", "modality": "smell"}]},
            "modality",
        ),
    ]
    for body, hint in bad:
        r = await client.post("/v1/objectives", json=body)
        assert r.status_code == 422 and hint in r.json()["message"], (body, r.text)
    body = {
        "objectives_name": "follow-up",
        "data": [{"objective_name": "a", "objective_prompt": "p"}],
    }
    created = (await client.post("/v1/objectives", json=body)).json()
    oid = created["objectives_id"]
    assert created["data"][0]["confirmation_mode"] == "auto"
    ops = [
        {"op": "add", "path": "/data/-", "value": {"objective_name": "b", "objective_prompt": "q"}}
    ]
    patched = (await client.patch(f"/v1/objectives/{oid}", json=ops)).json()
    assert [o["objective_name"] for o in patched["data"]] == ["a", "b"]
    assert (await client.get("/v1/objectives")).json()["total"] == 1
    assert (await client.delete(f"/v1/objectives/{oid}")).status_code == 204
    assert (await client.get(f"/v1/objectives/{oid}")).status_code == 404
    assert (await client.delete(f"/v1/objectives/{oid}")).status_code == 404


async def test_guardrails_crud_and_validation(client: httpx.AsyncClient):
    bad = [
        ({"guardrail_name": "x" * 101, "guardrail_prompt": "p"}, "guardrail_name"),
        ({"guardrail_name": "x", "guardrail_prompt": "p" * 1001}, "guardrail_prompt"),
        ({"guardrail_name": "x", "guardrail_prompt": "p", "tags": ["t"] * 33}, "tags"),
        ({"guardrail_name": "x", "guardrail_prompt": "p", "callback_url": "ftp://x"}, "URL"),
    ]
    for body, hint in bad:
        r = await client.post("/v1/guardrails", json=body)
        assert r.status_code == 422 and hint in r.json()["message"], (body, r.text)
    body = {
        "guardrail_name": "no_diagnosis",
        "guardrail_prompt": "Never diagnose.",
        "tags": ["clinical"],
    }
    created = (await client.post("/v1/guardrails", json=body)).json()
    gid = created["guardrail_id"]
    assert created["uuid"] == gid and created["modality"] == "verbal"
    ops = [{"op": "add", "path": "/tags/-", "value": "safety"}]
    patched = (await client.patch(f"/v1/guardrails/{gid}", json=ops)).json()
    assert patched["tags"] == ["clinical", "safety"]
    assert (await client.get(f"/v1/guardrails/{gid}")).json()["tags"] == ["clinical", "safety"]
    assert (await client.delete(f"/v1/guardrails/{gid}")).status_code == 204
    assert (await client.get("/v1/guardrails")).json()["total"] == 0


async def test_replicas_under_every_public_name(client: httpx.AsyncClient):
    for prefix in ("/v1/replicas", "/v1/faces", "/v1/avatars"):
        listed = (await client.get(prefix)).json()
        assert {r["replica_id"] for r in listed["data"]} >= {"ava", "sam", "lin"}
        assert (await client.get(f"{prefix}/sam")).json()["replica_name"] == "Sam"
        assert (await client.get(f"{prefix}/gandalf")).status_code == 404
    thumbnail = await client.get("/v1/replicas/sam/thumbnail.png")
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\x89PNG")


async def test_openapi_documents_the_api(client: httpx.AsyncClient):
    spec = (await client.get("/openapi.json")).json()
    for path in (
        "/v1/conversations",
        "/v1/personas",
        "/v1/objectives",
        "/v1/guardrails",
        "/v1/replicas",
    ):
        assert path in spec["paths"]

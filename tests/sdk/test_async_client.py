"""The async client against a real server: the same surface as the blocking one."""

from __future__ import annotations

import inspect

import pytest
from tests.sdk.conftest import LiveServer

from visavis.sdk import (
    AsyncClient,
    AuthenticationError,
    Client,
    InvalidRequestError,
    NotFoundError,
)


def test_both_clients_have_the_same_methods() -> None:
    def surface(cls: type) -> dict[str, list[str]]:
        return {
            name: list(inspect.signature(member).parameters)
            for name, member in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith("_")
        }

    assert surface(Client) == surface(AsyncClient)
    for name, member in inspect.getmembers(AsyncClient, inspect.isfunction):
        if not name.startswith("_") and name != "events":
            assert inspect.iscoroutinefunction(member), name


async def test_async_rest_round_trip(live: LiveServer) -> None:
    async with AsyncClient(live.url, live.key, timeout=10) as client:
        created = await client.create_conversation(conversation_name="async")
        cid = created.conversation_id
        assert (await client.get_conversation(cid)).conversation_name == "async"
        assert cid in [c.conversation_id for c in await client.list_conversations()]
        assert (await client.end_conversation(cid)).status == "ended"
        await client.delete_conversation(cid)
        with pytest.raises(NotFoundError):
            await client.get_conversation(cid)

        persona = await client.create_persona("Async persona", context="Be brief.")
        pid = persona.persona_id
        patched = await client.patch_persona(
            pid, [{"op": "replace", "path": "/context", "value": "Be briefer."}]
        )
        assert patched.context == "Be briefer."
        assert pid in [p.persona_id for p in await client.list_personas()]
        assert (await client.get_persona(pid)).persona_name == "Async persona"
        await client.delete_persona(pid)

        objectives = await client.create_objectives(
            [{"objective_name": "greet", "objective_prompt": "Say hello."}]
        )
        oid = objectives.objectives_id
        assert (await client.get_objectives(oid)).data[0].objective_name == "greet"
        assert oid in [o.objectives_id for o in await client.list_objectives()]
        with pytest.raises(InvalidRequestError) as invalid:
            await client.patch_objectives(oid, [{"op": "remove", "path": "/data/0"}])
        assert invalid.value.error == "invalid_patch" and "data" in invalid.value.message
        await client.delete_objectives(oid)

        guardrail = await client.create_guardrail("calm", "Stay calm.", modality="verbal")
        gid = guardrail.guardrail_id
        assert (await client.get_guardrail(gid)).guardrail_name == "calm"
        assert gid in [g.guardrail_id for g in await client.list_guardrails()]
        renamed = await client.patch_guardrail(
            gid, [{"op": "replace", "path": "/guardrail_name", "value": "calmer"}]
        )
        assert renamed.guardrail_name == "calmer"
        await client.delete_guardrail(gid)

        assert {r.replica_id for r in await client.list_replicas()} >= {"ava"}
        assert (await client.get_replica("ava")).replica_id == "ava"

    async with AsyncClient(live.url, "vv_wrong") as stranger:
        with pytest.raises(AuthenticationError) as denied:
            await stranger.get_replica("ava")
        assert denied.value.status == 401

"""The blocking client against a real server: every resource, and errors as exceptions."""

from __future__ import annotations

import pytest
from tests.sdk.conftest import LiveServer

from visavis.sdk import (
    AuthenticationError,
    Client,
    ConversationCreated,
    ConversationView,
    InvalidRequestError,
    NotFoundError,
    Objective,
    PatchOp,
    PermissionDeniedError,
    VisavisError,
)


def test_conversation_lifecycle(client: Client) -> None:
    created = client.create_conversation(
        conversation_name="SDK call", custom_greeting="Hello!", properties={"max_call_duration": 60}
    )
    assert isinstance(created, ConversationCreated)
    assert created.status == "active" and created.conversation_name == "SDK call"
    assert f"/call/{created.conversation_id}?t=" in created.conversation_url
    cid = created.conversation_id

    got = client.get_conversation(cid)
    assert isinstance(got, ConversationView)
    assert got.custom_greeting == "Hello!" and got.properties["max_call_duration"] == 60
    assert got.persona_id == "post_discharge" and not got.live and got.events is None
    assert got.transcript == []
    assert client.get_conversation(cid, verbose=True).events == []
    assert cid in [c.conversation_id for c in client.list_conversations()]

    ended = client.end_conversation(cid)
    assert ended.status == "ended" and ended.end_reason == "ended_by_api"
    assert ended.ended_at is not None

    client.delete_conversation(cid)
    with pytest.raises(NotFoundError):
        client.get_conversation(cid)
    assert cid not in [c.conversation_id for c in client.list_conversations()]


def test_verbose_conversation_has_its_timeline(client: Client, live: LiveServer) -> None:
    cid = client.create_conversation().conversation_id
    live.record_events(cid)
    client.end_conversation(cid)
    got = client.get_conversation(cid, verbose=True)
    assert [line.speech for line in got.transcript] == ["Hello Maria.", "Hi."]
    assert got.transcript[0].role == "replica"
    assert got.events is not None
    assert [e["event_type"] for e in got.events] == ["conversation.utterance"] * 2


def test_persona_crud_with_json_patch(client: Client) -> None:
    builtin = client.get_persona("post_discharge")
    assert builtin.builtin and builtin.persona_name
    persona = client.create_persona(
        "Front desk",
        system_prompt="You book appointments.",
        default_replica_id="ava",
        layers={"llm": {"model": "small", "api_key": "sk-secret"}},
    )
    assert persona.persona_id.startswith("p") and not persona.builtin
    assert persona.layers["llm"]["api_key"] == "********"  # write-only
    assert persona.created_at is not None
    ids = [p.persona_id for p in client.list_personas()]
    assert ids[0] == "post_discharge" and persona.persona_id in ids

    patched = client.patch_persona(
        persona.persona_id,
        [
            PatchOp(op="replace", path="/persona_name", value="Reception"),
            {"op": "add", "path": "/context", "value": "Open 9 to 5."},
        ],
    )
    assert patched.persona_name == "Reception" and patched.context == "Open 9 to 5."
    assert client.get_persona(persona.persona_id).persona_name == "Reception"

    with pytest.raises(InvalidRequestError) as bad_patch:
        client.patch_persona(persona.persona_id, [{"op": "replace", "path": "/persona_id"}])
    assert bad_patch.value.error == "invalid_patch"
    with pytest.raises(PermissionDeniedError) as read_only:
        client.delete_persona("post_discharge")
    assert read_only.value.status == 403 and read_only.value.error == "read_only"

    # A conversation can run the new persona.
    cid = client.create_conversation(persona_id=persona.persona_id).conversation_id
    assert client.get_conversation(cid).persona_id == persona.persona_id

    client.delete_persona(persona.persona_id)
    with pytest.raises(NotFoundError):
        client.get_persona(persona.persona_id)


def test_objectives_and_guardrails(client: Client) -> None:
    objectives = client.create_objectives(
        [
            Objective(
                objective_name="confirm_identity",
                objective_prompt="Confirm the patient's name.",
                next_required_objectives=["ask_pain"],
            ),
            {"objective_name": "ask_pain", "objective_prompt": "Ask about pain."},
        ],
        objectives_name="intake",
    )
    oid = objectives.objectives_id
    assert [o.objective_name for o in objectives.data] == ["confirm_identity", "ask_pain"]
    assert objectives.data[1].confirmation_mode == "auto"
    assert client.get_objectives(oid).objectives_name == "intake"
    assert oid in [o.objectives_id for o in client.list_objectives()]
    renamed = client.patch_objectives(
        oid, [{"op": "replace", "path": "/objectives_name", "value": "in"}]
    )
    assert renamed.objectives_name == "in" and renamed.updated_at is not None

    guardrail = client.create_guardrail(
        "no_diagnosis", "Never diagnose.", tags=["clinical"], app_message=False
    )
    gid = guardrail.guardrail_id
    assert guardrail.uuid == gid and guardrail.tags == ["clinical"] and not guardrail.app_message
    assert client.get_guardrail(gid).guardrail_prompt == "Never diagnose."
    assert gid in [g.guardrail_id for g in client.list_guardrails()]
    patched = client.patch_guardrail(gid, [{"op": "add", "path": "/tags/-", "value": "safety"}])
    assert patched.tags == ["clinical", "safety"]

    persona = client.create_persona("Nurse", objectives_id=oid, guardrail_ids=[gid])
    assert persona.objectives_id == oid and persona.guardrail_ids == [gid]
    client.delete_persona(persona.persona_id)

    client.delete_objectives(oid)
    client.delete_guardrail(gid)
    for missing in (lambda: client.get_objectives(oid), lambda: client.get_guardrail(gid)):
        with pytest.raises(NotFoundError):
            missing()


def test_replicas(client: Client) -> None:
    replicas = client.list_replicas()
    ids = [r.replica_id for r in replicas]
    assert "ava" in ids
    ava = client.get_replica("ava")
    assert ava.replica_name and ava.status == "completed"
    assert ava.thumbnail_url.endswith("/v1/replicas/ava/thumbnail.png")
    with pytest.raises(NotFoundError) as missing:
        client.get_replica("nobody")
    assert "use one of" in missing.value.message


def test_errors_carry_the_servers_status_code_and_message(live: LiveServer) -> None:
    with Client(live.url, "vv_wrong_key") as stranger, pytest.raises(AuthenticationError) as denied:
        stranger.list_conversations()
    assert denied.value.status == 401 and denied.value.error == "invalid_api_key"
    assert "visavis keys create" in denied.value.message

    with Client(live.url, live.key) as client:
        with pytest.raises(NotFoundError) as missing:
            client.get_conversation("cnope")
        assert missing.value.status == 404 and missing.value.error == "not_found"
        assert "no conversation 'cnope'" in missing.value.message

        with pytest.raises(InvalidRequestError) as invalid:
            client.create_conversation(properties={"language": "french"})
        error = invalid.value
        assert isinstance(error, VisavisError)
        assert error.status == 422 and error.error == "invalid_request"
        assert "English-only" in error.message
        assert error.details and error.details[0]["field"] == "body.properties.language"

        with pytest.raises(InvalidRequestError) as unknown:
            client.create_conversation(replica_id="nobody")
        assert unknown.value.error == "unknown_replica"

        # Ids are path segments, never paths: this is a 404, not another route.
        with pytest.raises(NotFoundError):
            client.get_persona("../conversations")


def test_webrtc_offer_errors_before_any_media(client: Client) -> None:
    cid = client.create_conversation().conversation_id
    with pytest.raises(VisavisError) as bad:
        client.webrtc_offer(cid, "not an sdp")
    assert bad.value.status == 400 and bad.value.error == "bad_offer"
    client.end_conversation(cid)
    with pytest.raises(VisavisError) as ended:
        client.webrtc_offer(cid, "v=0")
    assert ended.value.status == 409 and ended.value.error == "conversation_ended"

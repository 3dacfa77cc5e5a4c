"""The event WebSocket without media: past events, the end of the stream, and bad messages.

``test_live_call.py`` drives it during a real call (live events and an injected echo).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from tests.server.conftest import api_key

from visavis.runtime.events import Echo, Interrupt, Respond, Utterance
from visavis.server import create_app
from visavis.server.events import InboundError, parse_inbound


@pytest.fixture
def client(tmp_path: Path):
    app = create_app(data_dir=tmp_path)
    with TestClient(app, headers={"x-api-key": api_key(app)}) as client:
        yield client


def recorded_utterances() -> list[Utterance]:
    events = []
    for seq, speech in enumerate(["Hello Maria.", "Hi."]):
        events.append(
            Utterance(role="replica" if seq == 0 else "user", speech=speech, start=0, end=1)
        )
        events[-1].seq = seq
    return events


def test_an_ended_conversation_replays_its_events_then_closes(client: TestClient):
    cid = client.post("/v1/conversations", json={}).json()["conversation_id"]
    client.app.state.ctx.registry("default").append_events(cid, recorded_utterances())
    client.post(f"/v1/conversations/{cid}/end")
    with client.websocket_connect(f"/v1/conversations/{cid}/events") as ws:
        first, second = ws.receive_json(), ws.receive_json()
        assert first["message_type"] == "conversation"
        assert first["event_type"] == "conversation.utterance"
        assert first["conversation_id"] == cid
        assert [first["seq"], second["seq"]] == [0, 1]
        assert second["properties"]["speech"] == "Hi."
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_bad_messages_get_errors_not_a_crash(client: TestClient):
    cid = client.post("/v1/conversations", json={}).json()["conversation_id"]
    with client.websocket_connect(f"/v1/conversations/{cid}/events") as ws:
        sent: list[tuple[str | dict, str]] = [
            ("not json", "invalid_json"),
            ({"message_type": "conversation", "event_type": "asr.final"}, "unsupported_event"),
            ({"event_type": "conversation.echo"}, "invalid_message"),
            (
                {
                    "message_type": "conversation",
                    "event_type": "conversation.echo",
                    "properties": {"txt": "typo"},
                },
                "invalid_properties",
            ),
            (
                {
                    "message_type": "conversation",
                    "event_type": "conversation.echo",
                    "conversation_id": cid,
                    "properties": {"text": "Hello."},
                },
                "not_live",  # valid, but no peer has connected yet
            ),
        ]
        for message, error in sent:
            if isinstance(message, str):
                ws.send_text(message)
            else:
                ws.send_json(message)
            reply = ws.receive_json()
            assert reply["message_type"] == "error" and reply["error"] == error, reply
            assert reply["message"]
        ws.send_bytes(b"\x00")
        assert ws.receive_json()["error"] == "invalid_message"
        # Ending the conversation ends the stream.
        client.post(f"/v1/conversations/{cid}/end")
        with pytest.raises(WebSocketDisconnect):
            ws.receive_json()


def test_unknown_conversation(client: TestClient):
    with client.websocket_connect("/v1/conversations/cnope/events") as ws:
        assert ws.receive_json()["error"] == "not_found"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4404


def closing_error(client: TestClient, path: str, **kwargs: object) -> tuple[str, int]:
    with client.websocket_connect(path, **kwargs) as ws:  # type: ignore[arg-type]
        error = ws.receive_json()["error"]
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    return error, closed.value.code


def test_the_socket_needs_a_key_or_the_join_token(client: TestClient):
    created = client.post("/v1/conversations", json={}).json()
    cid = created["conversation_id"]
    client.app.state.ctx.registry("default").append_events(cid, recorded_utterances())
    client.post(f"/v1/conversations/{cid}/end")
    path = f"/v1/conversations/{cid}/events"
    no_key = {"x-api-key": ""}
    assert closing_error(client, path, headers=no_key) == ("missing_api_key", 4401)
    assert closing_error(client, path, headers={"x-api-key": "vv_k1_nope"}) == (
        "invalid_api_key",
        4401,
    )
    # Browsers cannot set headers on a WebSocket: the key may come as a query parameter.
    key = client.headers["x-api-key"]
    with client.websocket_connect(f"{path}?api_key={key}", headers=no_key) as ws:
        assert ws.receive_json()["properties"]["speech"] == "Hello Maria."
    # The join token of conversation_url opens this conversation's socket, and no other.
    token = created["conversation_url"].split("?t=")[1]
    with client.websocket_connect(f"{path}?t={token}", headers=no_key) as ws:
        assert ws.receive_json()["properties"]["speech"] == "Hello Maria."
    other = client.post("/v1/conversations", json={}).json()["conversation_id"]
    assert closing_error(client, f"/v1/conversations/{other}/events?t={token}", headers=no_key) == (
        "invalid_join_token",
        4403,
    )
    # Another tenant's key sees nothing: the same 404 as an id that does not exist.
    stranger = api_key(client.app, tenant_id="other-clinic")
    assert closing_error(client, path, headers={"x-api-key": stranger}) == ("not_found", 4404)


def test_parse_inbound():
    def message(event_type: str, **props: object) -> str:
        import json

        return json.dumps(
            {
                "message_type": "conversation",
                "event_type": event_type,
                "conversation_id": "c1",
                "properties": props,
            }
        )

    respond = parse_inbound(message("conversation.respond", text="I feel fine."), "c1")
    assert isinstance(respond, Respond) and respond.text == "I feel fine." and respond.seq == -1
    echo = parse_inbound(message("conversation.echo", text="Hi", modality="text"), "c1")
    assert isinstance(echo, Echo)
    interrupt = parse_inbound(message("conversation.interrupt"), "c1")
    assert isinstance(interrupt, Interrupt) and interrupt.reason == "application"
    # A client cannot forge the envelope fields through properties.
    assert parse_inbound(message("conversation.respond", text="x", seq=99), "c1").seq == -1
    with pytest.raises(InboundError, match="this socket is conversation 'c2'"):
        parse_inbound(message("conversation.respond", text="x"), "c2")

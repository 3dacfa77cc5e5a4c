"""The event WebSocket without media: past events, the end of the stream, and bad messages.

``test_live_call.py`` drives it during a real call (live events and an injected echo).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from visavis.runtime.events import Echo, Interrupt, Respond, Utterance
from visavis.server import create_app
from visavis.server.events import InboundError, parse_inbound


@pytest.fixture
def client(tmp_path: Path):
    with TestClient(create_app(data_dir=tmp_path)) as client:
        yield client


def test_an_ended_conversation_replays_its_events_then_closes(client: TestClient):
    cid = client.post("/v1/conversations", json={}).json()["conversation_id"]
    record = client.app.state.registry.get(cid)
    for seq, speech in enumerate(["Hello Maria.", "Hi."]):
        record.events.append(
            Utterance(role="replica" if seq == 0 else "user", speech=speech, start=0, end=1)
        )
        record.events[-1].seq = seq
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

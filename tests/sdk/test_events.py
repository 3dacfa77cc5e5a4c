"""The event socket through the SDK: replay and end of an ended conversation, error replies to
inbound events, and connection errors raised as exceptions (blocking and async)."""

from __future__ import annotations

import threading

import pytest
from tests.sdk.conftest import LiveServer

from visavis.sdk import AsyncClient, AuthenticationError, Client, NotFoundError, VisavisError


def ended_with_events(client: Client, live: LiveServer) -> str:
    cid = client.create_conversation().conversation_id
    live.record_events(cid)
    client.end_conversation(cid)
    return cid


def test_an_ended_conversation_replays_its_events_then_closes(
    client: Client, live: LiveServer
) -> None:
    cid = ended_with_events(client, live)
    with client.events(cid) as stream:
        events = list(stream)  # ends when the server closes the socket
        assert stream.recv() is None
    assert [e["seq"] for e in events] == [0, 1]
    first, second = events
    assert first["message_type"] == "conversation" and first["conversation_id"] == cid
    assert first["event_type"] == "conversation.utterance"
    assert second["properties"]["speech"] == "Hi."


def test_inbound_events_without_a_live_call_get_not_live(client: Client) -> None:
    cid = client.create_conversation().conversation_id
    with client.events(cid) as stream:
        stream.echo("Hello there.")
        reply = stream.recv(timeout=5)
        assert reply is not None and reply["message_type"] == "error"
        assert reply["error"] == "not_live" and "connect a peer first" in reply["message"]
        stream.sensitivity(pause="low", interrupt="high")  # two messages, two replies
        assert [stream.recv(timeout=5), stream.recv(timeout=5)] == [reply, reply]
        with pytest.raises(ValueError):
            stream.sensitivity()
        # Ending the conversation (here from another thread) ends the stream.
        ender = threading.Thread(target=client.end_conversation, args=(cid,))
        ender.start()
        assert list(stream) == []
        ender.join()


def test_socket_errors_are_raised(client: Client, live: LiveServer) -> None:
    with client.events("cnope") as stream, pytest.raises(NotFoundError) as missing:
        stream.recv(timeout=5)
    assert missing.value.status == 404 and "no conversation 'cnope'" in missing.value.message

    cid = client.create_conversation().conversation_id
    with Client(live.url, "vv_wrong") as stranger, stranger.events(cid) as stream:
        with pytest.raises(AuthenticationError) as denied:
            next(iter(stream))
        assert denied.value.error == "invalid_api_key"


async def test_async_event_stream(live: LiveServer) -> None:
    async with AsyncClient(live.url, live.key, timeout=10) as client:
        created = await client.create_conversation()
        cid = created.conversation_id
        live.record_events(cid)
        await client.end_conversation(cid)
        async with client.events(cid) as stream:
            events = [event async for event in stream]
        assert [e["properties"]["speech"] for e in events] == ["Hello Maria.", "Hi."]

        active = (await client.create_conversation()).conversation_id
        async with client.events(active) as stream:
            for send in (
                stream.respond("I feel fine."),
                stream.echo("Hello."),
                stream.interrupt(),
                stream.append_context("The patient prefers mornings."),
                stream.overwrite_context("A new context."),
                stream.sensitivity(interrupt="medium"),
            ):
                await send
                reply = await stream.recv()
                assert reply is not None and reply["error"] == "not_live", reply
            await client.end_conversation(active)
            assert [event async for event in stream] == []

        async with AsyncClient(live.url, "vv_wrong") as stranger, stranger.events(active) as s:
            with pytest.raises(AuthenticationError):
                await s.recv()
        async with client.events("cnope") as stream:
            with pytest.raises(VisavisError) as missing:
                await anext(stream)
            assert missing.value.status == 404

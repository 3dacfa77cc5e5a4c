"""The OpenAI-compatible client against a local fake speaking chat-completions SSE."""

from __future__ import annotations

import contextlib
import json
import socket
import time

import pytest
from tests.mind.llm.fake_servers import (
    OPENAI_DONE,
    FakeProvider,
    Reply,
    openai_chunk,
    openai_text,
)

from visavis.mind.llm import (
    ChatMessage,
    LLMError,
    LLMTimeout,
    OpenAICompatible,
    TextDelta,
    ToolCall,
    ToolSpec,
)

HELLO = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")]
WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture
def fake(server: FakeProvider) -> FakeProvider:
    server.script()
    return server


def client(fake: FakeProvider, api_key: str | None = "sk-test") -> OpenAICompatible:
    # Small timeouts keep the stall tests fast; a tiny backoff keeps the retry tests fast.
    return OpenAICompatible(
        fake.url,
        api_key,
        model="fake-model",
        timeout_s=0.3,
        first_token_timeout_s=0.3,
        backoff_s=0.01,
    )


async def test_streams_text_in_order_with_bearer_auth(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=openai_text("Hel", "lo ", "there.")))
    async with client(fake) as llm:
        events = [e async for e in llm.stream(HELLO)]
    assert events == [TextDelta("Hel"), TextDelta("lo "), TextDelta("there.")]
    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == "fake-model"
    assert request.body["stream"] is True
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert "tools" not in request.body


async def test_no_key_sends_no_authorization(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=openai_text("ok")))
    async with client(fake, api_key=None) as llm:
        completion = await llm.complete(HELLO)
    assert completion.text == "ok"
    assert completion.finish_reason == "stop"
    assert "authorization" not in fake.requests[0].headers


async def test_assembles_tool_call_fragments_split_across_chunks(fake: FakeProvider) -> None:
    def call(index: int, **fields: object) -> str:
        return openai_chunk({"tool_calls": [{"index": index, **fields}]})

    chunks = [
        openai_chunk({"role": "assistant", "content": "Checking."}),
        call(0, id="call_a", type="function", function={"name": "get_weather", "arguments": ""}),
        call(0, function={"arguments": '{"ci'}),
        call(1, id="call_b", type="function", function={"name": "get_weather", "arguments": ""}),
        call(0, function={"arguments": 'ty": "Oslo"}'}),
        call(1, function={"arguments": '{"city": "Lima"}'}),
        openai_chunk({}, "tool_calls"),
        OPENAI_DONE,
    ]
    fake.script(Reply(chunks=chunks))
    async with client(fake) as llm:
        events = [e async for e in llm.stream(HELLO, tools=[WEATHER])]
    assert events == [
        TextDelta("Checking."),
        ToolCall("call_a", "get_weather", '{"city": "Oslo"}'),
        ToolCall("call_b", "get_weather", '{"city": "Lima"}'),
    ]
    for event in events[1:]:
        assert isinstance(event, ToolCall)
        assert json.loads(event.arguments)["city"]
    tools = fake.requests[0].body["tools"]
    assert tools == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": WEATHER.description,
                "parameters": WEATHER.parameters,
            },
        }
    ]


async def test_sends_tool_calls_and_results_in_wire_format(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=openai_text("Sunny in Oslo.")))
    asked = ToolCall("call_a", "get_weather", '{"city": "Oslo"}')
    history = [
        *HELLO,
        ChatMessage("assistant", "", tool_calls=[asked]),
        ChatMessage("tool", '{"sky": "clear"}', tool_call_id="call_a"),
    ]
    async with client(fake) as llm:
        completion = await llm.complete(history, tools=[WEATHER])
    assert completion.text == "Sunny in Oslo."
    assert completion.tool_calls == []
    assert fake.requests[0].body["messages"][2:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                }
            ],
        },
        {"role": "tool", "content": '{"sky": "clear"}', "tool_call_id": "call_a"},
    ]


async def test_no_first_token_in_time_times_out(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=openai_text("late"), stall_after=0))
    started = time.monotonic()
    async with client(fake) as llm:
        with pytest.raises(LLMTimeout, match="first token"):
            await llm.complete(HELLO)
    assert time.monotonic() - started < 1.5
    assert len(fake.requests) == 1  # A stall is not retried: the budget is spent.


async def test_no_response_headers_in_time_times_out(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=openai_text("late"), headers_delay_s=1.0))
    started = time.monotonic()
    async with client(fake) as llm:
        with pytest.raises(LLMTimeout, match="first token"):
            await llm.complete(HELLO)
    assert time.monotonic() - started < 0.9


async def test_caller_stopping_early_frees_the_connection(fake: FakeProvider) -> None:
    fake.script(
        Reply(chunks=openai_text("one", "two"), stall_after=2), Reply(chunks=openai_text("ok"))
    )
    async with client(fake) as llm:
        async with contextlib.aclosing(llm.stream(HELLO)) as events:
            async for _ in events:
                break  # Barge-in: the user spoke, the rest of the answer is not wanted.
        assert (await llm.complete(HELLO)).text == "ok"


async def test_stall_mid_stream_times_out_after_text(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=openai_text("one", "two"), stall_after=2))
    got: list[object] = []
    async with client(fake) as llm:
        with pytest.raises(LLMTimeout, match="stalled"):
            async for event in llm.stream(HELLO):
                got.append(event)
    assert got == [TextDelta("one")]


async def test_error_chunk_mid_stream_raises(fake: FakeProvider) -> None:
    error = {"error": {"message": "model overloaded", "type": "server_error"}}
    chunks = [openai_chunk({"content": "Hi"}), f"data: {json.dumps(error)}\n\n"]
    fake.script(Reply(chunks=chunks))
    async with client(fake) as llm:
        with pytest.raises(LLMError, match="model overloaded"):
            await llm.complete(HELLO)


async def test_broken_connection_mid_stream_raises_without_replay(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=openai_text("one", "two"), break_after=2), Reply(chunks=["x"]))
    async with client(fake) as llm:
        with pytest.raises(LLMError) as caught:
            await llm.complete(HELLO)
    assert not isinstance(caught.value, LLMTimeout)
    assert len(fake.requests) == 1


async def test_truncated_stream_without_finish_raises(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=[openai_chunk({"content": "Hal"})]))
    async with client(fake) as llm:
        with pytest.raises(LLMError, match="before the answer was complete"):
            await llm.complete(HELLO)


async def test_retries_503_then_streams(fake: FakeProvider) -> None:
    busy = Reply(status=503, body={"error": {"message": "busy", "type": "server_error"}})
    fake.script(busy, Reply(status=429, body={}), Reply(chunks=openai_text("Back.")))
    async with client(fake) as llm:
        completion = await llm.complete(HELLO)
    assert completion.text == "Back."
    assert len(fake.requests) == 3


async def test_gives_up_after_retries_with_status(fake: FakeProvider) -> None:
    busy = Reply(status=503, body={"error": {"message": "busy", "type": "server_error"}})
    fake.script(busy, busy, busy, busy)
    async with client(fake) as llm:
        with pytest.raises(LLMError, match="busy") as caught:
            await llm.complete(HELLO)
    assert caught.value.status == 503
    assert len(fake.requests) == 3  # The first try and two retries.


async def test_client_error_is_not_retried(fake: FakeProvider) -> None:
    bad = {"error": {"message": "Incorrect API key", "type": "invalid_request_error"}}
    fake.script(Reply(status=401, body=bad), Reply(chunks=openai_text("no")))
    async with client(fake) as llm:
        with pytest.raises(LLMError, match="Incorrect API key") as caught:
            await llm.complete(HELLO)
    assert caught.value.status == 401
    assert "openai-compatible" in str(caught.value)
    assert len(fake.requests) == 1


async def test_unreachable_server_raises_after_retries() -> None:
    # A port that was free a moment ago: nothing listens, so connecting is refused at once.
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    llm = OpenAICompatible(f"http://127.0.0.1:{port}/v1", model="m", backoff_s=0.01)
    async with llm:
        with pytest.raises(LLMError, match="cannot reach"):
            await llm.complete(HELLO)

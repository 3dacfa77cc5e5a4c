"""The Anthropic Messages client against a local fake speaking the Messages SSE events."""

from __future__ import annotations

import time

import pytest
from tests.mind.llm.fake_servers import (
    FakeProvider,
    Reply,
    anthropic_end,
    anthropic_event,
    anthropic_start,
    anthropic_text,
)

from visavis.mind.llm import (
    AnthropicMessages,
    ChatMessage,
    LLMError,
    LLMTimeout,
    TextDelta,
    ToolCall,
    ToolSpec,
)

HELLO = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi")]
BOOK = ToolSpec(
    "book_slot",
    "Book an appointment slot.",
    {"type": "object", "properties": {"slot": {"type": "string"}}, "required": ["slot"]},
)


@pytest.fixture
def fake(server: FakeProvider) -> FakeProvider:
    server.script()
    return server


def client(fake: FakeProvider) -> AnthropicMessages:
    # Small timeouts keep the stall tests fast; a tiny backoff keeps the retry tests fast.
    return AnthropicMessages(
        fake.url,
        "sk-ant-test",
        model="claude-fake",
        max_tokens=100,
        timeout_s=0.3,
        first_token_timeout_s=0.3,
        backoff_s=0.01,
    )


def tool_use_stream() -> list[str]:
    def fragment(index: int, partial: str) -> str:
        delta = {"type": "input_json_delta", "partial_json": partial}
        return anthropic_event("content_block_delta", index=index, delta=delta)

    def tool_block(index: int, tool_id: str) -> str:
        block = {"type": "tool_use", "id": tool_id, "name": "book_slot", "input": {}}
        return anthropic_event("content_block_start", index=index, content_block=block)

    text = {"type": "text_delta", "text": "Booking."}
    return [
        anthropic_start(),
        anthropic_event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
        anthropic_event("content_block_delta", index=0, delta=text),
        anthropic_event("content_block_stop", index=0),
        tool_block(1, "toolu_1"),
        fragment(1, ""),
        fragment(1, '{"slo'),
        fragment(1, 't": "Tue 9:00"}'),
        anthropic_event("content_block_stop", index=1),
        tool_block(2, "toolu_2"),
        anthropic_event("content_block_stop", index=2),
        *anthropic_end("tool_use"),
    ]


async def test_streams_text_with_headers_and_system_prompt(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=anthropic_text("Hel", "lo.")))
    async with client(fake) as llm:
        events = [e async for e in llm.stream(HELLO)]
    assert events == [TextDelta("Hel"), TextDelta("lo.")]
    [request] = fake.requests
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == "sk-ant-test"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    assert request.body["system"] == "Be brief."
    assert request.body["max_tokens"] == 100
    assert request.body["stream"] is True
    assert request.body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Hi"}]}
    ]


async def test_complete_normalises_stop_reason(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=anthropic_text("Done.")))
    async with client(fake) as llm:
        completion = await llm.complete(HELLO)
    assert completion.text == "Done."
    assert completion.finish_reason == "stop"


async def test_assembles_tool_use_from_partial_json(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=tool_use_stream()))
    async with client(fake) as llm:
        completion = await llm.complete(HELLO, tools=[BOOK])
    assert completion.text == "Booking."
    assert completion.tool_calls == [
        ToolCall("toolu_1", "book_slot", '{"slot": "Tue 9:00"}'),
        ToolCall("toolu_2", "book_slot", "{}"),
    ]
    assert completion.finish_reason == "tool_calls"
    assert fake.requests[0].body["tools"] == [
        {"name": "book_slot", "description": BOOK.description, "input_schema": BOOK.parameters}
    ]


async def test_sends_tool_use_and_tool_results_as_blocks(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=anthropic_text("Booked.")))
    calls = [
        ToolCall("toolu_1", "book_slot", '{"slot": "Tue 9:00"}'),
        ToolCall("toolu_2", "book_slot", '{"slot": "Wed 9:00"}'),
    ]
    history = [
        *HELLO,
        ChatMessage("assistant", "Booking.", tool_calls=calls),
        ChatMessage("tool", "ok", tool_call_id="toolu_1"),
        ChatMessage("tool", "taken", tool_call_id="toolu_2"),
    ]
    async with client(fake) as llm:
        await llm.complete(history, tools=[BOOK])
    assert fake.requests[0].body["messages"][1:] == [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Booking."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "book_slot",
                    "input": {"slot": "Tue 9:00"},
                },
                {
                    "type": "tool_use",
                    "id": "toolu_2",
                    "name": "book_slot",
                    "input": {"slot": "Wed 9:00"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "taken"},
            ],
        },
    ]


async def test_no_first_token_in_time_times_out(fake: FakeProvider) -> None:
    # message_start and a ping arrive, but no content: that is still a stall before the answer.
    fake.script(Reply(chunks=anthropic_text("late"), stall_after=3))
    started = time.monotonic()
    async with client(fake) as llm:
        with pytest.raises(LLMTimeout, match="first token"):
            await llm.complete(HELLO)
    assert time.monotonic() - started < 1.5


async def test_stall_mid_stream_times_out(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=anthropic_text("one", "two"), stall_after=4))
    got: list[object] = []
    async with client(fake) as llm:
        with pytest.raises(LLMTimeout, match="stalled"):
            async for event in llm.stream(HELLO):
                got.append(event)
    assert got == [TextDelta("one")]


async def test_error_event_mid_stream_raises(fake: FakeProvider) -> None:
    error = {"type": "overloaded_error", "message": "Overloaded"}
    chunks = [*anthropic_text("Hi")[:4], anthropic_event("error", error=error)]
    fake.script(Reply(chunks=chunks), Reply(chunks=anthropic_text("replayed")))
    async with client(fake) as llm:
        with pytest.raises(LLMError, match="overloaded_error: Overloaded"):
            await llm.complete(HELLO)
    assert len(fake.requests) == 1  # Never replay a half-streamed answer.


async def test_broken_connection_mid_stream_raises(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=anthropic_text("one", "two"), break_after=4))
    async with client(fake) as llm:
        with pytest.raises(LLMError) as caught:
            await llm.complete(HELLO)
    assert not isinstance(caught.value, LLMTimeout)


async def test_stream_without_message_stop_raises(fake: FakeProvider) -> None:
    fake.script(Reply(chunks=anthropic_text("cut")[:4]))
    async with client(fake) as llm:
        with pytest.raises(LLMError, match="before message_stop"):
            await llm.complete(HELLO)


async def test_retries_overloaded_then_streams(fake: FakeProvider) -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    fake.script(Reply(status=529, body=overloaded), Reply(chunks=anthropic_text("Back.")))
    async with client(fake) as llm:
        completion = await llm.complete(HELLO)
    assert completion.text == "Back."
    assert len(fake.requests) == 2


async def test_bad_request_reports_reason_without_retry(fake: FakeProvider) -> None:
    bad = {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens"}}
    fake.script(Reply(status=400, body=bad))
    async with client(fake) as llm:
        with pytest.raises(LLMError, match="invalid_request_error: max_tokens") as caught:
            await llm.complete(HELLO)
    assert caught.value.status == 400
    assert str(caught.value).startswith("anthropic (HTTP 400)")
    assert len(fake.requests) == 1

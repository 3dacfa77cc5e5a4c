"""The LLM guardrail judge against the fake provider: hits, none, garbled answers, stalls."""

from __future__ import annotations

import json
import logging
import time

import pytest
from tests.mind.llm.fake_servers import (
    FakeProvider,
    Reply,
    anthropic_text,
    openai_text,
)

from visavis.mind.guardrails import Guardrails
from visavis.mind.guardrails.judge import (
    JUDGE_MARKER,
    GuardrailJudge,
    make_judge,
    parse_verdict,
)
from visavis.mind.llm import OpenAICompatible

BILLING = {
    "guardrail_name": "no_billing",
    "guardrail_prompt": "Never discuss the hospital bill, insurance or costs.",
    "modality": "verbal",
    "callback_url": "https://example.org/billing",
}
PROMISES = {"guardrail_name": "no_promises", "guardrail_prompt": "Never promise a callback time."}
FROWN = {"guardrail_name": "frown", "guardrail_prompt": "Flag a frown", "modality": "visual"}


def judge(fake: FakeProvider, timeout_s: float = 2.0) -> GuardrailJudge:
    client = OpenAICompatible(
        fake.url, "sk-test", model="fake", timeout_s=timeout_s, first_token_timeout_s=timeout_s
    )
    return GuardrailJudge(client, [BILLING, PROMISES, FROWN], timeout_s=timeout_s)


def answer(text: str) -> Reply:
    return Reply(chunks=openai_text(text))


def verdict(*names: str) -> str:
    return json.dumps({"violations": [{"guardrail_name": n, "reason": "why"} for n in names]})


def test_a_violation_is_a_persona_hit_with_the_guardrails_name(server: FakeProvider) -> None:
    server.script(answer(verdict("no_billing")))
    j = judge(server)
    try:
        [hit] = j.check("How much will the hospital bill me for the stay?", "input")
    finally:
        j.close()
    assert (hit.guardrail, hit.kind, hit.direction, hit.reason) == (
        "no_billing",
        "persona",
        "input",
        "why",
    )
    assert "hospital bill" in hit.evidence
    # The request: the judge's own prompt, the verbal guardrails only, the words as data.
    [request] = server.requests
    system, user = request.body["messages"]
    assert JUDGE_MARKER in system["content"]
    assert "no_billing" in user["content"] and "Never promise" in user["content"]
    assert "frown" not in user["content"]
    assert "<<<MESSAGE\nHow much will the hospital bill me" in user["content"]
    assert "the patient said" in user["content"]
    # The policy's safe reply for the new kind: generic and kind, and its callback is kept.
    policy = Guardrails([BILLING, PROMISES, FROWN])
    assert policy.safe_reply(hit).startswith("I'm sorry, I can't help with that on this call.")
    assert policy.callbacks == {"no_billing": "https://example.org/billing"}


def test_no_violation_and_nothing_to_judge(server: FakeProvider) -> None:
    server.script(answer('{"violations": []}'))
    j = judge(server)
    try:
        assert j.check("I'll call you back tomorrow at nine.", "output") == []
        assert "the agent is about to say" in server.requests[0].body["messages"][1]["content"]
        assert j.check("   ", "input") == []  # no request for empty words
        assert len(server.requests) == 1
    finally:
        j.close()
    assert GuardrailJudge(j.client, [FROWN]).check("Anything.", "input") == []


def test_fenced_answer_with_prose_and_unknown_names(server: FakeProvider) -> None:
    text = f"Here is my verdict:\n```json\n{verdict('No_Promises', 'made_up')}\n```\nDone."
    server.script(answer(text), answer(verdict("no_billing", "no_billing")))
    j = judge(server)
    try:
        hits = j.check("We will definitely call you at 9 sharp.", "output")
        assert [(h.guardrail, h.direction) for h in hits] == [("no_promises", "output")]
        assert len(j.check("What about my insurance?", "input")) == 1  # named twice, one hit
    finally:
        j.close()


def test_malformed_answer_is_no_hit_and_a_warning(
    server: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(answer('{"violations": [{"guardrail_name": "no_billing"'), answer("No."))
    j = judge(server)
    try:
        with caplog.at_level(logging.WARNING, "visavis.mind.guardrails.judge"):
            assert j.check("How much does the stay cost?", "input") == []
            assert j.check("How much does the stay cost?", "input") == []
    finally:
        j.close()
    assert sum("not the JSON asked for" in r.message for r in caplog.records) == 2


def test_a_stalled_judge_times_out_quickly_with_no_hit(
    server: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    server.script(Reply(chunks=openai_text(verdict("no_billing")), headers_delay_s=3.0))
    j = judge(server, timeout_s=0.3)
    try:
        with caplog.at_level(logging.WARNING, "visavis.mind.guardrails.judge"):
            start = time.monotonic()
            assert j.check("How much is the bill?", "input") == []
            assert time.monotonic() - start < 1.0
    finally:
        j.close()
    assert any("letting it pass" in r.message for r in caplog.records)


def test_a_provider_error_is_no_hit(server: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    server.script(Reply(status=401, body={"error": {"message": "bad key"}}))
    j = judge(server)
    try:
        with caplog.at_level(logging.WARNING, "visavis.mind.guardrails.judge"):
            assert j.check("How much is the bill?", "input") == []
    finally:
        j.close()
    assert any("bad key" in r.getMessage() for r in caplog.records)


def test_submit_runs_beside_other_work(server: FakeProvider) -> None:
    server.script(Reply(chunks=openai_text(verdict("no_billing")), headers_delay_s=0.2))
    j = judge(server)
    try:
        start = time.monotonic()
        pending = j.submit("Who pays for this?", "input")
        assert time.monotonic() - start < 0.15  # returned before the answer came
        time.sleep(0.1)  # the core's plan would run here
        assert [h.guardrail for h in pending.result()] == ["no_billing"]
        assert pending.result() is pending.result()  # the verdict is kept
    finally:
        j.close()


def test_make_judge_from_the_personas_llm(server: FakeProvider) -> None:
    llm = {"model": "fake", "base_url": server.url, "api_key": "k", "provider": "openai"}
    assert make_judge(None, [BILLING]) is None
    assert make_judge(llm, []) is None
    assert make_judge(llm, [FROWN]) is None  # visual guardrails are perception's
    policy = Guardrails([BILLING, FROWN, {"guardrail_name": "privacy", "guardrail_prompt": "x"}])
    j = make_judge({**llm, "judge_model": "small", "judge_timeout_s": 1.5}, policy.unmatched)
    assert j is not None
    try:
        assert [g["guardrail_name"] for g in j.guardrails] == ["no_billing"]
        assert j.timeout_s == 1.5 and j.client.model == "small" and j.client.retries == 0
        server.script(answer(verdict("no_billing")))
        assert j.check("What will my copay be?", "input")[0].kind == "persona"
        assert server.requests[0].body["model"] == "small"
        assert server.requests[0].body["temperature"] == 0.0
    finally:
        j.close()
        j.close()  # idempotent


def test_anthropic_wire(server: FakeProvider) -> None:
    llm = {"model": "claude-test", "base_url": server.url, "api_key": "k"}
    j = make_judge(llm, [BILLING])
    assert j is not None
    server.script()
    server.replies.append(Reply(chunks=anthropic_text(verdict("no_billing"))))
    try:
        assert [h.guardrail for h in j.check("Is my stay covered?", "input")] == ["no_billing"]
        assert server.requests[0].path.endswith("/messages")
        assert JUDGE_MARKER in server.requests[0].body["system"]
    finally:
        j.close()


def test_parse_verdict() -> None:
    assert parse_verdict('{"violations": []}') == []
    assert parse_verdict('Sure. {"violations": [{"guardrail_name": "a"}, 3]} ok') == [
        {"guardrail_name": "a"}
    ]
    assert parse_verdict('{"verdict": "fine"}') is None
    assert parse_verdict("no JSON here") is None
    assert parse_verdict('```\n{"violations": "none"}\n```') is None

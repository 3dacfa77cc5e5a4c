"""A provider that fails mid-call hands the call to the objectives engine: the patient hears
no error and the call completes from the progress the LLM made."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from tests.mind.llm.fake_servers import (
    FakeProvider,
    Reply,
    anthropic_text,
    openai_text,
)
from tests.mind.llm.scripting import Call, Script, flagship, llm_mind

from visavis.mind.llm import AnthropicMessages, OpenAICompatible
from visavis.runtime.events import CallCompleted, ObjectiveActivated, ObjectiveCompleted

NF = "NOTFOUND"
REST = ["I'm feeling pretty good, just a little tired.", "Tuesday morning works for me."]


def test_stall_at_turn_3_continues_in_the_engine(
    server: FakeProvider, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    llm = OpenAICompatible(server.url, model="fake", timeout_s=0.3, first_token_timeout_s=0.3)
    mind, _ = llm_mind(llm, tmp_path)
    Script(
        server,
        chat=[
            "Thank you. What is your date of birth?",
            "Thanks. Have you been taking all your medications?",
            Reply(chunks=openai_text("Good."), stall_after=0, stall_s=1.0),
        ],
        evals=[
            {"completed": False, "variables": {"name_confirmed": True, "dob_confirmed": NF}},
            {"completed": True, "variables": {"name_confirmed": True, "dob_confirmed": True}},
        ],
    )
    try:
        call = Call(mind)
        call.user("Yes, this is Maria Lopez.")
        call.user("March fourteenth, nineteen fifty-two.")
        with caplog.at_level(logging.WARNING):
            said = call.user("Yes, I've been taking all of them every day.")
        # The engine read the answer to the LLM's question and asked its next one.
        assert "feeling" in said.lower() or "symptom" in said.lower()
        assert "switching to the fallback" in caplog.text
        for line in [*REST, "No, that's all. Thank you."]:
            call.user(line)
    finally:
        mind.close()
    out = mind.outcome()
    assert mind.done and out["follow_up_booked"] and out["identity_confirmed"]
    assert out["fallback"]["at_turn"] == 3 and "first token" in out["fallback"]["reason"]
    assert out["objectives_completed"][0] == "confirm_identity"
    assert "wrap_up" in out["objectives_completed"]
    activated = [e.objective_name for e in call.of(ObjectiveActivated)]
    assert len(activated) == len(set(activated))  # the engine repeats no activation
    completed = [e.objective_name for e in call.of(ObjectiveCompleted)]
    assert completed.count("confirm_identity") == 1
    assert any(isinstance(e, CallCompleted) for e in call.events)
    assert not any("error" in s.lower() or "sorry" in s.lower() for s in call.said)


def test_error_mid_stream_at_turn_2_continues_in_the_engine(
    server: FakeProvider, tmp_path: Path
) -> None:
    llm = AnthropicMessages(server.url, "key", model="fake", first_token_timeout_s=1.0)
    mind, _ = llm_mind(llm, tmp_path)
    Script(
        server,
        chat=[
            "Thank you. And your date of birth?",
            Reply(chunks=anthropic_text("Thanks, ", "Maria.", " Now"), break_after=4),
        ],
        evals=[{"completed": False, "variables": {"name_confirmed": True, "dob_confirmed": NF}}],
    )
    try:
        call = Call(mind)
        call.user("Yes, this is Maria Lopez.")
        said = call.user("March 14th, 1952.")
        assert "medications" in said  # identity done by the engine from the LLM's progress
        for line in ["Yes, all of them.", *REST, "No, that's all. Thank you."]:
            call.user(line)
    finally:
        mind.close()
    out = mind.outcome()
    assert mind.done and out["follow_up_booked"] and out["identity_confirmed"]
    assert out["fallback"]["at_turn"] == 2
    assert out["output_variables"]["confirm_identity"] == {
        "name_confirmed": True,
        "dob_confirmed": True,
        "phone_confirmed": None,
    }


def test_failure_during_tool_follow_up_switches_in_commit(
    server: FakeProvider, tmp_path: Path
) -> None:
    from tests.mind.llm.fake_servers import openai_tool_calls

    llm = OpenAICompatible(server.url, model="fake", timeout_s=0.3, first_token_timeout_s=0.3)
    mind, _ = llm_mind(llm, tmp_path)
    find = ("c1", "find_follow_up_slots", {"after": "2025-03-17T23:59:00"})
    Script(
        server,
        chat=[Reply(chunks=openai_tool_calls(find)), Reply(status=400, body={"error": "bad"})],
        evals=[],
    )
    try:
        call = Call(mind)
        said = call.user("Can I book a visit first?")
        assert said.startswith("Let me check the calendar.")
        assert "Maria Lopez" in said  # the engine's first question, from the start
        assert mind.outcome()["fallback"]["at_turn"] == 1
    finally:
        mind.close()


def test_resume_starts_from_progress(tmp_path: Path) -> None:
    engine = flagship(tmp_path)
    plan = engine.resume(
        ["confirm_identity"],
        {
            "confirm_identity": {"name_confirmed": True, "dob_confirmed": True},
            "check_medications": {"all_taken": False, "missed_medications": NF},
        },
    )
    result = engine.commit(plan)
    assert "Which medication" in " ".join(plan.sentences)
    assert [e.objective_name for e in result.events] == ["check_medications"]
    assert engine.outcome()["objectives_completed"] == ["confirm_identity"]
    call = Call.__new__(Call)
    call.mind, call.events, call.said, call.last = engine, [], [], []
    assert "How many doses" in call.user("The metoprolol.")


def test_resume_routes_an_unverified_identity_to_the_end(tmp_path: Path) -> None:
    engine = flagship(tmp_path)
    values = {"confirm_identity": {"name_confirmed": False, "dob_confirmed": False}}
    plan = engine.resume(["confirm_identity"], values)
    engine.commit(plan)
    assert engine.done and not engine.outcome()["identity_confirmed"]


def test_greeting_by_a_dead_provider_is_the_engines(tmp_path: Path) -> None:
    # Nothing listens on port 9: connection refused, retried, then the engine greets.
    llm = OpenAICompatible("http://127.0.0.1:9/v1", model="m", backoff_s=0.01)
    mind, _ = llm_mind(llm, tmp_path, greeting=None)
    try:
        call = Call(mind)
        assert "Maria Lopez" in call.last[-1]
        assert mind.outcome()["fallback"]["at_turn"] == 0
        assert "cannot reach" in mind.outcome()["fallback"]["reason"]
        assert "Which" in call.user("Yes, this is Maria.") or mind.plan("x").sentences
    finally:
        mind.close()


def test_reprompt_failure_asks_the_engines_next_question(
    server: FakeProvider, tmp_path: Path
) -> None:
    llm = OpenAICompatible(server.url, model="fake", timeout_s=0.3, first_token_timeout_s=0.3)
    mind, _ = llm_mind(llm, tmp_path)
    Script(
        server,
        chat=["Thanks. And your date of birth?", Reply(status=401, body={"error": "bad key"})],
        evals=[{"completed": False, "variables": {"name_confirmed": True}}],
    )
    try:
        call = Call(mind)
        call.user("Yes, this is Maria Lopez.")
        plan = mind.reprompt()
        assert "date of birth" in " ".join(plan.sentences)
        mind.commit(plan)
        assert mind.outcome()["fallback"]["reason"].startswith("openai-compatible (HTTP 401)")
        assert "medications" in call.user("March 14th, 1952.")
    finally:
        mind.close()


def test_without_a_fallback_the_patient_hears_an_apology(
    server: FakeProvider, tmp_path: Path
) -> None:
    llm = OpenAICompatible(server.url, model="fake", timeout_s=0.3, first_token_timeout_s=0.3)
    mind, _ = llm_mind(llm, tmp_path, fallback=None)
    Script(server, chat=[Reply(status=400, body={"error": "bad request"})], evals=[])
    try:
        call = Call(mind)
        assert call.user("Hello?") == "I'm sorry, could you say that again?"
        assert mind.outcome()["fallback"] is None and not mind.done
    finally:
        mind.close()

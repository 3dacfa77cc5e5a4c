"""LLMMind against the fake provider: a flagship-like call with tools, objectives, summaries."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from tests.mind.llm.fake_servers import FakeProvider, Reply, openai_tool_calls
from tests.mind.llm.scripting import Call, Script, llm_mind

from visavis.mind.llm import OpenAICompatible
from visavis.mind.llm.mind import LLMMind
from visavis.runtime.events import (
    CallCompleted,
    ObjectiveActivated,
    ObjectiveCompleted,
    ToolCall,
    ToolResult,
)

NF = "NOTFOUND"


def provider(fake: FakeProvider) -> OpenAICompatible:
    return OpenAICompatible(
        fake.url, "sk-test", model="fake", timeout_s=0.5, first_token_timeout_s=0.5, backoff_s=0.01
    )


def test_flagship_call_books_through_tools(server: FakeProvider, tmp_path: Path) -> None:
    mind, engine = llm_mind(provider(server), tmp_path)
    store = engine.tools["book_follow_up"].store  # type: ignore[attr-defined]
    first = store.free_slots(datetime(2025, 3, 17, 23, 59))[0]
    find = ("call_find", "find_follow_up_slots", {"after": "2025-03-17T23:59:00", "limit": 4})
    book = ("call_book", "book_follow_up", {"slot_id": first.id, "patient_id": "maria-lopez"})
    script = Script(
        server,
        chat=[
            "Thank you, Maria. Could you confirm your date of birth?",
            "Thanks. Have you been taking all your medications?",
            "Great. How have you been feeling?",
            Reply(chunks=openai_tool_calls(find)),  # no text: the mind says a filler
            "I have Tuesday at 9 a.m. or Wednesday at 2 p.m. Which works for you?",
            Reply(chunks=openai_tool_calls(book, text="Perfect, let me book that.")),
            "You're booked for Tuesday at 9 a.m. Is there anything else?",
            Reply(chunks=openai_tool_calls(("call_end", "end_call", {}), text="Take care. Bye!")),
        ],
        evals=[
            {"completed": False, "variables": {"name_confirmed": True, "dob_confirmed": NF}},
            {"completed": True, "variables": {"name_confirmed": True, "dob_confirmed": True}},
            {"completed": True, "variables": {"all_taken": True}},
            {"completed": True, "variables": {"symptoms": ["fatigue"]}},
            {"completed": True, "variables": {"appointment": "Tuesday 9 a.m."}},
            {"completed": True, "variables": {"anything_else": False}},
        ],
    )
    try:
        call = Call(mind)
        assert call.last == ["Hi, this is Joe from Riverside.", "Am I speaking with Maria Lopez?"]
        assert [e.objective_name for e in call.of(ObjectiveActivated)] == ["confirm_identity"]
        call.user("Yes, this is Maria Lopez.")
        assert not list(call.of(ObjectiveCompleted))
        assert "medications" in call.user("March fourteenth, nineteen fifty-two.")
        call.user("Yes, all of them.")
        said = call.user("Pretty good, just a little tired.")
        assert said.startswith("Let me check the calendar. I have Tuesday")
        said = call.user("Tuesday morning works.")
        assert said == "Perfect, let me book that. You're booked for Tuesday at 9 a.m. " + (
            "Is there anything else?"
        )
        assert not mind.done
        assert call.user("No, that's all. Thank you.") == "Take care. Bye!"
        assert mind.done
    finally:
        mind.close()

    out = mind.outcome()
    assert out["objectives_completed"] == [
        "confirm_identity",
        "check_medications",
        "check_symptoms",
        "book_follow_up",
        "wrap_up",
    ]
    assert out["identity_confirmed"] and out["follow_up_booked"] and out["fallback"] is None
    assert out["booking"]["slot_id"] == first.id
    assert store.bookings("maria-lopez")[0]["slot_id"] == first.id
    completed = {e.objective_name: e.output_variables for e in call.of(ObjectiveCompleted)}
    assert completed["check_medications"]["all_taken"] is True
    assert [e.name for e in call.of(ToolCall)] == ["find_follow_up_slots", "book_follow_up"]
    results = list(call.of(ToolResult))
    assert results[0].result["slots"] and results[1].result["booking_id"]
    assert len(list(call.of(CallCompleted))) == 1
    assert script.kinds.count("evaluator") == 6 and script.kinds.count("chat") == 8
    # The tool's result went back to the model for its follow-up.
    chats = [r for r, k in zip(server.requests, script.kinds, strict=True) if k == "chat"]
    follow_up = chats[4]  # the answer after find_follow_up_slots ran
    roles = [m["role"] for m in follow_up.body["messages"]]
    assert "tool" in roles and follow_up.body["tools"]
    names = [t["function"]["name"] for t in follow_up.body["tools"]]
    assert {"book_follow_up", "escalate_to_nurse", "end_call"} <= set(names)


def test_plan_is_pure_and_stale_plans_are_refused(server: FakeProvider, tmp_path: Path) -> None:
    mind, _ = llm_mind(provider(server), tmp_path)
    Script(
        server,
        chat=["First answer.", "Second answer."],
        evals=[{"completed": False, "variables": {}}],
    )
    try:
        mind.commit(mind.greet())
        thrown = mind.plan("Yes, this is Maria.")  # a speculation the loop throws away
        kept = mind.plan("Yes, this is Maria Lopez.")
        assert thrown.sentences == ["First answer."] and kept.sentences == ["Second answer."]
        assert mind.outcome()["output_variables"] == {"confirm_identity": {}}
        mind.commit(kept)
        with pytest.raises(ValueError, match="stale"):
            mind.commit(thrown)
    finally:
        mind.close()


def test_application_tool_and_prose_conditions(server: FakeProvider, tmp_path: Path) -> None:
    """Dict objectives with a prose condition (decided by the evaluator LLM) and an
    application-delivered tool (only an event, result sent_to_application)."""
    from visavis.mind.tools import build_tools

    [notify] = build_tools(
        [
            {
                "name": "notify_pharmacy",
                "description": "Tell the pharmacy about a refill.",
                "parameters": {
                    "type": "object",
                    "properties": {"drug": {"type": "string"}},
                    "required": ["drug"],
                },
                "on_call": "none",
            }
        ]
    )
    objectives = [
        {
            "objective_name": "ask_refill",
            "objective_prompt": "Ask whether they need a refill.",
            "output_variables": ["needs_refill"],
            "next_conditional_objectives": {"arrange_refill": "The patient needs a refill."},
        },
        {"objective_name": "arrange_refill", "objective_prompt": "Arrange it."},
    ]
    mind = LLMMind(
        provider(server),
        system_prompt="Be brief.",
        objectives=objectives,
        tools=[notify],
        greeting="Hello! Do you need a refill?",
        closing="Goodbye.",
    )
    script = Script(
        server,
        chat=[
            Reply(chunks=openai_tool_calls(("c1", "notify_pharmacy", {"drug": "metoprolol"}))),
            "I've let the pharmacy know.",
            "Anything else?",
        ],
        evals=[
            {"completed": True, "variables": {"needs_refill": True}},
            {"holds": True},
            {"completed": True, "variables": {}},
        ],
    )
    try:
        call = Call(mind)
        assert call.user("Yes, metoprolol.") == "I've let the pharmacy know."  # no filler
        [event] = call.of(ToolResult)
        assert event.result == {"status": "sent_to_application"}
        assert [e.objective_name for e in call.of(ObjectiveActivated)][-1] == "arrange_refill"
        assert call.user("Great, thanks.") == "Anything else? Goodbye."
        assert mind.done and mind.outcome()["objectives_completed"] == [
            "ask_refill",
            "arrange_refill",
        ]
        assert script.kinds == ["chat", "chat", "evaluator", "evaluator", "chat", "evaluator"]
    finally:
        mind.close()


def test_rolling_summary_replaces_old_turns(server: FakeProvider, tmp_path: Path) -> None:
    mind, _ = llm_mind(provider(server), tmp_path, token_budget=60)
    long = "Could you tell me a little more about that, please, in your own words? " * 2
    script = Script(
        server,
        chat=[long, long, long],
        evals=[{"completed": False, "variables": {}}] * 3,
        summary="Maria confirmed her name; the agent asked for details.",
    )
    try:
        call = Call(mind)
        for text in ("Yes, this is Maria Lopez.", "I'm not sure.", "Well, I guess so."):
            call.user(text)
        assert "summary" in script.kinds
        last_chat = [r for r, k in zip(server.requests, script.kinds, strict=True) if k == "chat"]
        system = last_chat[-1].body["messages"][0]["content"]
        assert "Summary of the earlier conversation" in system
        assert "Maria confirmed her name" in system
        # Old turns are gone from the messages; the newest are kept verbatim.
        contents = [m["content"] for m in last_chat[-1].body["messages"][1:]]
        assert "Yes, this is Maria Lopez." not in contents
        assert contents[-1] == "Well, I guess so."
    finally:
        mind.close()


def test_requests_carry_objectives_and_extra_context(server: FakeProvider, tmp_path: Path) -> None:
    mind, _ = llm_mind(provider(server), tmp_path)
    Script(server, chat=["Sure."], evals=[])
    try:
        mind.commit(mind.greet())
        mind.plan("What about my diet?", extra_context=["Passage: eat less salt."])
        system = server.requests[-1].body["messages"][0]["content"]
        assert "ACTIVE confirm_identity" in system and "still to find out" in system
        assert "Passage: eat less salt." in system
        assert json.dumps(server.requests[-1].body["messages"][-1]) == json.dumps(
            {"role": "user", "content": "What about my diet?"}
        )
    finally:
        mind.close()


def test_manual_objective_waits_for_the_application(server: FakeProvider) -> None:
    objectives = [
        {
            "objective_name": "consent",
            "objective_prompt": "Get consent to record.",
            "output_variables": ["consent"],
            "confirmation_mode": "manual",
        }
    ]
    mind = LLMMind(
        provider(server),
        system_prompt="Be brief.",
        objectives=objectives,
        greeting="Hello. May I record this call?",
        closing="Thank you, goodbye.",
    )
    Script(server, chat=["Thank you."], evals=[{"completed": True, "variables": {"consent": True}}])
    try:
        call = Call(mind)
        call.user("Yes, you may.")
        assert not list(call.of(ObjectiveCompleted)) and not mind.done
        with pytest.raises(ValueError, match="not awaiting"):
            mind.confirm_objective("other")
        [event] = mind.confirm_objective("consent")
        assert isinstance(event, ObjectiveCompleted) and event.output_variables == {"consent": True}
        assert mind.outcome()["objectives_completed"] == ["consent"]
    finally:
        mind.close()

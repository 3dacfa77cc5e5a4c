"""The context builder's budget, rolling summary, sentence splitting and the evaluator's parsing."""

from __future__ import annotations

from visavis.mind.llm.context import ContextBuilder, extractive_summary
from visavis.mind.llm.evaluator import machine_condition, parse_json_object
from visavis.mind.llm.text import split_sentences
from visavis.mind.llm.types import ChatMessage, LLMError, ToolCall


def history(turns: int) -> list[ChatMessage]:
    out = []
    for i in range(turns):
        out.append(ChatMessage("user", f"Answer number {i}. With some more words here."))
        out.append(ChatMessage("assistant", f"Question number {i + 1}? Please tell me."))
    return out


def test_under_budget_nothing_is_folded() -> None:
    builder = ContextBuilder("sys", token_budget=1000)
    old, recent = builder.split_for_summary(history(3))
    assert old == [] and len(recent) == 6


def test_over_budget_folds_oldest_turns_at_a_user_message() -> None:
    builder = ContextBuilder("sys", token_budget=60)
    h = history(8)
    h.insert(3, ChatMessage("assistant", "", tool_calls=[ToolCall("c", "t", "{}")]))
    h.insert(4, ChatMessage("tool", '{"ok": true}', tool_call_id="c"))
    old, recent = builder.split_for_summary(h)
    assert old and recent[0].role == "user"
    assert builder.tokens(recent) <= 30
    assert old + recent == h


def test_extractive_summary_keeps_first_sentences_and_newest_facts() -> None:
    text = extractive_summary("Earlier.", history(2))
    assert text.startswith("Earlier. Patient: Answer number 0.")
    assert "Agent: Question number 2?" in text
    assert extractive_summary("", history(50), max_chars=100).startswith("…")


def test_summary_falls_back_to_extractive_when_the_llm_fails() -> None:
    builder = ContextBuilder("sys", token_budget=60)

    def broken(messages: list[ChatMessage]) -> str:
        raise LLMError("fake", "down")

    assert "Agent: Question number 2?" in builder.summarise("", history(2), broken)
    assert builder.summarise("", history(2), lambda m: "LLM summary.") == "LLM summary."


def test_messages_put_reference_and_perception_in_the_system_prompt() -> None:
    builder = ContextBuilder("You are Joe.", "Clinic: Riverside.")
    [system, *rest] = builder.messages(
        history(1), "sum", "# Objectives", "They looked away.", ["Passage A"]
    )
    for part in ("You are Joe.", "Riverside", "# Objectives", "Passage A", "looked away", "sum"):
        assert part in system.content
    assert [m.role for m in rest] == ["user", "assistant"]


def test_sentences_and_evaluator_parsing() -> None:
    assert split_sentences("See Dr. Patel at 9 a.m. tomorrow. OK?") == [
        "See Dr. Patel at 9 a.m. tomorrow.",
        "OK?",
    ]
    assert parse_json_object('```json\n{"completed": true}\n```') == {"completed": True}
    assert parse_json_object("no idea") is None
    check = machine_condition("all_taken == false", ("all_taken",))
    assert check is not None and check({"all_taken": False})
    assert machine_condition("The patient confirmed their name.", ("x",)) is None
    assert machine_condition("unknown_var", ("x",)) is None


def test_a_greeting_first_history_starts_with_a_user_turn() -> None:
    builder = ContextBuilder("sys")
    messages = builder.messages([ChatMessage("assistant", "Hi!")], "", "# Objectives")
    assert [m.role for m in messages] == ["system", "user", "assistant"]


def test_make_provider_picks_the_wire_protocol() -> None:
    from visavis.mind.llm import AnthropicMessages, OpenAICompatible
    from visavis.mind.llm.providers import make_provider

    assert isinstance(make_provider("claude-sonnet-4"), AnthropicMessages)
    local = make_provider("llama3", "http://localhost:11434/v1", timeout_s=3.0)
    assert isinstance(local, OpenAICompatible) and local.timeout_s == 3.0

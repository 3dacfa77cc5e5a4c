"""Context the application sends mid-call (``append_llm_context``, ``overwrite_llm_context``)
reaches the LLM on the following requests; the patient's record stays."""

from __future__ import annotations

from pathlib import Path

from tests.mind.llm.fake_servers import FakeProvider, system_text
from tests.mind.llm.scripting import Call, Script, llm_mind

from visavis.mind.llm import OpenAICompatible
from visavis.mind.llm.context import ContextBuilder


def provider(fake: FakeProvider) -> OpenAICompatible:
    return OpenAICompatible(
        fake.url, "sk-test", model="fake", timeout_s=0.5, first_token_timeout_s=0.5, backoff_s=0.01
    )


def chat_systems(fake: FakeProvider, script: Script) -> list[str]:
    return [
        system_text(r.path, r.body)
        for r, kind in zip(fake.requests, script.kinds, strict=True)
        if kind == "chat"
    ]


def test_append_then_overwrite_reach_the_next_requests(
    server: FakeProvider, tmp_path: Path
) -> None:
    mind, _ = llm_mind(
        provider(server),
        tmp_path,
        persona_context="Clinic hours are 9 to 5.",
        record_context="The patient on this call: Maria Lopez.",
    )
    script = Script(
        server,
        chat=["Thanks, Maria.", "Your labs are normal.", "Noted."],
        evals=[{"completed": False, "variables": {}}] * 3,
    )
    try:
        call = Call(mind)
        call.user("Yes, this is Maria.")
        # The application returns an application-delivered tool's result this way.
        mind.append_context("Lab result (from the application): potassium normal.")
        call.user("Did my labs come back?")
        mind.overwrite_context("The clinic is closed on Friday.")
        call.user("OK.")
    finally:
        mind.close()
    first, second, third = chat_systems(server, script)
    assert "Clinic hours are 9 to 5." in first and "potassium" not in first
    assert "Clinic hours are 9 to 5.\nLab result (from the application)" in second
    assert "closed on Friday" in third
    assert "Clinic hours" not in third and "potassium" not in third
    assert all("The patient on this call: Maria Lopez." in s for s in (first, second, third))


def test_a_plan_made_after_the_append_carries_it(server: FakeProvider, tmp_path: Path) -> None:
    """Speculation: a plan made before the append is stale only in context; the next is not."""
    mind, _ = llm_mind(provider(server), tmp_path)
    script = Script(server, chat=["First.", "Second."], evals=[])
    try:
        mind.commit(mind.greet())
        mind.plan("Hello?")
        mind.append_context("The patient prefers Spanish.")
        mind.plan("Hello?")
    finally:
        mind.close()
    before, after = chat_systems(server, script)
    assert "prefers Spanish" not in before and "prefers Spanish" in after


def test_context_builder_append_and_overwrite() -> None:
    builder = ContextBuilder("System.", None, record_context="Record.")
    assert "About you" in builder.messages([], "", "Objectives.")[0].content
    builder.append("  One.  ")
    builder.append("Two.")
    assert builder.persona_context == "One.\nTwo."
    system = builder.messages([], "", "Objectives.")[0].content
    assert "# About you and this call\nOne.\nTwo.\nRecord." in system
    builder.overwrite("")
    assert builder.persona_context is None
    assert "# About you and this call\nRecord." in builder.messages([], "", "O.")[0].content
    bare = ContextBuilder("System.")
    assert "About you" not in bare.messages([], "", "O.")[0].content

"""``llm_core``: the persona's stored objectives for the LLM, and the engine as the fallback
only when it knows every stored objective."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.mind.llm.fake_servers import FakeProvider, Reply, system_text
from tests.mind.llm.scripting import Call, Script, flagship

from visavis.mind.build import MindConfig
from visavis.mind.llm.assemble import llm_core, stored_objectives
from visavis.mind.llm.fallback import APOLOGY
from visavis.mind.llm.mind import LLMMind
from visavis.mind.memory import recollect


def objective(name: str, prompt: str, *outputs: str, **more: Any) -> dict[str, Any]:
    return {
        "objective_name": name,
        "objective_prompt": prompt,
        "output_variables": list(outputs),
        "confirmation_mode": "auto",
        **more,
    }


KNOWN = [
    objective(
        "confirm_identity",
        "STORED: confirm the patient's full name and date of birth.",
        "name_confirmed",
        "dob_confirmed",
        next_required_objectives=["check_medications"],
    ),
    objective("check_medications", "STORED: ask about every medication.", "all_taken"),
]
UNKNOWN = [
    objective(
        "billing_question",
        "STORED: ask whether the patient received the bill.",
        "bill_received",
        callback_url="https://example.org/obj",
        next_required_objectives=["satisfaction"],
    ),
    objective("satisfaction", "STORED: ask for a rating from 1 to 5.", "rating"),
]


def core(fake: FakeProvider, tmp: Path, objectives: list[dict[str, Any]]) -> LLMMind:
    llm = {
        "model": "fake",
        "base_url": fake.url,
        "api_key": "sk-test",
        "provider": "openai",
        "timeout_s": 0.5,
        "first_token_timeout_s": 0.5,
        "retries": 0,
    }
    config = MindConfig(llm=llm, objectives=objectives, context="Persona context.")
    return llm_core(flagship(tmp), config, recollect(None, ()))


def first_system(fake: FakeProvider, script: Script) -> str:
    chat = [r for r, k in zip(fake.requests, script.kinds, strict=True) if k == "chat"]
    return system_text(chat[0].path, chat[0].body)


def test_stored_objectives_with_the_engine_as_fallback(
    server: FakeProvider, tmp_path: Path
) -> None:
    mind = core(server, tmp_path, KNOWN)
    assert [o.name for o in mind.objectives] == ["confirm_identity", "check_medications"]
    script = Script(
        server,
        chat=["Thank you. And your date of birth?", Reply(status=400, body={"error": "bad"})],
        evals=[
            {"completed": False, "variables": {"name_confirmed": True}},
        ],
    )
    try:
        call = Call(mind)
        call.user("Yes, this is Maria Lopez.")
        system = first_system(server, script)
        said = call.user("March fourteenth, nineteen fifty-two.")
    finally:
        mind.close()
    assert "STORED: confirm the patient's full name" in system
    assert "check_medications" in system and "check_symptoms" not in system
    assert "Persona context." in system and "The patient on this call" in system
    # The provider failed: the engine resumed from the stored objectives' progress.
    assert said and APOLOGY not in said
    assert mind.outcome()["fallback"]["reason"]


def test_unknown_stored_objectives_have_no_fallback(server: FakeProvider, tmp_path: Path) -> None:
    mind = core(server, tmp_path, UNKNOWN)
    script = Script(
        server,
        chat=["Did you receive the bill?", Reply(status=400, body={"error": "bad"})],
        evals=[{"completed": True, "variables": {"bill_received": True}}],
    )
    try:
        call = Call(mind)
        assert call.user("Yes, this is Maria.") == "Did you receive the bill?"
        system = first_system(server, script)
        assert "ACTIVE billing_question: STORED: ask whether" in system
        assert "satisfaction" in system
        # Completing it moved on by the stored rules, to an objective the engine lacks.
        assert mind.progress().active == "satisfaction"
        assert call.user("Yes, I got it.") == APOLOGY
    finally:
        mind.close()
    assert mind.outcome()["fallback"] is None
    assert mind.outcome()["output_variables"]["billing_question"] == {"bill_received": True}


def test_which_objectives_and_whether_the_engine_can_resume(tmp_path: Path) -> None:
    engine = flagship(tmp_path)
    assert stored_objectives(engine, MindConfig()) == (None, True)
    assert stored_objectives(engine, MindConfig(objectives=KNOWN)) == (KNOWN, True)
    mixed = [*KNOWN, UNKNOWN[0]]
    assert stored_objectives(engine, MindConfig(objectives=mixed)) == (mixed, False)

    class Legacy:  # a config from before ``MindConfig.objectives``
        pass

    assert stored_objectives(engine, Legacy()) == (None, True)  # type: ignore[arg-type]

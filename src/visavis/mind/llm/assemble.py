"""An LLM core for the flagship call, with the objectives engine behind it as the fallback.

The LLM gets the persona's prompt, the patient's record (it must verify identity itself), the
persona's stored objectives (``config.objectives``, public shape) or else the engine's own, the
engine's tools (booking and escalation as declared tools, plus the persona's own), and what
memory recalled. If the provider stalls or fails, the engine takes over from the progress made
so far (``ObjectivesMind.resume``): the patient hears no error. The engine can resume only
objectives it knows, so with stored objectives it is the fallback only when every stored name
is one of its own; otherwise there is none and a failed turn gets a short apology.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from visavis.mind.llm.mind import LLMMind
from visavis.mind.llm.providers import make_provider
from visavis.mind.persona import render
from visavis.mind.progress import ObjectiveProgress
from visavis.mind.tools import build_tools, declare

if TYPE_CHECKING:
    from visavis.mind.build import MindConfig
    from visavis.mind.engine import ObjectivesMind
    from visavis.mind.memory import Recollection

#: ``layers.llm`` keys passed to the provider client as options.
PROVIDER_OPTIONS = ("timeout_s", "first_token_timeout_s", "retries", "temperature")


def patient_context(engine: ObjectivesMind) -> str:
    p = engine.patient
    meds = "; ".join(f"{m.name}" for m in p.medications)
    phone = (
        f", or if the date cannot be confirmed, the last four digits of their phone number "
        f"{p.phone}"
        if p.phone
        else ""
    )
    return (
        f"The patient on this call: {p.full_name}, date of birth {p.date_of_birth:%B %d, %Y} "
        f"(confirm name and date of birth{phone} before discussing anything about their "
        f"health), "
        f"discharged on {p.discharge_date:%B %d, %Y} after {p.diagnosis}. "
        f"Discharge medications: {meds}. Care team: {p.care_team.name}, {p.care_team.phone}."
    )


def stored_objectives(
    engine: ObjectivesMind, config: MindConfig
) -> tuple[list[dict[str, Any]] | None, bool]:
    """(the persona's stored objectives or None for the engine's, whether the engine can be
    the fallback: always with its own objectives, with stored ones only when it knows them
    all by name)."""
    stored = [dict(o) for o in getattr(config, "objectives", None) or ()]
    if not stored:
        return None, True
    known = {o.objective_name for o in engine.objectives.data}
    return stored, all(o.get("objective_name") in known for o in stored)


def llm_core(engine: ObjectivesMind, config: MindConfig, recollection: Recollection) -> LLMMind:
    llm: dict[str, Any] = dict(config.llm or {})
    model = str(llm.get("model") or "")
    if not model:
        raise ValueError("layers.llm needs a model name")
    options = {k: llm[k] for k in PROVIDER_OPTIONS if llm.get(k) is not None}
    provider = make_provider(
        model, llm.get("base_url"), llm.get("api_key"), llm.get("provider"), **options
    )
    context = engine.template_context()
    tools = [declare(t) for t in engine.tools.values()]
    tools += build_tools(config.tools, conversation_id=config.extra.get("conversation_id"))
    persona = engine.persona
    memory = recollection.context_blocks()

    def fallback(progress: ObjectiveProgress) -> ObjectivesMind:
        return engine  # not used until now: it resumes from the LLM's progress

    objectives, engine_can_resume = stored_objectives(engine, config)
    return LLMMind(
        provider,
        system_prompt=config.system_prompt or persona.system_prompt,
        objectives=engine.objectives if objectives is None else objectives,
        tools=tools,
        # The engine's opening (greeting and first question): pure, nothing is committed.
        greeting=" ".join(engine.greet().sentences),
        closing=" ".join(render(persona.phrasing.closing, context)),
        persona_context=config.context or None,
        record_context=patient_context(engine),
        fallback=fallback if engine_can_resume else None,
        context_provider=lambda _text: memory,
    )

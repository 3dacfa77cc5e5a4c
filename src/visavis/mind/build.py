"""Assembling one call's mind: the reasoning core, wrapped in its grounding.

The core is the embedded objectives engine, or an LLM mind when the persona names a provider
(``layers.llm``), with the objectives engine as its fallback. Around it, ``GroundedMind`` adds the
guardrails, the documents and what memory recalled. The CLI and the server both build minds
here, so a call behaves the same whichever way it was started.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from visavis.mind.engine import ObjectivesMind
from visavis.mind.flagship import default_example_dir, load_flagship_mind
from visavis.mind.grounded import GroundedMind, Grounding
from visavis.mind.guardrails import Guardrails
from visavis.mind.knowledge import Document, DocumentError, KnowledgeBase
from visavis.mind.memory import MemoryBackend, Recollection, recollect
from visavis.mind.patients import load_patients
from visavis.mind.persona import literal_template
from visavis.speech.asr.vocabulary import vocabulary_prompt

log = logging.getLogger(__name__)

#: Files of the example's ``documents/`` folder that are loaded as the flagship's knowledge.
DOCUMENT_SUFFIXES = (".md", ".txt", ".html", ".htm", ".docx", ".pdf")


@dataclass
class MindConfig:
    """What a call's mind is built from, beyond the flagship persona and its patient."""

    #: The care team's documents; None: the example's own ``documents/`` folder.
    documents: Sequence[Document] | None = None
    retrieval_strategy: str = "balanced"
    #: The persona's guardrails in the public shape (``guardrail_name``, ``guardrail_prompt``,
    #: ``modality``, ``callback_url``); the built-in checks always run.
    guardrails: Sequence[dict[str, Any]] = ()
    memory: MemoryBackend | None = None
    memory_stores: Sequence[str] = ()
    #: The persona's ``layers.llm`` (model, base_url, api_key...); None: the embedded engine.
    llm: dict[str, Any] | None = None
    #: Declared tools (``/v1/tools`` definitions) the LLM may call.
    tools: Sequence[dict[str, Any]] = ()
    #: The persona's stored objectives (public shape) for an LLM core; the embedded engine
    #: runs the flagship's own objectives file.
    objectives: Sequence[dict[str, Any]] = ()
    #: The persona's system prompt and context for an LLM core.
    system_prompt: str = ""
    context: str = ""
    #: The conversation's ``custom_greeting`` (known placeholders such as {first_name} filled).
    greeting: str | None = None
    #: The persona's ``layers.stt.hotwords``; None: the flagship persona's own.
    hotwords: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def example_documents(folder: Path | None = None) -> list[Document]:
    """The flagship example's documents (``documents/`` beside its persona)."""
    docs_dir = (folder or default_example_dir()) / "documents"
    documents = []
    for path in sorted(docs_dir.glob("*")) if docs_dir.is_dir() else []:
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            continue
        try:
            documents.append(
                Document.from_upload(path.read_bytes(), path.name, document_id=f"ex-{path.stem}")
            )
        except DocumentError as exc:
            log.warning("example document %s skipped: %s", path, exc)
    return documents


def build_mind(
    patient_id: str,
    db_path: Path,
    today: date,
    config: MindConfig | None = None,
    example_dir: Path | None = None,
) -> GroundedMind:
    """The mind of one flagship call: core, knowledge, guardrails and recalled memory."""
    config = config or MindConfig()
    folder = example_dir or default_example_dir()
    engine = load_flagship_mind(patient_id, db_path, today, folder)
    if config.greeting:
        engine.persona = engine.persona.model_copy(
            update={"greeting": literal_template(config.greeting)}
        )
    recollection = recollect(config.memory, config.memory_stores)
    engine.remember(recollection.remembered_symptoms)
    core = _core(engine, config, recollection)
    documents = example_documents(folder) if config.documents is None else config.documents
    others = [
        p.full_name for p in load_patients(folder / "patients.yaml").patients if p.id != patient_id
    ]
    guardrails = Guardrails(config.guardrails, other_patients=others)
    judge = None
    if config.llm:  # only an LLM core is ``blocking``: an engine call never waits on a judge
        from visavis.mind.guardrails.judge import make_judge

        judge = make_judge(config.llm, guardrails.unmatched)
    grounding = Grounding(
        # Even with no documents there is a (empty) knowledge base: a question is then passed
        # to the care team, never answered from nothing.
        knowledge=KnowledgeBase(documents),
        strategy=config.retrieval_strategy,
        guardrails=guardrails,
        memory=recollection.context_blocks(),
        judge=judge,
    )
    mind = GroundedMind(core, grounding, engine.persona.phrasing, recollection)
    mind.persona = engine.persona
    patient = engine.patient
    mind.hotwords = vocabulary_prompt(
        patient.full_name,
        [m.name for m in patient.medications],
        engine.persona.hotwords if config.hotwords is None else config.hotwords,
    )
    # Where a guardrail's hits and an objective's completion are also sent (their own
    # ``callback_url``, besides the conversation's).
    mind.callback_urls = {
        **{o.objective_name: o.callback_url for o in engine.objectives.data if o.callback_url},
        **{
            str(o["objective_name"]): str(o["callback_url"])
            for o in config.objectives
            if o.get("callback_url")
        },
        **guardrails.callbacks,
    }
    return mind


def _core(engine: ObjectivesMind, config: MindConfig, recollection: Recollection) -> Any:
    if not config.llm:
        return engine
    from visavis.mind.llm.assemble import llm_core  # imported only when an LLM is configured

    return llm_core(engine, config, recollection)

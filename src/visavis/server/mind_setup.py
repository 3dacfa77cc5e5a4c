"""What a live call's mind is built from, read from the store when the peer dials in.

The persona's documents (by id and tag) plus the conversation's own, its guardrails (by id and
tag), its tools, its LLM layer (with the write-only API key, which the API never shows), and the
conversation's memory stores. The built-in persona runs on the example's documents, plus any the
conversation names.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from visavis.mind.build import MindConfig, example_documents
from visavis.server.registry import ConversationRecord
from visavis.server.schemas.conversations import BUILTIN_PERSONA
from visavis.store import NotFoundError, Store
from visavis.store.recall import StoredMemory

#: Guardrails a persona may pull in by tag; more than this is a misconfiguration.
MAX_TAGGED_GUARDRAILS = 200


def _guardrail(row: Any) -> dict[str, Any]:
    return {
        "guardrail_id": row.guardrail_id,
        "guardrail_name": row.guardrail_name,
        "guardrail_prompt": row.guardrail_prompt,
        "modality": row.modality,
        "callback_url": row.callback_url,
    }


def _guardrails(store: Store, tenant: str, ids: list[str], tags: list[str]) -> list[dict]:
    rows = []
    for guardrail_id in ids:
        try:
            rows.append(store.get_guardrail(tenant, guardrail_id))
        except NotFoundError:
            continue  # deleted since the persona named it: the built-in checks still run
    if tags:
        wanted = set(tags)
        for row in store.list_guardrails(tenant, limit=MAX_TAGGED_GUARDRAILS):
            if wanted & set(row.tags or []) and row.guardrail_id not in ids:
                rows.append(row)
    return [_guardrail(r) for r in rows]


def _read(store: Store, record: ConversationRecord) -> MindConfig:
    tenant, req = record.tenant_id, record.request
    config = MindConfig(
        retrieval_strategy=req.document_retrieval_strategy,
        memory=StoredMemory(store, tenant),
        memory_stores=list(req.memory_stores),
        greeting=req.custom_greeting,
        extra={"conversation_id": record.conversation_id},
    )
    asked = store.documents_for_call(tenant, req.document_ids, req.document_tags)
    if record.persona_id == BUILTIN_PERSONA:
        config.documents = [*example_documents(), *asked]
        return config
    persona = store.get_persona(tenant, record.persona_id)
    own = store.documents_for_call(tenant, persona.document_ids, persona.document_tags)
    seen: set[str] = set()
    config.documents = [
        d for d in [*own, *asked] if not (d.document_id in seen or seen.add(d.document_id))
    ]
    config.guardrails = _guardrails(
        store, tenant, list(persona.guardrail_ids), list(persona.guardrail_tags)
    )
    config.tools = store.tools_for_call(tenant, persona.tool_ids)
    if persona.objectives_id:
        # Deleted since the persona named them: the embedded engine's objectives run.
        with contextlib.suppress(NotFoundError):
            config.objectives = list(store.get_objectives(tenant, persona.objectives_id).data)
    llm = (persona.layers or {}).get("llm")
    config.llm = dict(llm) if llm and llm.get("model") else None
    config.system_prompt = persona.system_prompt or ""
    config.hotwords = ((persona.layers or {}).get("stt") or {}).get("hotwords")
    return config


async def mind_config(store: Store, record: ConversationRecord) -> MindConfig:
    """The call's ``MindConfig`` (store reads on a thread)."""
    return await asyncio.to_thread(_read, store, record)

"""A stored persona's documents, guardrails and memory reach the call's mind, and its hits
reach the webhooks: through the REST API, the store and the real knowledge base."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import pytest
from tests.server.conftest import Receiver, api_client

from visavis.calls import remember_call
from visavis.mind.build import build_mind
from visavis.runtime.events import FollowUpItem, GuardrailTriggered, KnowledgeRetrieved
from visavis.server import create_app
from visavis.server.mind_setup import mind_config

LEAFLET = b"# After your stay\n\n## Aspirin\n\nTake one tablet of aspirin a day, with food.\n"
DAY = date(2026, 11, 23)


@pytest.fixture
def app(tmp_path: Path):
    return create_app(data_dir=tmp_path)


async def setup_call(app, receiver: Receiver) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    async with api_client(app) as client:
        doc = await client.post(
            "/v1/documents",
            files={"file": ("leaflet.md", LEAFLET, "text/markdown")},
            data={"document_name": "Aspirin leaflet", "tags": "heart"},
        )
        assert doc.status_code in (200, 201), doc.text
        guardrail = await client.post(
            "/v1/guardrails",
            json={
                "guardrail_name": "No_dosage_changes",
                "guardrail_prompt": "Never advise on changing a dose of any medicine.",
                "callback_url": f"{receiver.base}/guardrail",
            },
        )
        assert guardrail.status_code in (200, 201), guardrail.text
        persona = await client.post(
            "/v1/personas",
            json={
                "persona_name": "Follow-up nurse",
                "system_prompt": "You call patients after discharge.",
                "document_tags": ["heart"],
                "guardrail_ids": [guardrail.json()["guardrail_id"]],
                "layers": {"stt": {"hotwords": "aspirin, Lasix"}},
            },
        )
        assert persona.status_code in (200, 201), persona.text
        conversation = await client.post(
            "/v1/conversations",
            json={
                "persona_id": persona.json()["persona_id"],
                "memory_stores": ["patient-42"],
                "document_retrieval_strategy": "quality",
                "callback_url": f"{receiver.base}/conversation",
            },
        )
        assert conversation.status_code in (200, 201), conversation.text
        conversation_id = conversation.json()["conversation_id"]
        view = (await client.get(f"/v1/conversations/{conversation_id}")).json()
        assert view["memory_stores"] == ["patient-42"]
        assert view["document_retrieval_strategy"] == "quality"
        return conversation_id, doc.json()["document_id"]


async def test_the_personas_documents_guardrails_and_memory_reach_the_mind(
    app, receiver: Receiver, tmp_path: Path
) -> None:
    conversation_id, document_id = await setup_call(app, receiver)
    ctx = app.state.ctx
    record = ctx.registry("default").get(conversation_id)
    config = await mind_config(ctx.store, record)
    assert [d.document_id for d in config.documents] == [document_id]
    assert config.retrieval_strategy == "quality"
    assert [g["guardrail_name"] for g in config.guardrails] == ["No_dosage_changes"]

    mind = build_mind("maria-lopez", tmp_path / "clinic.db", DAY, config)
    assert mind.hotwords == "Maria Lopez. Furosemide, metoprolol. Aspirin, Lasix."
    mind.commit(mind.greet())
    for answer in ("Yes, this is Maria.", "March fourteenth, nineteen fifty two."):
        mind.commit(mind.plan(answer))
    answered = mind.commit(mind.plan("How often do I take the aspirin?"))
    [retrieved] = [e for e in answered.events if isinstance(e, KnowledgeRetrieved)]
    assert retrieved.answered and retrieved.citations[0].document_id == document_id
    blocked = mind.commit(mind.plan("Should I double my metoprolol dose?"))
    [hit] = [e for e in blocked.events if isinstance(e, GuardrailTriggered)]
    assert hit.guardrail_name == "No_dosage_changes"
    assert any(isinstance(e, FollowUpItem) for e in blocked.events)

    # The hit goes to the conversation's webhook and to the guardrail's own.
    await ctx.call_event(record, hit, mind.callback_urls.get(hit.guardrail_name))
    for _ in range(200):
        if receiver.on("/guardrail") and receiver.on("/conversation"):
            break
        await asyncio.sleep(0.05)
    [sent] = receiver.on("/guardrail")
    envelope = json.loads(sent.body)
    assert envelope["event_type"] == "application.guardrail_triggered"
    assert envelope["properties"]["guardrail_name"] == "No_dosage_changes"
    assert receiver.on("/conversation")

    # What the call leaves in memory is listed, then forgotten, through the API.
    stored = await asyncio.to_thread(remember_call, config, mind.outcome(), conversation_id, DAY)
    assert stored is not None and stored.items
    async with api_client(app) as client:
        listed = await client.get("/v1/memory_stores/patient-42/memories")
        assert listed.status_code == 200
        texts = [m["text"] for m in listed.json()["data"]]
        assert any("metoprolol" in t for t in texts)
        assert (await client.delete("/v1/memory_stores/patient-42")).status_code in (200, 204)
        gone = await client.get("/v1/memory_stores/patient-42/memories")
        assert gone.status_code == 404 or gone.json()["data"] == []

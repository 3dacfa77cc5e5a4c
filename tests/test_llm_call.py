"""A whole call with an LLM core whose provider stalls mid-call: the real loop (Silero, Whisper,
Piper, the simulated patient) carries on through the objectives engine, and the patient hears
no error. The provider is a local fake speaking the OpenAI wire protocol (no LLM runs here)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from tests.mind.llm.fake_servers import Reply, openai_text, running_fake, system_text, text_reply

from visavis.demo import run_demo
from visavis.mind.build import MindConfig
from visavis.mind.llm.evaluator import EVALUATOR_MARKER
from visavis.runtime.events import Utterance
from visavis.runtime.timeline import read_jsonl

pytestmark = pytest.mark.slow

DOB_QUESTION = "Thank you. To confirm your identity, can you tell me your date of birth?"


def provider(path: str, body: dict[str, Any]) -> Reply:
    """Answers the identity turn (also its speculative plans on a pause), then stalls from the
    date of birth on (the first token never comes)."""
    if EVALUATOR_MARKER in system_text(path, body):
        variables = {"name_confirmed": True, "dob_confirmed": "NOTFOUND"}
        return text_reply(path, json.dumps({"completed": False, "variables": variables}))
    last = str(body["messages"][-1].get("content", "")).lower()
    if not any(word in last for word in ("march", "fourteen", "1952", "nineteen")):
        return text_reply(path, DOB_QUESTION)
    return Reply(chunks=openai_text("Great."), stall_after=0, stall_s=3.0)


def test_a_stalled_provider_hands_the_call_to_the_engine(engines, tmp_path) -> None:
    with running_fake() as fake:
        fake.responder = provider
        config = MindConfig(
            llm={
                "model": "fake-model",
                "base_url": fake.url,
                "provider": "openai",
                "first_token_timeout_s": 0.5,
                "timeout_s": 0.5,
            }
        )
        result = asyncio.run(
            run_demo(
                "adherent_books",
                tmp_path / "call",
                engines=engines,
                video=False,
                mind_config=config,
            )
        )
        asked_llm = len(fake.requests)
    assert asked_llm >= 2
    outcome = result.outcome
    assert result.problems == [], result.problems
    assert outcome["fallback"] is not None and outcome["follow_up_booked"]
    said = [
        e.speech
        for e in read_jsonl(result.out_dir / "timeline.jsonl")
        if isinstance(e, Utterance) and e.role == "replica"
    ]
    assert DOB_QUESTION in said[1]  # the LLM's own words, before it stalled
    assert not any("sorry" in s.lower() or "error" in s.lower() for s in said)

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.mind.llm.fake_servers import Reply, running_fake, system_text, text_reply
from tests.mind.llm.scripting import TODAY, Call

from visavis.mind.build import MindConfig, build_mind
from visavis.mind.guardrails.judge import JUDGE_MARKER
from visavis.mind.llm.evaluator import EVALUATOR_MARKER
from visavis.runtime.events import GuardrailTriggered

BILLING = {
    "guardrail_name": "no_billing",
    "guardrail_prompt": "Never discuss bills.",
    "callback_url": "https://x.org/b",
}


def test_wired(tmp_path: Path) -> None:
    with running_fake() as fake:
        chat = iter(["Thanks. And your date of birth?", "Your bill is 300 dollars.", "Fine."])
        judged: list[str] = []

        def respond(path: str, body: dict[str, Any]) -> Reply | None:
            system = system_text(path, body)
            if JUDGE_MARKER in system:
                text = body["messages"][1]["content"]
                judged.append(text)
                hit = "bill" in text.split("<<<MESSAGE")[1].lower()
                v = [{"guardrail_name": "no_billing", "reason": "bill"}] if hit else []
                return text_reply(path, json.dumps({"violations": v}))
            if EVALUATOR_MARKER in system:
                return text_reply(path, json.dumps({"completed": False, "variables": {}}))
            return text_reply(path, next(chat))

        fake.responder = respond
        llm = {"model": "fake", "base_url": fake.url, "api_key": "k", "provider": "openai"}
        mind = build_mind(
            "maria-lopez",
            tmp_path / "c.db",
            TODAY,
            MindConfig(llm=llm, guardrails=[BILLING], documents=[]),
        )
        try:
            assert mind.callback_urls["no_billing"] == "https://x.org/b"
            call = Call(mind)
            call.user("Yes, this is Maria.")
            said = call.user("How much is my bill?")
            assert said.startswith("I'm sorry, I can't help with that on this call."), said
            said = call.user("March 14 1952.")
            assert said.startswith("I'm sorry, I can't help"), said  # output: "Your bill..."
            trig = [e for e in call.events if isinstance(e, GuardrailTriggered)]
            assert [(e.guardrail_name, e.kind, e.direction) for e in trig] == [
                ("no_billing", "persona", "input"),
                ("no_billing", "persona", "output"),
            ]
            print(call.said, len(judged))
        finally:
            mind.close()
        assert mind.grounding.judge._closed

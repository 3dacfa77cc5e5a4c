"""Scripts for the fake provider that answer an LLM mind's three kinds of request: the
conversation (in order), the evaluator (in order) and the summariser (a fixed summary)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from tests.mind.llm.fake_servers import FakeProvider, Reply, system_text, text_reply

from visavis.mind import ObjectivesMind, load_flagship_mind
from visavis.mind.base import ReplyPlan
from visavis.mind.llm.context import SUMMARY_MARKER
from visavis.mind.llm.evaluator import EVALUATOR_MARKER
from visavis.mind.llm.mind import LLMMind
from visavis.mind.progress import ObjectiveProgress
from visavis.runtime.events import BaseEvent

TODAY = date(2025, 3, 17)


class Script:
    def __init__(
        self,
        fake: FakeProvider,
        chat: list[Reply | str],
        evals: list[dict[str, Any]],
        summary: str = "Earlier: identity confirmed.",
    ) -> None:
        self.chat: deque[Reply | str] = deque(chat)
        self.evals: deque[dict[str, Any]] = deque(evals)
        self.summary = summary
        self.kinds: list[str] = []
        fake.script()
        fake.responder = self.respond

    def respond(self, path: str, body: dict[str, Any]) -> Reply | None:
        system = system_text(path, body)
        if EVALUATOR_MARKER in system:
            self.kinds.append("evaluator")
            return text_reply(path, json.dumps(self.evals.popleft())) if self.evals else None
        if SUMMARY_MARKER in system:
            self.kinds.append("summary")
            return text_reply(path, self.summary)
        self.kinds.append("chat")
        if not self.chat:
            return None
        reply = self.chat.popleft()
        return text_reply(path, reply) if isinstance(reply, str) else reply


class Call:
    """Drives a mind as the loop does: plan, then commit; records what was said and emitted."""

    def __init__(self, mind: Any) -> None:
        self.mind = mind
        self.events: list[BaseEvent] = []
        self.said: list[str] = []
        self.last: list[str] = []
        self._commit(mind.greet())

    def _commit(self, plan: ReplyPlan) -> list[str]:
        result = self.mind.commit(plan)
        self.events += result.events
        self.last = plan.sentences + result.followup_sentences
        self.said += self.last
        return self.last

    def user(self, text: str) -> str:
        return " ".join(self._commit(self.mind.plan(text)))

    def of(self, kind: type) -> Iterator[Any]:
        return (e for e in self.events if isinstance(e, kind))


def flagship(tmp: Path) -> ObjectivesMind:
    return load_flagship_mind("maria-lopez", tmp / "clinic.db", TODAY)


def llm_mind(provider: Any, tmp: Path, **kw: Any) -> tuple[LLMMind, ObjectivesMind]:
    """An LLM mind over the flagship's objectives and tools, falling back to the engine."""
    engine = flagship(tmp)

    def fallback(progress: ObjectiveProgress) -> ObjectivesMind:
        return flagship(tmp)  # the same clinic store: bookings made by the LLM stay made

    options: dict[str, Any] = {
        "greeting": "Hi, this is Joe from Riverside. Am I speaking with Maria Lopez?",
        "closing": "Thank you, Maria. Take care. Goodbye.",
        "fallback": fallback,
        **kw,
    }
    mind = LLMMind(
        provider,
        system_prompt="You are Joe, a follow-up nurse assistant. Be brief and warm.",
        objectives=engine.objectives,
        tools=list(engine.tools.values()),
        **options,
    )
    return mind, engine

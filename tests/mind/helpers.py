from __future__ import annotations

from visavis.mind import ObjectivesMind
from visavis.runtime.events import BaseEvent


class Call:
    """Drives a mind turn by turn as the conversation loop does (plan, then commit)."""

    def __init__(self, mind: ObjectivesMind) -> None:
        self.mind = mind
        self.events: list[BaseEvent] = []
        self.said: list[str] = []
        self.last: list[str] = []
        self._commit(mind.greet())

    def _commit(self, plan) -> list[str]:  # type: ignore[no-untyped-def]
        result = self.mind.commit(plan)
        self.events += result.events
        self.last = plan.sentences + result.followup_sentences
        self.said += self.last
        return self.last

    def user(self, text: str, heard: str | None = None) -> str:
        return " ".join(self._commit(self.mind.plan(text, heard)))

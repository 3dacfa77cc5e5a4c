"""One reply being built: the state copy, the sentences, and the actions for ``commit``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from visavis.mind.base import ReplyPlan
from visavis.mind.persona import render
from visavis.mind.state import Action, CallState
from visavis.mind.understanding.text import normalize


class Turn:
    def __init__(
        self,
        state: CallState,
        context: dict[str, str],
        vocabulary: Callable[[CallState], bool] | None = None,
    ) -> None:
        self.state = state
        self.context = context
        #: Whether the answer awaited in a state wants the call's vocabulary (``ReplyPlan``).
        self._vocabulary = vocabulary
        self.sentences: list[str] = []
        self.actions: list[Action] = []
        #: After a booking, what follows depends on the booking: it waits in the action.
        self._deferred: list[str] | None = None
        #: The user's words made no sense as an answer (the reply asks to clarify).
        self.unclear = False

    def say(self, template: list[str], **extra: str) -> None:
        text = render(template, {**self.context, **extra})
        (self._deferred if self._deferred is not None else self.sentences).extend(text)

    def act(self, kind: str, **data: Any) -> None:
        self.actions.append(Action(kind, data))

    def defer(self) -> None:
        self._deferred = self.actions[-1].data.setdefault("deferred", [])

    def plan(
        self, user_text: str | None, emotion: str = "neutral", interruptible: bool = True
    ) -> ReplyPlan:
        return ReplyPlan(
            sentences=self.sentences,
            emotion=emotion,
            interruptible=interruptible,
            user_text=user_text,
            state=self.state,
            actions=self.actions,
            understood=not self.unclear,
            vocabulary=self._vocabulary(self.state) if self._vocabulary else True,
        )


def question_heard(heard: str, full_reply: list[str], question: list[str]) -> bool:
    """Whether the user heard (most of) the question before cutting the reply short."""
    h, full, q = normalize(heard), normalize(" ".join(full_reply)), normalize(" ".join(question))
    if not full:
        return True
    at = full.rfind(q) if q else -1
    if at < 0:
        return len(h) >= 0.8 * len(full)
    return len(h) >= at + 0.6 * len(q)

"""Handing a call over from a failed LLM to a fallback mind (the embedded objectives engine).

A provider that stalls or breaks mid-call must not be heard by the patient: the LLM mind builds
the fallback from the progress made so far (objectives completed, variables collected), lets it
resume there, and answers with the fallback's words from then on. The switch is prepared where
the failure happens (even in a speculative ``plan``; preparing touches only the new mind) and
recorded when a plan from it is committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from visavis.mind.base import CommitResult, Mind, ReplyPlan
from visavis.mind.llm.types import ChatMessage, LLMError
from visavis.mind.progress import ObjectiveProgress
from visavis.runtime.events import BaseEvent, ObjectiveActivated

if TYPE_CHECKING:
    from visavis.mind.llm.state import LLMState
    from visavis.perception.summary import TurnPerception

log = logging.getLogger(__name__)

FallbackFactory = Callable[[ObjectiveProgress], Mind]
#: Said when there is no fallback mind and the LLM failed: better than silence or an error.
APOLOGY = "I'm sorry, could you say that again?"


@dataclass
class Handover:
    """A fallback mind resumed from the LLM's progress, not yet switched to."""

    mind: Mind
    reason: str
    at_turn: int
    #: Events of the resume (activations), emitted with the first committed plan.
    events: list[BaseEvent] = field(default_factory=list)
    #: What the resume would say (the next question), for a re-prompt or a commit-time switch.
    sentences: list[str] = field(default_factory=list)


@dataclass
class Switch:
    """``ReplyPlan.state`` of a plan made by the fallback: committing it makes the switch."""

    handover: Handover
    inner: ReplyPlan | None


def start(
    factory: FallbackFactory, progress: ObjectiveProgress, reason: str, *, greeting: bool = False
) -> Handover:
    """Build and resume the fallback. ``greeting``: nothing was said yet, so it greets instead
    (the plan of that greeting is what the caller commits)."""
    mind = factory(progress)
    handover = Handover(mind, reason, progress.at_turn)
    resume = getattr(mind, "resume", None)
    if greeting or resume is None:
        return handover
    plan: ReplyPlan = resume(progress.completed, progress.values)
    result = mind.commit(plan)
    handover.events = list(result.events)
    handover.sentences = plan.sentences + result.followup_sentences
    return handover


def without_repeats(events: Sequence[BaseEvent], announced: Sequence[str]) -> list[BaseEvent]:
    """The resume's events minus activations the LLM mind already announced."""
    return [
        e
        for e in events
        if not (isinstance(e, ObjectiveActivated) and e.objective_name in announced)
    ]


def merge_outcome(
    fallback: dict[str, Any], llm: dict[str, Any], info: dict[str, Any]
) -> dict[str, Any]:
    """The fallback's outcome, keeping what the LLM did before the switch (a booking, an
    escalation) when the fallback did not redo it."""
    out = dict(fallback)
    if not out.get("booking") and llm.get("booking"):
        out["booking"], out["follow_up_booked"] = llm["booking"], True
    if llm.get("escalated") and not out.get("escalated"):
        out["escalated"], out["escalation_reason"] = True, llm.get("escalation_reason")
    out["fallback"] = info
    return out


def commit_switch(switch: Switch, announced: Sequence[str]) -> CommitResult:
    h = switch.handover
    result = switch.handover.mind.commit(switch.inner) if switch.inner else CommitResult()
    result.events = without_repeats(h.events, announced) + result.events
    if switch.inner is None:
        result.done = h.mind.done
    return result


class FallbackSupport:
    """The LLM mind's side of the handover (a mixin of ``LLMMind``, kept here so the mind reads
    as the conversation and this as the recovery)."""

    _fallback_factory: FallbackFactory | None
    _fallback: Mind | None
    _fallback_info: dict[str, Any] | None
    _handover: Handover | None
    _state: LLMState

    def progress(self) -> ObjectiveProgress:  # provided by LLMMind
        raise NotImplementedError

    def _prepare(self, exc: LLMError | None, at_turn: int, greeting: bool) -> Handover | None:
        if self._handover is None and self._fallback_factory is not None and exc is not None:
            log.warning("LLM failed at turn %d (%s): switching to the fallback mind", at_turn, exc)
            progress = self.progress()
            progress.at_turn = at_turn
            self._handover = start(self._fallback_factory, progress, str(exc), greeting=greeting)
        return self._handover

    def _fail_plan(
        self,
        exc: LLMError | None,
        st: LLMState,
        user_text: str | None,
        heard: str | None,
        perception: TurnPerception | None,
        kind: str,
    ) -> ReplyPlan:
        handover = self._prepare(exc, st.turn, greeting=kind == "greet")
        if handover is None:
            log.error("LLM failed and no fallback is configured: %s", exc)
            st.history.append(ChatMessage("assistant", APOLOGY))
            return ReplyPlan([APOLOGY], user_text=user_text, state=st)
        inner: ReplyPlan | None = None
        if kind == "greet":
            inner = handover.mind.greet()
        elif kind == "user" and user_text is not None:
            inner = handover.mind.plan(user_text, heard, perception)
        sentences = inner.sentences if inner is not None else list(handover.sentences)
        return ReplyPlan(
            sentences,
            emotion=inner.emotion if inner else "neutral",
            user_text=user_text,
            state=Switch(handover, inner),
        )

    def _switch(self, switch: Switch) -> CommitResult:
        h = switch.handover
        self._fallback, self._handover = h.mind, None
        self._fallback_info = {"reason": h.reason, "at_turn": h.at_turn}
        return commit_switch(switch, self._state.announced)

    def _fail_commit(self, exc: LLMError, user_text: str | None, result: CommitResult) -> None:
        handover = self._prepare(exc, self._state.turn, greeting=False)
        if handover is None:
            log.error("LLM failed and no fallback is configured: %s", exc)
            if user_text is None:  # a tool's follow-up was lost; a failed evaluation is silent
                result.followup_sentences.append(APOLOGY)
            return
        inner = handover.mind.plan(user_text) if user_text is not None else None
        switched = self._switch(Switch(handover, inner))
        if inner is None:
            result.followup_sentences += handover.sentences
        else:
            result.followup_sentences += inner.sentences
        result.followup_sentences += switched.followup_sentences
        result.events += switched.events

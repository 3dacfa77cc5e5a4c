"""The objective steps of ``LLMMind.commit``: activating an objective, asking the evaluator
whether the active one is done, moving on by its next-objective rules, and closing the call
once every objective is done (a mixin of ``LLMMind``, kept apart so the mind reads as the
conversation and this as the objectives' bookkeeping)."""

from __future__ import annotations

import re
from typing import Any

from visavis.mind.base import CommitResult
from visavis.mind.llm.context import ObjectiveView, render_transcript
from visavis.mind.llm.evaluator import Evaluator
from visavis.mind.llm.state import LLMState
from visavis.mind.llm.text import split_sentences
from visavis.mind.llm.types import ChatMessage
from visavis.mind.progress import NOT_FOUND, known_values
from visavis.runtime.events import CallCompleted, ObjectiveActivated, ObjectiveCompleted

_GOODBYE = re.compile(r"\b(good ?bye|bye|take care)\b", re.IGNORECASE)


class ObjectiveSteps:
    """Commit steps over the mind's state; ``LLMMind`` provides the attributes below."""

    _state: LLMState
    _by_name: dict[str, ObjectiveView]
    evaluator: Evaluator
    closing: str | None

    def _text(self, messages: list[ChatMessage], client: Any = None) -> str:  # LLMMind's
        raise NotImplementedError

    def _messages(self, st: LLMState) -> list[ChatMessage]:  # provided by LLMMind
        raise NotImplementedError

    def outcome(self) -> dict[str, Any]:  # provided by LLMMind
        raise NotImplementedError

    def _activate(self, name: str, result: CommitResult) -> None:
        self._state.active = name
        self._state.values.setdefault(name, {})
        if name not in self._state.announced:
            self._state.announced.append(name)
            result.events.append(ObjectiveActivated(objective_name=name))

    def _evaluate(self, result: CommitResult) -> None:
        st = self._state
        obj = self._by_name.get(st.active or "")
        if obj is None or st.awaiting_confirmation:
            return
        transcript = render_transcript(st.history, st.summary)
        verdict = self.evaluator.evaluate(
            transcript, obj, known_values(st.values).get(obj.name, {})
        )
        values = st.values.setdefault(obj.name, {})
        for k, v in verdict.variables.items():
            if v != NOT_FOUND or k not in values:
                values[k] = v
        if not verdict.completed:
            return
        if obj.confirmation_mode == "manual":
            st.awaiting_confirmation = obj.name
        else:
            self._complete_objective(obj, result, transcript)

    def _complete_objective(self, obj: Any, result: CommitResult, transcript: str) -> None:
        st = self._state
        st.completed.append(obj.name)
        values = st.values.get(obj.name, {})
        result.events.append(
            ObjectiveCompleted(objective_name=obj.name, output_variables=dict(values))
        )
        known = known_values({obj.name: values})[obj.name]
        nxt = [
            name
            for name, prose in obj.next_conditional.items()
            if self.evaluator.condition_holds(
                transcript, obj, known, obj.conditions.get(name, prose)
            )
        ]
        queue = [*nxt, *obj.next_required, *st.queue]
        st.queue = list(dict.fromkeys(n for n in queue if n not in st.completed))
        st.active = None
        if st.queue and not obj.ends_call:
            self._activate(st.queue.pop(0), result)

    def _maybe_close(self, result: CommitResult) -> None:
        st = self._state
        all_done = st.active is None and bool(st.completed)
        if st.done or not (all_done or st.end_requested):
            return
        said = " ".join(m.content for m in st.history[-2:] if m.role == "assistant")
        if not st.end_requested and not _GOODBYE.search(said):
            if self.closing is not None:
                text = self.closing
            else:
                cue = ChatMessage("user", "(Every objective is done: say a brief goodbye.)")
                text = self._text([*self._messages(st), cue])
            st.history.append(ChatMessage("assistant", text))
            result.followup_sentences += split_sentences(text)
        st.done = True
        result.events.append(CallCompleted(outcome=self.outcome()))

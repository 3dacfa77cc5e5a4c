"""``LLMMind``: the Mind protocol over an LLM provider, with objectives, tools and a fallback.

``plan`` asks the LLM for the reply (a pure read: the conversation is extended on a copy of the
state) and, when the LLM asks for tools, says its text before the call or a filler; ``commit``
applies the state, runs the tools, feeds their results back for the follow-up, asks the
evaluator whether the active objective is done, and folds old turns into a rolling summary.
The methods are synchronous (``blocking = True``: the loop calls them on a worker thread); the
async clients run on a private loop thread. Any ``LLMError`` hands the call to ``fallback``.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from visavis.mind.base import CommitResult, Mind, ReplyPlan, outcome_record
from visavis.mind.llm import fallback as fb
from visavis.mind.llm.context import (
    ContextBuilder,
    ObjectiveStatus,
    identity_variables,
    objective_views,
    objectives_block,
    perception_text,
    render_transcript,
)
from visavis.mind.llm.evaluator import Evaluator
from visavis.mind.llm.runner import LoopThread
from visavis.mind.llm.state import LLMState
from visavis.mind.llm.steps import ObjectiveSteps
from visavis.mind.llm.streaming import StreamingClient
from visavis.mind.llm.text import split_sentences
from visavis.mind.llm.tooling import END_CALL, ToolEffects, ToolExecutor
from visavis.mind.llm.types import ChatMessage, Completion, LLMError, LLMTimeout, ToolCall
from visavis.mind.progress import ObjectiveProgress, known_values
from visavis.mind.tools.base import Tool

if TYPE_CHECKING:
    from visavis.perception.summary import TurnPerception

log = logging.getLogger(__name__)


class LLMMind(ObjectiveSteps, fb.FallbackSupport):
    """Implements ``visavis.mind.base.Mind`` with an LLM (see the module docstring)."""

    #: The loop runs this mind's methods on a worker thread: they block on the network.
    blocking = True
    #: The grounding layer hands it retrieved passages to answer from in its own words.
    reads_passages = True

    def __init__(
        self,
        provider: StreamingClient,
        *,
        system_prompt: str,
        objectives: Iterable[Any],
        tools: Sequence[Tool] = (),
        greeting: str | None = None,
        closing: str | None = None,
        persona_context: str | None = None,
        record_context: str | None = None,
        fallback: fb.FallbackFactory | None = None,
        evaluator: StreamingClient | None = None,
        context_provider: Callable[[str], list[str]] | None = None,
        token_budget: int = 6000,
        chars_per_token: float = 4.0,
        llm_summaries: bool = True,
        max_tool_rounds: int = 3,
        call_timeout_s: float = 60.0,
    ) -> None:
        objectives = list(getattr(objectives, "data", objectives))  # read twice below
        self.provider = provider
        self.evaluator_provider = evaluator or provider
        self.objectives = objective_views(objectives)
        self._by_name = {o.name: o for o in self.objectives}
        self._identity = identity_variables(objectives)
        self.greeting, self.closing = greeting, closing
        self.context = ContextBuilder(
            system_prompt,
            persona_context,
            record_context=record_context,
            token_budget=token_budget,
            chars_per_token=chars_per_token,
        )
        self.tools = ToolExecutor(tools)
        self.evaluator = Evaluator(lambda m: self._text(m, self.evaluator_provider))
        self.context_provider = context_provider
        self.llm_summaries, self.max_tool_rounds = llm_summaries, max_tool_rounds
        self.call_timeout_s = call_timeout_s
        self._fallback_factory = fallback
        self._fallback: Mind | None = None
        self._fallback_info: dict[str, Any] | None = None
        self._handover: fb.Handover | None = None
        self._state = LLMState()
        self._loop = LoopThread()

    # --- the Mind interface ------------------------------------------------------------------

    def greet(self) -> ReplyPlan:
        if self._fallback is not None:
            return self._fallback.greet()
        st = self._copy()
        st.active = self.objectives[0].name
        text = self.greeting
        if text is None:
            cue = ChatMessage("user", "(The call has just connected: greet the patient.)")
            try:
                text = self._complete([*self._messages(st), cue]).text
            except LLMError as exc:
                return self._fail_plan(exc, st, None, None, None, kind="greet")
        st.history.append(ChatMessage("assistant", text))
        return ReplyPlan(split_sentences(text), state=st, actions=[("activate", st.active)])

    def plan(
        self,
        user_text: str,
        heard_reply: str | None = None,
        perception: TurnPerception | None = None,
        *,
        extra_context: Sequence[str] | None = None,
    ) -> ReplyPlan:
        """As the protocol; ``extra_context``: text blocks for this turn only (retrieved
        passages, memory), added to those of ``context_provider``."""
        if self._fallback is not None:
            return self._fallback.plan(user_text, heard_reply, perception)
        st = self._copy()
        if st.done:
            return ReplyPlan([], user_text=user_text, state=st)
        st.turn += 1
        if self._handover is not None:  # the provider already failed in a discarded plan
            return self._fail_plan(None, st, user_text, heard_reply, perception, kind="user")
        if heard_reply is not None and st.history and st.history[-1].role == "assistant":
            # The model must know what the patient did not hear, or it will assume they did.
            cut = st.history[-1]
            st.history[-1] = ChatMessage(
                "assistant",
                f"{heard_reply} [cut off here by the patient]",
                tool_calls=cut.tool_calls,
            )
        st.history.append(ChatMessage("user", user_text))
        blocks = list(extra_context or [])
        if self.context_provider is not None:
            blocks += self.context_provider(user_text)
        try:
            reply = self._complete(
                self._messages(st, perception_text(perception), blocks), self.tools.specs()
            )
        except LLMError as exc:
            return self._fail_plan(exc, st, user_text, heard_reply, perception, kind="user")
        sentences = split_sentences(reply.text)
        st.history.append(ChatMessage("assistant", reply.text, tool_calls=reply.tool_calls))
        actions: list[Any] = []
        if reply.tool_calls:
            actions.append(("tools", reply.tool_calls))
            sentences = sentences or self.tools.filler(reply.tool_calls)
        return ReplyPlan(sentences, user_text=user_text, state=st, actions=actions)

    def reprompt(self) -> ReplyPlan:
        if self._fallback is not None:
            return self._fallback.reprompt()
        st = self._copy()
        if st.done:
            return ReplyPlan([], state=st)
        cue = ChatMessage("user", "(The patient has been silent a while: gently re-prompt.)")
        try:
            text = self._complete([*self._messages(st), cue]).text
        except LLMError as exc:
            return self._fail_plan(exc, st, None, None, None, kind="reprompt")
        st.history.append(ChatMessage("assistant", text))
        return ReplyPlan(split_sentences(text), state=st)

    def commit(self, plan: ReplyPlan) -> CommitResult:
        if isinstance(plan.state, fb.Switch):
            return self._switch(plan.state)
        if not isinstance(plan.state, LLMState):
            if self._fallback is None:
                raise ValueError("not a plan of this mind")
            return self._fallback.commit(plan)
        st: LLMState = plan.state
        if st.base != self._state.version:
            raise ValueError(
                f"stale plan: made from state {st.base}, current is {self._state.version}"
            )
        st.version = self._state.version + 1
        self._state = st
        result = CommitResult()
        phase = "tools"
        try:
            for kind, data in plan.actions:
                if kind == "activate":
                    self._activate(data, result)
                elif kind == "tools":
                    self._run_tools(data, result)
            phase = "evaluation"
            if plan.user_text is not None:
                self._evaluate(result)
            self._maybe_close(result)
            self._compact()
        except LLMError as exc:
            user_text = plan.user_text if phase == "evaluation" else None
            self._fail_commit(exc, user_text, result)
        result.done = self.done
        return result

    def confirm_objective(self, name: str) -> list[Any]:
        """The application confirms a manual objective."""
        if self._fallback is not None:
            return self._fallback.confirm_objective(name)  # type: ignore[attr-defined]
        if self._state.awaiting_confirmation != name:
            raise ValueError(f"objective {name!r} is not awaiting confirmation")
        self._state.awaiting_confirmation = None
        result = CommitResult()
        transcript = render_transcript(self._state.history, self._state.summary)
        self._complete_objective(self._by_name[name], result, transcript)
        return result.events

    def append_context(self, text: str) -> None:
        """The application adds context (``conversation.append_llm_context``, also how it
        returns an ``application`` tool's result): shown to the LLM from the next request."""
        self.context.append(text)

    def overwrite_context(self, text: str) -> None:
        """The application replaces the persona context (``.overwrite_llm_context``); the
        patient's record (``record_context``) stays."""
        self.context.overwrite(text)

    @property
    def done(self) -> bool:
        return self._fallback.done if self._fallback is not None else self._state.done

    def outcome(self) -> dict[str, Any]:
        s = self._state
        identity = [(kind, s.values.get(o, {}).get(v)) for o, v, kind in self._identity]
        out = outcome_record(
            s.completed, s.values, s.escalated, s.escalation_reason, s.booking, identity
        )
        if self._fallback is not None:
            return fb.merge_outcome(self._fallback.outcome(), out, dict(self._fallback_info or {}))
        return {**out, "fallback": None}

    def progress(self) -> ObjectiveProgress:
        s = self._state
        return ObjectiveProgress(
            completed=list(s.completed),
            values=known_values(s.values),
            active=s.active,
            at_turn=s.turn,
            booking=copy.deepcopy(s.booking),
        )

    def close(self) -> None:
        """Close the provider clients and the loop thread (idempotent)."""
        if self._loop.closed:
            return
        for client in {id(c): c for c in (self.provider, self.evaluator_provider)}.values():
            try:
                self._loop.run(client.aclose(), 5)
            except Exception:  # noqa: BLE001 - closing must not fail the call's teardown
                log.debug("closing %s failed", client.provider, exc_info=True)
        self._loop.close()

    # --- LLM calls -----------------------------------------------------------------------------

    def _complete(
        self, messages: list[ChatMessage], tools: Any = None, client: StreamingClient | None = None
    ) -> Completion:
        client = client or self.provider
        try:
            return self._loop.run(client.complete(messages, tools), self.call_timeout_s)
        except TimeoutError:
            raise LLMTimeout(
                client.provider, f"no answer within {self.call_timeout_s:g} s"
            ) from None

    def _text(self, messages: list[ChatMessage], client: StreamingClient | None = None) -> str:
        return self._complete(messages, None, client).text

    def _messages(
        self, st: LLMState, perception: str | None = None, extra: Sequence[str] = ()
    ) -> list[ChatMessage]:
        status = ObjectiveStatus(st.active, st.completed, st.values, st.awaiting_confirmation)
        block = objectives_block(self.objectives, status)
        return self.context.messages(st.history, st.summary, block, perception, extra)

    def _copy(self) -> LLMState:
        st = copy.deepcopy(self._state)
        st.base = self._state.version
        return st

    # --- commit steps ------------------------------------------------------------------------

    def _run_tools(self, calls: list[ToolCall], result: CommitResult) -> None:
        st, effects = self._state, ToolEffects()
        for round_ in range(1, self.max_tool_rounds + 1):
            for call in calls:
                out = self.tools.run(call, effects)
                st.history.append(ChatMessage("tool", json.dumps(out, default=str), call.id))
            result.events += effects.events
            effects.events = []
            st.booking = effects.booking or st.booking
            if effects.escalation_reason:
                st.escalated, st.escalation_reason = True, effects.escalation_reason
            if effects.end_call:
                st.end_requested = True
            if all(c.name == END_CALL for c in calls):
                return  # the goodbye was said with the call; nothing to follow up
            # The last round offers no tools, so the model must answer in words.
            last = round_ == self.max_tool_rounds
            reply = self._complete(self._messages(st), None if last else self.tools.specs())
            st.history.append(ChatMessage("assistant", reply.text, tool_calls=reply.tool_calls))
            result.followup_sentences += split_sentences(reply.text)
            calls = reply.tool_calls
            if not calls:
                return

    def _compact(self) -> None:
        st = self._state
        old, recent = self.context.split_for_summary(st.history)
        if old:
            llm = self._text if self.llm_summaries else None
            st.summary = self.context.summarise(st.summary, old, llm)
            st.history = recent

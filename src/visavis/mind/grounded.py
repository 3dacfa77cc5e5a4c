"""The grounding layer around any mind: guardrails, the care team's documents and memory.

``GroundedMind`` wraps the reasoning core (the embedded objectives engine or an LLM mind) and
keeps three promises whichever core runs:

- **Guardrails first.** What the patient says is checked before the core sees it; a prompt
  injection, a request for another patient's data or an off-topic request gets the persona's
  safe reply, a ``conversation.guardrail.triggered`` event, and the pending question again. The
  core's state does not move. What the core is about to say is checked too (an LLM can be
  talked into anything), and a bad sentence is replaced by a safe reply.
- **Grounded or nothing.** A question is answered from retrieved passages of the care team's
  documents (citations on the timeline), or the agent says it does not know and records a
  follow-up item for the care team. It never invents. A dosage or diagnosis question the
  documents answer is answered with the documents' own words (the care team's advice, quoted);
  one they do not answer is the medical-advice guardrail's.
- **Memory** is recalled into the core's context at the start of the call (see
  ``visavis.mind.memory``); the layer itself only carries it.

Like every mind, ``plan`` is pure: retrieval and checks have no side effects, and the events
are emitted by ``commit``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from visavis.mind.base import CommitResult, Mind, ReplyPlan
from visavis.mind.guardrails import GuardrailHit, Guardrails
from visavis.mind.guardrails.checks import MEDICAL
from visavis.mind.guardrails.replies import guard_sentences, triggered
from visavis.mind.knowledge import KnowledgeBase
from visavis.mind.knowledge.answer import answer_question, looks_like_question
from visavis.mind.memory import Recollection
from visavis.mind.persona import Phrasing, render
from visavis.mind.understanding.about_call import about_the_call
from visavis.runtime.events import (
    BaseEvent,
    Citation,
    FollowUpItem,
    GuardrailTriggered,
    KnowledgeRetrieved,
    MemoryRecalled,
)

if TYPE_CHECKING:
    from visavis.mind.guardrails.judge import GuardrailJudge
    from visavis.perception.summary import TurnPerception

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
PASSAGES = (
    "Passages from the care team's documents that bear on the patient's question. Answer only "
    "from them; if they do not answer it, say so and offer to pass the question on:\n\n"
)


@dataclass
class Grounding:
    """What grounds one call: its documents, guardrails and the person's memory."""

    knowledge: KnowledgeBase | None = None
    strategy: str = "balanced"
    guardrails: Guardrails | None = None
    #: Text blocks recalled from the person's memory stores (for an LLM core's context).
    memory: list[str] = field(default_factory=list)
    #: The LLM judge of the persona guardrails no deterministic check covers (LLM cores only).
    judge: GuardrailJudge | None = None


@dataclass
class _LayerState:
    """What a plan made by this layer carries to ``commit``."""

    inner: ReplyPlan | None
    events: list[BaseEvent] = field(default_factory=list)


class GroundedMind:
    """Guardrails, knowledge and memory around ``inner`` (implements ``Mind``)."""

    def __init__(
        self,
        inner: Mind,
        grounding: Grounding,
        phrasing: Phrasing | None = None,
        recollection: Recollection | None = None,
    ) -> None:
        self.inner = inner
        self.grounding = grounding
        self.phrasing = phrasing or _default_phrasing(inner)
        self.recollection = recollection
        self.callback_urls: dict[str, str] = {}
        #: What the recogniser should expect to hear in this call (``build_mind`` sets it).
        self.hotwords = ""
        #: Who the agent is (face, perception layer): the core's, or the flagship's for an
        #: LLM core (``build_mind`` sets it).
        self.persona = getattr(inner, "persona", None)
        self.follow_ups: list[str] = []
        self.violations: list[dict[str, Any]] = []
        self.citations: int = 0

    @property
    def blocking(self) -> bool:
        """Run off the event loop (``clock.run_blocking``) when a step may wait on the network
        (an LLM core, the judge) or embed a question (~15 ms of numpy: on the loop it would
        delay every live call's audio and video frames)."""
        knowledge = self.grounding.knowledge
        return (
            bool(getattr(self.inner, "blocking", False))
            or self.grounding.judge is not None
            or (knowledge is not None and knowledge.hybrid)
        )

    def __getattr__(self, name: str) -> Any:
        # ``confirm_objective``, ``progress``...: the core's own.
        return getattr(self.inner, name)

    # --- the Mind interface ------------------------------------------------------------------

    def greet(self) -> ReplyPlan:
        plan = self._guard_output(self.inner.greet())
        r = self.recollection
        if r is not None and r.stores:
            plan.state.events.insert(0, MemoryRecalled(memory_stores=r.stores, items=r.items))
        return plan

    def reprompt(self) -> ReplyPlan:
        return self._guard_output(self.inner.reprompt())

    def plan(
        self,
        user_text: str,
        heard_reply: str | None = None,
        perception: TurnPerception | None = None,
    ) -> ReplyPlan:
        g = self.grounding
        hits = g.guardrails.check_input(user_text) if g.guardrails is not None else []
        blocking = [h for h in hits if h.kind != MEDICAL]
        if blocking:
            return self._safe_reply(user_text, blocking[0])
        if g.judge is None or hits:
            return self._plan_checked(user_text, hits, heard_reply, perception)
        # The judge runs beside the core's plan (pure, so it can be thrown away on a hit).
        verdict = g.judge.submit(user_text, "input")
        plan = self._plan_checked(user_text, hits, heard_reply, perception)
        judged = verdict.result()
        return self._safe_reply(user_text, judged[0]) if judged else plan

    def _plan_checked(
        self,
        user_text: str,
        hits: list[GuardrailHit],
        heard_reply: str | None,
        perception: TurnPerception | None,
    ) -> ReplyPlan:
        g = self.grounding
        question = self._question_part(user_text)
        # "Can we do the later one?" answers the booking question: a core that understands the
        # words as an answer keeps them. (Never a medical question, never an LLM core: it would
        # answer without the passages.)
        only_asked = question is not None and question == user_text.strip()
        if only_asked and not hits and not getattr(self.inner, "reads_passages", False):
            own = self.inner.plan(user_text, heard_reply, perception)
            if own.understood:
                return self._guard_output(own)
        if question is not None and g.knowledge is not None:
            return self._answer(user_text, question, hits, heard_reply, perception)
        if hits:  # a medical question with no documents to answer from
            return self._safe_reply(user_text, hits[0], follow_up=user_text)
        return self._guard_output(self.inner.plan(user_text, heard_reply, perception))

    def commit(self, plan: ReplyPlan) -> CommitResult:
        state: _LayerState = plan.state
        result = self.inner.commit(state.inner) if state.inner is not None else CommitResult()
        for event in state.events:
            if isinstance(event, FollowUpItem):
                self.follow_ups.append(event.text)
            elif isinstance(event, GuardrailTriggered):
                self.violations.append(
                    {"guardrail_name": event.guardrail_name, "direction": event.direction}
                )
            elif isinstance(event, KnowledgeRetrieved) and event.answered:
                self.citations += 1
        result.events[:0] = state.events
        result.followup_sentences = self._checked_followups(result)
        result.done = result.done or self.inner.done
        return result

    @property
    def done(self) -> bool:
        return self.inner.done

    def close(self) -> None:
        """Close the judge and the core (an LLM core's clients), if they have anything open."""
        if self.grounding.judge is not None:
            self.grounding.judge.close()
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    def outcome(self) -> dict[str, Any]:
        return {
            **self.inner.outcome(),
            "follow_up_items": list(self.follow_ups),
            "guardrail_violations": list(self.violations),
            "grounded_answers": self.citations,
            "recalled": [
                str(i.get("text", ""))
                for i in (self.recollection.items if self.recollection else [])
                if i.get("kind") == "fact"
            ],
        }

    # --- questions ---------------------------------------------------------------------------

    def _question_part(self, text: str) -> str | None:
        """The question in what the user said (None if they asked nothing, or only about the
        call itself: to hear ours again, to slow down, who is calling)."""
        if about_the_call(text):
            return None
        asked = [s for s in _SENTENCE_END.split(text.strip()) if looks_like_question(s)]
        return " ".join(asked) if asked else None

    def _answer(
        self,
        user_text: str,
        question: str,
        hits: list[GuardrailHit],
        heard_reply: str | None,
        perception: TurnPerception | None,
    ) -> ReplyPlan:
        g = self.grounding
        assert g.knowledge is not None
        grounded = answer_question(g.knowledge, question, g.strategy)  # type: ignore[arg-type]
        citations = [
            Citation(
                document_id=p.document_id,
                document_name=p.document_name,
                heading=p.heading,
                chunk_id=p.chunk_id,
                score=p.score,
            )
            for p in grounded.citations
        ]
        events: list[BaseEvent] = [
            KnowledgeRetrieved(
                query=question,
                strategy=g.strategy,
                answered=grounded.text is not None,
                citations=citations,
                answer=grounded.text or "",
            )
        ]
        context = self._context()
        if grounded.text is None and hits:
            # A medical question the documents do not answer: the guardrail's own reply.
            plan = self._safe_reply(user_text, hits[0], follow_up=question)
            plan.state.events[:0] = events
            return plan
        if grounded.citations and getattr(self.inner, "reads_passages", False):
            # An LLM core answers in its own words, from these passages only.
            passages = "\n\n".join(f"[{p.heading}] {p.text}" for p in grounded.citations)
            inner = self._guard_output(
                self.inner.plan(  # type: ignore[call-arg]
                    user_text, heard_reply, perception, extra_context=[PASSAGES + passages]
                )
            )
            inner.state.events[:0] = events
            return inner
        if grounded.text is None:
            sentences = render(self.phrasing.not_in_documents, context)
            events.append(
                FollowUpItem(text=question, reason="not answered by the care team's documents")
            )
        else:
            sentences = render(self.phrasing.from_documents, {**context, "answer": grounded.text})
        rest = _strip_question(user_text, question)
        if rest:
            # "Yes, all of them. Can I take Tylenol?": the core reads the answer part.
            inner = self._guard_output(self.inner.plan(rest, heard_reply, perception))
            inner_plan = inner.state.inner
            events += inner.state.events
            return _plan(
                sentences + inner.sentences, user_text, inner_plan, events, inner.vocabulary, inner
            )
        return _plan(
            sentences + self._back_to_question(), user_text, None, events, self._vocabulary()
        )

    def _back_to_question(self) -> list[str]:
        pending = self._pending_question()
        if not pending:
            return []
        first = pending.split(" ", 1)[0]
        if first != "I" and not first.startswith("I'"):  # "Now, have you..."; "Now, I have..."
            pending = pending[0].lower() + pending[1:]
        return render(self.phrasing.back_to_question, {**self._context(), "question": pending})

    def _vocabulary(self) -> bool:
        """``ReplyPlan.vocabulary`` for the core's pending question (its state did not move)."""
        wants = getattr(self.inner, "answer_vocabulary", None)
        return bool(wants()) if callable(wants) else True

    def _pending_question(self) -> str:
        ask = getattr(self.inner, "pending_question", None)
        return " ".join(ask()) if callable(ask) else ""

    # --- guardrails --------------------------------------------------------------------------

    def _safe_reply(
        self, user_text: str, hit: GuardrailHit, follow_up: str | None = None
    ) -> ReplyPlan:
        g = self.grounding
        assert g.guardrails is not None
        reply = g.guardrails.safe_reply(hit)
        events: list[BaseEvent] = [triggered(hit, reply)]
        if follow_up or hit.kind == MEDICAL:
            asked = (follow_up or user_text).strip()
            events.append(FollowUpItem(text=asked, reason=f"guardrail: {hit.reason}"))
        sentences = [s for s in _SENTENCE_END.split(reply) if s] + self._back_to_question()
        return _plan(sentences, user_text, None, events, self._vocabulary())

    def _guard_output(self, plan: ReplyPlan) -> ReplyPlan:
        """The core's plan, wrapped, with any sentence a guardrail rejects replaced."""
        events: list[BaseEvent] = []
        sentences = self._checked(plan.sentences, events)
        wrapped = ReplyPlan(
            sentences=sentences,
            emotion=plan.emotion,
            interruptible=plan.interruptible,
            user_text=plan.user_text,
            state=_LayerState(plan, events),
            vocabulary=plan.vocabulary,
        )
        return wrapped

    def _checked(self, sentences: list[str], events: list[BaseEvent]) -> list[str]:
        return guard_sentences(self.grounding.guardrails, self.grounding.judge, sentences, events)

    def _checked_followups(self, result: CommitResult) -> list[str]:
        events: list[BaseEvent] = []
        sentences = self._checked(result.followup_sentences, events)
        result.events.extend(events)
        return sentences

    def _context(self) -> dict[str, str]:
        context = getattr(self.inner, "template_context", None)
        return context() if callable(context) else {}


def _plan(
    sentences: list[str],
    user_text: str,
    inner: ReplyPlan | None,
    events: list[BaseEvent],
    vocabulary: bool,
    like: ReplyPlan | None = None,
) -> ReplyPlan:
    return ReplyPlan(
        sentences=sentences,
        emotion=like.emotion if like is not None else "neutral",
        interruptible=True,
        user_text=user_text,
        state=_LayerState(inner, events),
        vocabulary=vocabulary,
    )


def _strip_question(text: str, question: str) -> str:
    """What the user said besides their question ("Yes, all of them.")."""
    rest = [s for s in _SENTENCE_END.split(text.strip()) if s and s not in question]
    return " ".join(rest).strip()


def _default_phrasing(inner: Mind) -> Phrasing:
    persona = getattr(inner, "persona", None)
    if persona is not None:
        return persona.phrasing
    raise ValueError("GroundedMind needs the persona's phrasing for a core without a persona")

"""What the LLM is shown each turn, and the rolling summary that keeps it within budget.

The prompt is rebuilt every turn from the mind's state: the system prompt and persona, the
objectives (the active one, variables collected, what remains), the turn's perception summary,
extra blocks (retrieved passages, memory), then the conversation. When the conversation passes
its token budget the oldest turns are folded into a summary, so a long call costs a bounded
prompt and keeps a bounded first-token latency.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from visavis.mind.llm.types import ChatMessage
from visavis.mind.objectives import IDENTITY_KINDS

if TYPE_CHECKING:
    from visavis.perception.summary import TurnPerception

SUMMARY_MARKER = "You summarise conversations"
SUMMARY_PROMPT = (
    f"{SUMMARY_MARKER} between a care agent and a patient for the agent's own memory. Write a "
    "short factual summary (at most 120 words) of the earlier summary and the turns given: what "
    "was asked, what the patient answered, what was done. No greeting, no advice."
)


@dataclass(frozen=True)
class ObjectiveView:
    """One objective in the public API shape, whatever it came from (model or dict)."""

    name: str
    prompt: str
    output_variables: tuple[str, ...] = ()
    confirmation_mode: str = "auto"
    next_conditional: dict[str, str] = field(default_factory=dict)
    next_required: tuple[str, ...] = ()
    #: Machine-checkable twins of the prose conditions (the offline engine's extension).
    conditions: dict[str, str] = field(default_factory=dict)
    ends_call: bool = False


def objective_views(objectives: Iterable[Any]) -> list[ObjectiveView]:
    """Accept ``visavis.mind.objectives.Objective`` models, an ``ObjectiveSet`` or plain dicts."""
    data = getattr(objectives, "data", objectives)
    views = []
    for o in data:
        d = o.model_dump() if hasattr(o, "model_dump") else dict(o)
        views.append(
            ObjectiveView(
                name=d["objective_name"],
                prompt=d.get("objective_prompt", ""),
                output_variables=tuple(d.get("output_variables") or ()),
                confirmation_mode=d.get("confirmation_mode") or "auto",
                next_conditional=dict(d.get("next_conditional_objectives") or {}),
                next_required=tuple(d.get("next_required_objectives") or ()),
                conditions=dict(d.get("conditions") or {}),
                ends_call=bool(d.get("ends_call", False)),
            )
        )
    if not views:
        raise ValueError("an LLM mind needs at least one objective")
    return views


@dataclass
class ObjectiveStatus:
    active: str | None
    completed: list[str]
    values: dict[str, dict[str, Any]]
    awaiting_confirmation: str | None = None


def objectives_block(objectives: Sequence[ObjectiveView], status: ObjectiveStatus) -> str:
    lines = ["# Objectives of this call (work through them in order, one question at a time)"]
    for o in objectives:
        values = status.values.get(o.name, {})
        if o.name in status.completed:
            lines.append(f"- DONE {o.name}: {json.dumps(values, default=str)}")
        elif o.name == status.active:
            lines.append(f"- ACTIVE {o.name}: {o.prompt.strip()}")
            got = {k: v for k, v in values.items() if v != "NOTFOUND"}
            missing = [v for v in o.output_variables if v not in got]
            if got:
                lines.append(f"  collected: {json.dumps(got, default=str)}")
            if missing:
                lines.append(f"  still to find out: {', '.join(missing)}")
            if status.awaiting_confirmation == o.name:
                lines.append("  (waiting for staff to confirm it; keep the patient company)")
    remaining = [
        o.name for o in objectives if o.name not in status.completed and o.name != status.active
    ]
    if remaining:
        lines.append(f"- later, if they apply: {', '.join(remaining)}")
    if status.active is None and status.completed:
        lines.append("All objectives are done: thank the patient, say goodbye, call end_call.")
    return "\n".join(lines)


def render_transcript(messages: Sequence[ChatMessage], summary: str = "") -> str:
    """The conversation as plain text (for the evaluator and the summariser)."""
    lines = [f"(Earlier: {summary})"] if summary else []
    for m in messages:
        if m.role == "user":
            lines.append(f"Patient: {m.content}")
        elif m.role == "assistant" and m.content:
            lines.append(f"Agent: {m.content}")
        elif m.role == "tool":
            lines.append(f"(tool result: {m.content[:300]})")
    return "\n".join(lines)


def extractive_summary(previous: str, old: Sequence[ChatMessage], max_chars: int = 1200) -> str:
    """A summary without an LLM: each turn's first sentence, newest kept when too long."""
    parts = [previous] if previous else []
    for m in old:
        if m.role not in ("user", "assistant") or not m.content.strip():
            continue
        first = m.content.strip().split(". ")[0].rstrip(".")
        parts.append(f"{'Patient' if m.role == 'user' else 'Agent'}: {first}.")
    text = " ".join(parts)
    # The newest facts matter most to the next turn: drop from the front.
    return text if len(text) <= max_chars else "…" + text[-max_chars:]


class ContextBuilder:
    """Builds the messages of a turn and decides when the conversation must be summarised.

    ``persona_context`` is the persona's (and conversation's) context, which the application
    may add to or replace mid-call (``append``, ``overwrite``: the public
    ``conversation.append_llm_context`` and ``.overwrite_llm_context``); ``record_context`` is
    what the call itself knows (the patient's record) and stays whatever the application sends.
    """

    def __init__(
        self,
        system_prompt: str,
        persona_context: str | None = None,
        *,
        record_context: str | None = None,
        token_budget: int = 6000,
        chars_per_token: float = 4.0,
    ) -> None:
        self.system_prompt = system_prompt
        self.persona_context = persona_context
        self.record_context = record_context
        self.token_budget = token_budget
        self.chars_per_token = chars_per_token

    def append(self, text: str) -> None:
        """Add ``text`` to the persona context (one rebinding: a turn being built on another
        thread sees the old context or the new one, never half of it)."""
        parts = [p for p in (self.persona_context, text.strip()) if p]
        self.persona_context = "\n".join(parts) or None

    def overwrite(self, text: str) -> None:
        """Replace the persona context with ``text`` (empty: none)."""
        self.persona_context = text.strip() or None

    def tokens(self, messages: Iterable[ChatMessage]) -> int:
        """A provider-neutral estimate (~4 characters a token for English)."""
        chars = sum(len(m.content) + sum(len(c.arguments) for c in m.tool_calls) for m in messages)
        return int(chars / self.chars_per_token)

    def messages(
        self,
        history: Sequence[ChatMessage],
        summary: str,
        objectives: str,
        perception: str | None = None,
        extra_context: Sequence[str] = (),
    ) -> list[ChatMessage]:
        blocks = [self.system_prompt.strip()]
        about = [c.strip() for c in (self.persona_context, self.record_context) if c]
        if about:
            blocks.append("# About you and this call\n" + "\n".join(about))
        blocks.append(objectives)
        if extra_context:
            # Labelled as reference so the model treats it as material, not as instructions.
            blocks.append("# Reference material for this turn\n" + "\n---\n".join(extra_context))
        if perception:
            blocks.append(f"# What was seen and heard during the patient's turn\n{perception}")
        if summary:
            blocks.append(f"# Summary of the earlier conversation\n{summary}")
        lead = []
        if history and history[0].role == "assistant":
            # Anthropic wants the user to speak first; the agent greeted, so mark the connect.
            lead = [ChatMessage("user", "(The call connected.)")]
        return [ChatMessage("system", "\n\n".join(blocks)), *lead, *history]

    def split_for_summary(
        self, history: Sequence[ChatMessage]
    ) -> tuple[list[ChatMessage], list[ChatMessage]]:
        """(old, recent): when the history is over budget, the oldest turns to fold so the
        rest fits in half the budget. Cuts only before a patient message, so a tool call is
        never separated from its result. ``old`` is empty when nothing needs folding."""
        if self.tokens(history) <= self.token_budget:
            return [], list(history)
        cuts = [i for i, m in enumerate(history) if m.role == "user" and i > 0]
        for cut in cuts:
            if self.tokens(history[cut:]) <= self.token_budget // 2:
                return list(history[:cut]), list(history[cut:])
        # Even the last exchange is long: keep only it.
        last = cuts[-1] if cuts else len(history) - 1
        return list(history[:last]), list(history[last:])

    def summarise(
        self,
        previous: str,
        old: Sequence[ChatMessage],
        llm: Callable[[list[ChatMessage]], str] | None,
    ) -> str:
        """The new rolling summary: by the LLM when given (and it answers), else extractive."""
        if llm is not None:
            request = [
                ChatMessage("system", SUMMARY_PROMPT),
                ChatMessage("user", render_transcript(old, previous)),
            ]
            try:
                text = llm(request).strip()
            except Exception:  # noqa: BLE001 - any failure: the extractive summary is good enough
                text = ""
            if text:
                return text
        max_chars = int(self.token_budget * self.chars_per_token / 4)
        return extractive_summary(previous, old, max_chars)


def perception_text(perception: TurnPerception | None) -> str | None:
    if perception is None:
        return None
    parts = [p for p in (perception.visual, perception.audio) if p]
    if perception.cues:
        parts.append(f"Cues: {', '.join(perception.cues)}.")
    return " ".join(parts) or None


def identity_variables(objectives: Iterable[Any]) -> list[tuple[str, str, str | None]]:
    """(objective, variable, understanding kind) for the variables that confirm identity: from
    the engine's variable specs when given, else every output variable of an objective named
    like identity (kind None: each must be True)."""
    pairs = []
    for o in getattr(objectives, "data", objectives):
        name = o["objective_name"] if isinstance(o, dict) else o.objective_name
        specs = getattr(o, "variables", None) or {}
        outputs = o.get("output_variables", []) if isinstance(o, dict) else o.output_variables
        for var in outputs:
            spec = specs.get(var)
            if (spec is not None and spec.understand in IDENTITY_KINDS) or (
                spec is None and "identity" in name
            ):
                pairs.append((name, var, spec.understand if spec is not None else None))
    return pairs

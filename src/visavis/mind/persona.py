"""The persona: who the agent is and every sentence it can say, as templates.

No reply is written in Python: the engine picks a template by its role in the conversation
(ask, clarify, escalate...) and fills ``{placeholders}`` from the call's context.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from visavis.mind.errors import PersonaError, load_yaml_model


def _as_sentences(value: Any) -> Any:
    # A template may be one string or a list of sentences; TTS speaks them one by one.
    return [value] if isinstance(value, str) else value


Template = Annotated[list[str], BeforeValidator(_as_sentences), Field(min_length=1)]

#: Every placeholder a template may use; a typo is caught when the persona loads.
PLACEHOLDERS = frozenset(
    {
        "agent_name",
        "role",
        "organisation",
        "first_name",
        "patient_name",
        "question",
        "slot_1",
        "slot_2",
        "slot",
        "missing",
        "purposes",
        "medications",
        "symptoms",
        "minutes",
        "care_team",
        "care_team_phone",
        "answer",
        "remembered",
    }
)


class Phrasing(BaseModel):
    """The sentences of each conversational move."""

    model_config = ConfigDict(extra="forbid")

    #: Short first sentences after an answer ("Thank you."), rotated for variety.
    acknowledge: list[str] = Field(min_length=1)
    #: The user answered something they did not hear asked: ask it again, briefly.
    reask_brief: Template
    #: The user asked to hear the question again ("sorry, what was that?").
    repeat: Template
    #: The answer was unclear (default clarification; objectives may name their own).
    clarify: Template
    #: Giving up on a variable after too many unclear answers.
    move_on: Template
    #: After a long silence.
    reprompt: Template
    #: A clear answer with a "but ..." the engine understood nothing of ("Yes, but I've
    #: entered in the kitchen"): a misheard caveat may be a red flag, so hear it again (once).
    clarify_caveat: Template = Field(
        default_factory=lambda: ["Sorry, I didn't catch all of that.", "Could you say that again?"]
    )
    #: Said before a clarification when perception saw the user searching for an answer.
    take_your_time: Template = Field(default_factory=lambda: ["No rush, take your time."])
    #: While a manual-confirmation objective waits for the application.
    waiting: Template
    #: A red flag or worsening symptom: what happens next.
    escalating: Template
    #: Booking confirmed ({slot}).
    booking_confirmed: Template
    #: The chosen slot went to someone else meanwhile ({slot_1}, {slot_2} re-offered).
    booking_unavailable: Template
    #: No free slot at all.
    booking_none: Template
    #: A question the engine cannot answer: it is passed to the care team.
    care_team_will_answer: Template
    #: A question the care team's documents answer ({answer}: their sentences, quoted with
    #: the document's name: "Your discharge instructions say: ...").
    from_documents: Template = Field(default_factory=lambda: ["{answer}"])
    #: A question nothing in the documents answers: never guess, pass it on.
    not_in_documents: Template = Field(
        default_factory=lambda: [
            "I'm not sure about that, and I don't want to guess.",
            "I'll pass your question to your care team so they can get back to you.",
        ]
    )
    #: Back to the question the patient's own question interrupted ({question}).
    back_to_question: Template = Field(default_factory=lambda: ["Now, {question}"])
    closing: Template
    closing_escalated: Template
    closing_unverified: Template


class Persona(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    organisation: str = Field(min_length=1)
    system_prompt: str = Field(min_length=1)
    greeting: Template
    #: Questions by key; objectives name the key that asks for each output variable.
    questions: dict[str, Template] = Field(min_length=1)
    #: Clarifications by key, for answers a generic "Sorry?" would not help with.
    clarifications: dict[str, Template] = Field(default_factory=dict)
    phrasing: Phrasing
    #: Minutes within which a nurse calls back after an escalation ({minutes}).
    escalation_callback_minutes: int = Field(default=15, gt=0)
    #: Unclear answers tolerated per variable before moving on.
    max_clarifications: int = Field(default=2, ge=0)
    #: Words the caller may say that the recogniser should expect (``layers.stt.hotwords``).
    hotwords: str = ""
    #: The face this persona appears with (the public APIs' ``default_replica_id``).
    default_avatar: str | None = None
    #: The public API's perception layer (awareness queries, perception tools); validated and
    #: used by ``visavis.perception.layer.PerceptionLayer``.
    perception: dict[str, Any] = Field(default_factory=dict)

    def templates(self) -> dict[str, list[str]]:
        """Every template by a dotted name, for validation and lookup."""
        out = {"greeting": self.greeting}
        out.update({f"questions.{k}": v for k, v in self.questions.items()})
        out.update({f"clarifications.{k}": v for k, v in self.clarifications.items()})
        for key, value in self.phrasing:
            if key != "acknowledge":
                out[f"phrasing.{key}"] = value
        out.update(
            {f"phrasing.acknowledge.{i}": [s] for i, s in enumerate(self.phrasing.acknowledge)}
        )
        return out


def unknown_placeholders(persona: Persona) -> list[str]:
    """Problems: templates using a placeholder the engine never fills."""
    problems = []
    for name, sentences in persona.templates().items():
        for sentence in sentences:
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(sentence) if f}
            except ValueError as exc:
                problems.append(f"{name}: malformed template {sentence!r}: {exc}")
                continue
            for f in sorted(fields - PLACEHOLDERS):
                problems.append(
                    f"{name}: unknown placeholder {{{f}}} in {sentence!r} "
                    f"(known: {', '.join(sorted(PLACEHOLDERS))})"
                )
    return problems


def load_persona(path: Path) -> Persona:
    """Load and validate a persona file; raises ``PersonaError`` naming the bad field."""
    persona = load_yaml_model(path, Persona, PersonaError)
    problems = unknown_placeholders(persona)
    if problems:
        raise PersonaError(path, problems)
    return persona


def render(sentences: list[str], context: dict[str, str]) -> list[str]:
    """Fill a template's placeholders; sentences that become empty are dropped."""
    out = []
    for s in sentences:
        # A slot label ends in "p.m." and a template may add its own full stop.
        text = re.sub(r"\.\.(?!\.)", ".", s.format_map(context).strip())
        if text:
            out.append(text)
    return out


def literal_template(text: str) -> list[str]:
    """A template from text a client sent (a ``custom_greeting``): its known placeholders such
    as ``{first_name}`` are filled, every other brace is kept literally, so hostile text cannot
    reach ``str.format`` (attribute lookups like ``{0.__class__}``) or fail on a stray brace."""
    escaped = text.replace("{", "{{").replace("}", "}}")
    for name in PLACEHOLDERS:
        escaped = escaped.replace("{{" + name + "}}", "{" + name + "}")
    return [escaped]

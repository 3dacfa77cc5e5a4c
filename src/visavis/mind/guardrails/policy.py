"""The guardrail policy of one call: which checks run, under which names, and what the agent
says instead when one trips.

Persona guardrails (the public resource: ``guardrail_name``, ``guardrail_prompt``,
``modality``, ``callback_url``) are free text meant for a judge. Each verbal one is mapped by
keywords onto the built-in deterministic kinds, so its hits carry the persona's name (and reach
its callback); one that maps onto no kind is kept in ``unmatched`` for the LLM judge
(``judge.GuardrailJudge``, when the persona has an LLM), whose hits are of kind ``persona``.
The built-in checks always run: a hospital agent must not leak another patient's data even
when a persona forgot to say so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from visavis.mind.guardrails.checks import (
    INJECTION,
    KINDS,
    MEDICAL,
    OFF_TOPIC,
    OTHER_PATIENT,
    PERSONA,
    GuardrailHit,
    check_input,
    check_output,
)

# Keywords in a persona guardrail's name or prompt that say which built-in kind it asks for.
_KIND_KEYWORDS: dict[str, re.Pattern[str]] = {
    INJECTION: re.compile(
        r"inject|jailbreak|manipulat|system prompt|(?:its|your|own) instructions|role.?play",
        re.I,
    ),
    OTHER_PATIENT: re.compile(
        r"other patient|another patient|privacy|private|confidential|hipaa|\bphi\b|"
        r"someone else|third.?part|other people",
        re.I,
    ),
    MEDICAL: re.compile(r"dos(?:e|age)|medic|diagnos|prescri|advice|treatment", re.I),
    OFF_TOPIC: re.compile(r"topic|unrelated|scope|stay on|focus|purpose of the call", re.I),
}

SAFE_REPLIES: dict[str, str] = {
    INJECTION: (
        "I'm here to help with your follow-up after your hospital stay. "
        "Shall we carry on with that?"
    ),
    OTHER_PATIENT: (
        "I'm sorry, I can only talk about your own care. "
        "Is there anything about your own recovery I can help with?"
    ),
    MEDICAL: (
        "That's a good question, but I can't change your medicines or diagnose anything. "
        "I'll pass it to your care team so they can call you back. Please keep taking your "
        "medicines as prescribed unless your doctor tells you otherwise, and if it feels "
        "urgent, call your doctor, or 911 in an emergency."
    ),
    OFF_TOPIC: (
        "I'm afraid I can't help with that on this call. "
        "Let's get back to how you're doing since you got home."
    ),
    # Generic on purpose: a persona guardrail can be about anything.
    PERSONA: "I'm sorry, I can't help with that on this call. Let's carry on with your follow-up.",
}


class Guardrails:
    """Deterministic input and output checks for one call.

    ``other_patients``: names (or other identifiers) the agent must never say and that the
    patient may not ask about: every patient but the one on the call.
    """

    def __init__(
        self,
        persona_guardrails: Iterable[dict[str, Any]] = (),
        other_patients: Iterable[str] = (),
    ) -> None:
        # Immutable defaults (tuples) rather than ``[]``: a shared mutable default would leak
        # one call's denylist into the next.
        self.other_patients = [n for n in other_patients if n.strip()]
        self.names: dict[str, str] = {kind: kind for kind in KINDS}
        self.callbacks: dict[str, str] = {}
        self.unmatched: list[dict[str, Any]] = []
        for guardrail in persona_guardrails:
            self._adopt(guardrail)

    def _adopt(self, guardrail: dict[str, Any]) -> None:
        if guardrail.get("modality", "verbal") != "verbal":
            self.unmatched.append(guardrail)  # visual ones belong to perception, not words
            return
        name = str(guardrail.get("guardrail_name", "")).strip()
        about = f"{name} {guardrail.get('guardrail_prompt', '')}"
        kinds = [k for k, rx in _KIND_KEYWORDS.items() if rx.search(about)]
        if name and (url := guardrail.get("callback_url")):
            # Matched or left for the judge, its hits carry this name and reach this URL.
            self.callbacks[name] = str(url)
        if not name or not kinds:
            self.unmatched.append(guardrail)
            return
        for kind in kinds:
            self.names[kind] = name

    def _named(self, hits: list[GuardrailHit]) -> list[GuardrailHit]:
        return [dataclasses.replace(h, guardrail=self.names.get(h.kind, h.kind)) for h in hits]

    def check_input(self, text: str) -> list[GuardrailHit]:
        """What the patient said: run before the words reach the LLM."""
        return self._named(check_input(text, self.other_patients))

    def check_output(self, text: str) -> list[GuardrailHit]:
        """What the agent is about to say: run before TTS speaks it."""
        return self._named(check_output(text, self.other_patients))

    def safe_reply(self, hit: GuardrailHit) -> str:
        """A short, kind reply in place of the blocked turn, by the kind of hit."""
        return SAFE_REPLIES.get(hit.kind, SAFE_REPLIES[OFF_TOPIC])

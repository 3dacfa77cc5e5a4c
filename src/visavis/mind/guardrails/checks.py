"""Deterministic guardrail checks: what the patient says (input) and what the agent is about
to say (output).

Every check is a handful of regular expressions over normalised text (see
``lexicon.normalise``), so it costs microseconds, never calls a model, and always gives the
same answer: it runs on every turn before the LLM sees the words and before TTS speaks them.
Patterns pair a *frame* (a request or question: "can I", "tell me") with a *topic* (a dose
change, another person's records), because the topic alone is ordinary in a follow-up call:
"I stopped eating salt" or "my neighbour drove me" must pass, "should I stop my metoprolol?"
must not.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from visavis.mind.guardrails import patterns as rx
from visavis.mind.guardrails.lexicon import normalise

Direction = Literal["input", "output"]
INJECTION, OTHER_PATIENT, MEDICAL, OFF_TOPIC = (
    "prompt_injection",
    "other_patient",
    "medical_advice",
    "off_topic",
)
KINDS = (INJECTION, OTHER_PATIENT, MEDICAL, OFF_TOPIC)
#: A persona guardrail the LLM judge (``judge.py``) found broken: not a deterministic kind.
PERSONA = "persona"


@dataclass(frozen=True)
class GuardrailHit:
    #: The guardrail's name: a built-in kind, or the persona guardrail it was mapped to.
    guardrail: str
    direction: Direction
    reason: str
    #: The words that tripped the check (already normalised), for logs and webhooks.
    evidence: str
    #: The built-in kind behind the hit; ``safe_reply`` picks its wording by it.
    kind: str = field(default="")

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.guardrail)


def _hit(kind: str, direction: Direction, reason: str, match: re.Match[str]) -> GuardrailHit:
    return GuardrailHit(kind, direction, reason, match.group(0).strip())


def _encoded_payload(raw: str) -> str | None:
    """A long base64 run that decodes to readable text: instructions smuggled past the words."""
    for token in rx.BASE64_RX.findall(raw):
        if not (re.search(r"[A-Z]", token) and re.search(r"[a-z]", token)):
            continue
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
            text = decoded.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if sum(c.isalpha() or c == " " for c in text) >= 0.8 * len(text):
            return token
    return None


def check_injection(text: str) -> GuardrailHit | None:
    if m := rx.INJECTION_RX.search(normalise(text)):
        return _hit(INJECTION, "input", "attempt to override the agent's instructions", m)
    if m := rx.SQUASHED_RX.search(re.sub(r"[^a-z]", "", normalise(text))):
        return _hit(INJECTION, "input", "instruction override split into pieces", m)
    if m := rx.MARKUP_RX.search(text):
        return _hit(INJECTION, "input", "chat or instruction markup in the user's words", m)
    if token := _encoded_payload(text):
        return GuardrailHit(INJECTION, "input", "encoded payload in the user's words", token)
    return None


def check_other_patient(text: str, names: Iterable[str] = ()) -> GuardrailHit | None:
    norm = normalise(text)
    if m := rx.OTHER_PATIENT_RX.search(norm):
        return _hit(OTHER_PATIENT, "input", "request for another person's information", m)
    if name := _find_name(norm, names):
        return GuardrailHit(OTHER_PATIENT, "input", "mentions another patient", name)
    return None


def check_medical_request(text: str) -> GuardrailHit | None:
    if m := rx.MEDICAL_RX.search(normalise(text)):
        return _hit(MEDICAL, "input", "asks for a dose change or a diagnosis", m)
    return None


def check_off_topic(text: str) -> GuardrailHit | None:
    norm = normalise(text)
    if rx.HEALTH_RX.search(norm):
        return None  # anything touching their health is the call's business
    if m := rx.OFF_TOPIC_RX.search(norm):
        return _hit(OFF_TOPIC, "input", "request unrelated to the patient's care", m)
    return None


def check_agent_medical(text: str) -> GuardrailHit | None:
    norm = normalise(text)
    for pattern, reason in (
        (rx.OUT_DOSE_RX, "changes a dose"),
        (rx.OUT_DIAGNOSIS_RX, "states a diagnosis"),
    ):
        for m in pattern.finditer(norm):
            if not rx.NEGATED_RX.search(norm[: m.start()]):
                return _hit(MEDICAL, "output", f"the agent {reason}", m)
    return None


def check_agent_disclosure(text: str, names: Iterable[str]) -> GuardrailHit | None:
    if name := _find_name(normalise(text), names):
        return GuardrailHit(OTHER_PATIENT, "output", "the agent names another patient", name)
    return None


def _find_name(norm: str, names: Iterable[str]) -> str | None:
    """A denylisted name or datum, matched on word boundaries after the same normalisation."""
    for name in names:
        key = normalise(name)
        if key and re.search(rf"(?<![\w']){re.escape(key)}(?![\w'])", norm):
            return key
    return None


def check_input(text: str, other_patients: Iterable[str] = ()) -> list[GuardrailHit]:
    """Every input check, in order of severity (injection first)."""
    found = [
        check_injection(text),
        check_other_patient(text, other_patients),
        check_medical_request(text),
        check_off_topic(text),
    ]
    return [h for h in found if h is not None]


def check_output(text: str, other_patients: Iterable[str] = ()) -> list[GuardrailHit]:
    found = [check_agent_medical(text), check_agent_disclosure(text, other_patients)]
    return [h for h in found if h is not None]

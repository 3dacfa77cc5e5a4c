"""Deterministic guardrails: input checks on the patient's words, output checks on the agent's,
and PII redaction for logs. No model calls: they run on every turn in microseconds."""

from visavis.mind.guardrails.checks import KINDS, GuardrailHit, check_input, check_output
from visavis.mind.guardrails.policy import SAFE_REPLIES, Guardrails
from visavis.mind.guardrails.redaction import redact

__all__ = [
    "KINDS",
    "SAFE_REPLIES",
    "GuardrailHit",
    "Guardrails",
    "check_input",
    "check_output",
    "redact",
]

"""Guarding what the agent is about to say: every sentence through the output checks, the whole
reply through the LLM judge when there is one, and the event a triggered guardrail leaves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from visavis.mind.guardrails.checks import GuardrailHit
from visavis.mind.guardrails.redaction import redact
from visavis.runtime.events import BaseEvent, GuardrailTriggered

if TYPE_CHECKING:
    from visavis.mind.guardrails.judge import GuardrailJudge
    from visavis.mind.guardrails.policy import Guardrails


def triggered(hit: GuardrailHit, reply: str) -> GuardrailTriggered:
    """The timeline event for ``hit``, answered with ``reply`` (its evidence PII-redacted)."""
    return GuardrailTriggered(
        guardrail_name=hit.guardrail,
        kind=hit.kind,
        direction=hit.direction,
        reason=hit.reason,
        evidence=redact(hit.evidence),
        safe_reply=reply,
    )


def guard_sentences(
    guardrails: Guardrails | None,
    judge: GuardrailJudge | None,
    sentences: list[str],
    events: list[BaseEvent],
) -> list[str]:
    """``sentences`` with each one a check rejects replaced by its safe reply (said once), and
    the whole reply replaced when the judge rejects it; ``events`` gets what triggered."""
    if guardrails is None:
        return list(sentences)
    out: list[str] = []
    for sentence in sentences:
        hits = guardrails.check_output(sentence)
        if not hits:
            out.append(sentence)
            continue
        reply = guardrails.safe_reply(hits[0])
        events.append(triggered(hits[0], reply))
        if reply not in out:
            out.append(reply)
    if judge is not None and out and not events:
        # One judgement for the whole reply, not one per sentence.
        judged = judge.check(" ".join(out), "output")
        if judged:
            reply = guardrails.safe_reply(judged[0])
            events.append(triggered(judged[0], reply))
            return [reply]
    return out

"""What the agent is about to say, checked sentence by sentence."""

from __future__ import annotations

from visavis.mind.guardrails import Guardrails
from visavis.mind.guardrails.replies import guard_sentences
from visavis.runtime.events import BaseEvent, GuardrailTriggered


def test_a_sentence_naming_another_patient_is_replaced_once() -> None:
    guardrails = Guardrails(other_patients=["Robert Chen"])
    events: list[BaseEvent] = []
    said = guard_sentences(
        guardrails,
        None,
        ["Thank you.", "Robert Chen said the same.", "Robert Chen had that too."],
        events,
    )
    assert said[0] == "Thank you." and len(said) == 2
    assert "Robert Chen" not in " ".join(said)
    assert [type(e) for e in events] == [GuardrailTriggered, GuardrailTriggered]
    assert all(e.guardrail_name for e in events if isinstance(e, GuardrailTriggered))


def test_without_guardrails_the_reply_is_unchanged() -> None:
    events: list[BaseEvent] = []
    assert guard_sentences(None, None, ["Hello."], events) == ["Hello."] and events == []

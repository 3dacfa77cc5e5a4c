"""A stored persona's conversational flow becomes the live call's turn settings."""

import pytest

from visavis.server.registry import ConversationRecord
from visavis.server.schemas.conversations import CreateConversation
from visavis.server.schemas.resources import PersonaView
from visavis.server.setup import call_setup


def persona(flow: dict) -> PersonaView:
    return PersonaView.model_validate(
        {"persona_id": "p1", "persona_name": "nurse", "layers": {"conversational_flow": flow}}
    )


def setup_for(flow: dict):
    record = ConversationRecord(conversation_id="c1", request=CreateConversation())
    return call_setup(record, persona(flow)).turns


def test_defaults_are_the_fused_detector_judging_overlaps():
    record = ConversationRecord(conversation_id="c1", request=CreateConversation())
    turns = call_setup(record, None).turns
    assert turns.detector == "fused" and turns.verify_barge_in and turns.interruptible_greeting


@pytest.mark.parametrize(
    ("level", "threshold", "silence"), [("low", 0.6, 0.35), ("high", 0.9, 0.9)]
)
def test_patience_sets_how_sure_the_model_must_be(level, threshold, silence):
    turns = setup_for({"turn_taking_patience": level})
    assert turns.end_of_turn_threshold == threshold and turns.end_of_turn_silence == silence


def test_interruptibility_greeting_and_detector():
    high = setup_for({"replica_interruptibility": "high"})
    assert not high.verify_barge_in and high.barge_in_delay == 0
    low = setup_for({"replica_interruptibility": "low", "interruptible_greeting": False})
    assert low.verify_barge_in and low.barge_in_delay == 0.6 and not low.interruptible_greeting
    assert setup_for({"turn_detection_model": "silence"}).detector == "silence"
    assert setup_for({"turn_detection_model": "sparrow-1"}).detector == "fused"

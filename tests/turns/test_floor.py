"""The floor policy with the silence detector and no overlap judging (events only, virtual
clock): the rules every detector shares."""

import pytest

from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    Interrupt,
    PerceptionCue,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    ReplySentence,
    TurnDecision,
    UserStartedSpeaking,
    UserStoppedSpeaking,
)
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline
from visavis.turns.floor import FloorTaking
from visavis.turns.settings import TurnSettings


def setup(**settings):
    clock = VirtualClock()
    timeline = Timeline(clock)
    tasks = TaskOwner("test")
    FloorTaking(clock, timeline, tasks, TurnSettings(detector="silence", **settings))
    return clock, timeline, tasks


async def test_silence_after_speech_ends_the_turn_at_the_threshold():
    clock, timeline, tasks = setup(end_of_turn_silence=0.6)
    timeline.emit(UserStartedSpeaking(start=0.0))
    await clock.sleep(1.1)
    timeline.emit(UserStoppedSpeaking(start=0.0, end=1.0, duration=1.0))
    await clock.sleep(2.0)
    decisions = timeline.of_type(TurnDecision)
    assert len(decisions) == 1
    assert decisions[0].action == "respond"
    assert decisions[0].t == pytest.approx(1.6)
    await tasks.aclose()
    clock.close()


async def test_a_mid_turn_pause_shorter_than_the_threshold_holds_the_floor():
    clock, timeline, tasks = setup(end_of_turn_silence=0.6)
    timeline.emit(UserStartedSpeaking(start=0.0))
    await clock.sleep(1.1)
    timeline.emit(UserStoppedSpeaking(start=0.0, end=1.0, duration=1.0))
    await clock.sleep(0.3)  # the user goes on after 0.4 s of silence
    timeline.emit(UserStartedSpeaking(start=1.4))
    await clock.sleep(1.0)
    assert timeline.of_type(TurnDecision) == []
    timeline.emit(UserStoppedSpeaking(start=1.4, end=2.4, duration=1.0))
    await clock.sleep(1.0)
    assert [d.t for d in timeline.of_type(TurnDecision)] == [pytest.approx(3.0)]
    await tasks.aclose()
    clock.close()


async def test_user_speech_during_an_interruptible_reply_interrupts():
    clock, timeline, tasks = setup()
    timeline.emit(ReplySentence(reply_id="r1", index=0, text="Hello.", interruptible=True))
    timeline.emit(ReplicaStartedSpeaking(reply_id="r1"))
    await clock.sleep(0.5)
    timeline.emit(UserStartedSpeaking(start=0.45))
    interrupts = timeline.of_type(Interrupt)
    assert len(interrupts) == 1 and interrupts[0].t == pytest.approx(0.5)
    await tasks.aclose()
    clock.close()


async def test_non_interruptible_replies_and_silent_agent_are_not_interrupted():
    clock, timeline, tasks = setup()
    timeline.emit(UserStartedSpeaking(start=0.0))  # agent silent: nothing to interrupt
    timeline.emit(ReplySentence(reply_id="r1", index=0, text="Hello.", interruptible=False))
    timeline.emit(ReplicaStartedSpeaking(reply_id="r1"))
    timeline.emit(UserStartedSpeaking(start=0.1))
    assert timeline.of_type(Interrupt) == []
    await tasks.aclose()
    clock.close()


async def test_long_silence_after_the_agent_finished_asks_for_a_reprompt():
    clock, timeline, tasks = setup(reprompt_after=5.0)
    timeline.emit(ReplicaStartedSpeaking(reply_id="r1"))
    await clock.sleep(1.0)
    timeline.emit(ReplicaStoppedSpeaking(reply_id="r1", duration=1.0))
    await clock.sleep(10.0)
    decisions = timeline.of_type(TurnDecision)
    assert [d.reason for d in decisions] == ["reprompt"]
    assert decisions[0].t == pytest.approx(6.0)
    await tasks.aclose()
    clock.close()


async def test_a_user_looking_away_in_a_pause_keeps_the_floor_longer():
    clock, timeline, tasks = setup(end_of_turn_silence=0.5, thinking_silence=1.4)
    timeline.emit(UserStartedSpeaking(start=0.0))
    await clock.sleep(1.1)
    timeline.emit(PerceptionCue(cue="looks_away", confidence=0.9, start=0.8))
    timeline.emit(UserStoppedSpeaking(start=0.0, end=1.0, duration=1.0))
    await clock.sleep(0.8)  # past the plain 0.5 s rule: still held, they are searching
    assert timeline.of_type(TurnDecision) == []
    await clock.sleep(1.0)
    assert [d.t for d in timeline.of_type(TurnDecision)] == [pytest.approx(2.4, abs=0.11)]
    await tasks.aclose()
    clock.close()


async def test_gaze_back_at_the_camera_ends_the_hold():
    clock, timeline, tasks = setup(end_of_turn_silence=0.5, thinking_silence=1.4)
    timeline.emit(PerceptionCue(cue="frowning", confidence=0.9, start=0.5))
    await clock.sleep(1.1)
    timeline.emit(UserStoppedSpeaking(start=0.0, end=1.0, duration=1.0))
    await clock.sleep(0.7)
    timeline.emit(PerceptionCue(cue="frowning", phase="end", confidence=0.9, start=0.5, end=1.8))
    await clock.sleep(1.0)
    assert [d.t for d in timeline.of_type(TurnDecision)] == [pytest.approx(1.8, abs=0.11)]
    await tasks.aclose()
    clock.close()

from pathlib import Path

import pytest

from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    ReplicaStoppedSpeaking,
    TurnDecision,
    UserStartedSpeaking,
    Utterance,
)
from visavis.runtime.timeline import Timeline, TimelineFormatError, read_jsonl


async def test_emit_stamps_time_seq_and_turns(tmp_path: Path):
    clock = VirtualClock()
    timeline = Timeline(clock)
    timeline.emit(UserStartedSpeaking(start=0.0))
    await clock.sleep(1.25)
    decision = timeline.emit(TurnDecision(action="respond", reason="silence", silence=0.5))
    assert [e.seq for e in timeline] == [0, 1]
    assert decision.t == pytest.approx(1.25)
    assert decision.turn_idx == 1
    clock.close()


async def test_forgotten_events_leave_the_shared_list_and_seq_goes_on():
    clock = VirtualClock()
    timeline = Timeline(clock)
    shared = timeline.events  # what a live call's registry record holds
    for k in range(5):
        timeline.emit(UserStartedSpeaking(start=float(k)))
    assert timeline.forget(3) == 3
    assert [e.seq for e in shared] == [3, 4]
    assert timeline.emit(UserStartedSpeaking(start=5.0)).seq == 5
    assert timeline.forget(0) == 0 and timeline.forget(99) == 3 and shared == []
    assert timeline.emit(UserStartedSpeaking(start=6.0)).seq == 6
    clock.close()


async def test_jsonl_round_trip_keeps_every_field(tmp_path: Path):
    clock = VirtualClock()
    sink = tmp_path / "live.jsonl"
    timeline = Timeline(clock, sink=sink)
    timeline.emit(Utterance(role="user", speech="yes, this is Maria", start=1.0, end=2.2))
    timeline.emit(
        ReplicaStoppedSpeaking(
            reply_id="r1",
            duration=1.5,
            interrupted=True,
            heard_text="Hello",
            full_text="Hello there.",
        )
    )
    timeline.close()
    path = tmp_path / "timeline.jsonl"
    timeline.write_jsonl(path)
    for file in (sink, path):
        events = read_jsonl(file)
        assert [e.model_dump() for e in events] == [e.model_dump() for e in timeline.events]
    clock.close()


async def test_subscribers_get_their_types_and_a_failing_one_does_not_stop_others():
    clock = VirtualClock()
    timeline = Timeline(clock)
    got: list[str] = []

    def broken(_event):
        raise RuntimeError("boom")

    timeline.subscribe(broken)
    timeline.subscribe(lambda e: got.append(e.type), [Utterance])
    timeline.emit(UserStartedSpeaking(start=0.0))
    timeline.emit(Utterance(role="user", speech="hi", start=0.0, end=0.5))
    assert got == ["conversation.utterance"]
    assert len(timeline) == 2
    clock.close()


def test_protocol_envelope_uses_public_names():
    event = Utterance(role="replica", speech="Hello", start=0.0, end=1.0, t=1.0, seq=3)
    env = event.to_protocol("c123")
    assert env["message_type"] == "conversation"
    assert env["event_type"] == "conversation.utterance"
    assert env["conversation_id"] == "c123"
    assert env["properties"]["role"] == "replica"
    assert env["properties"]["speech"] == "Hello"


def test_reading_a_corrupt_timeline_names_the_line(tmp_path: Path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"type": "asr.final", "text": "ok", "start": 0, "end": 1}\n{not json\n')
    with pytest.raises(TimelineFormatError, match=r"bad.jsonl:2"):
        read_jsonl(path)
    path.write_text('{"type": "no.such.event"}\n')
    with pytest.raises(TimelineFormatError, match=r"bad.jsonl:1"):
        read_jsonl(path)

"""Playout pacing, barge-in cut-off and the heard part of a reply."""

import numpy as np
import pytest

from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    Utterance,
    WordTiming,
)
from visavis.runtime.media import AudioChunk
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline
from visavis.speech.playout import Playout
from visavis.speech.tts.base import SynthesizedSpeech


class RecordingSink:
    sample_rate = 16000

    def __init__(self) -> None:
        self.frames: list[AudioChunk] = []
        self.cleared = 0

    def write(self, frame: AudioChunk) -> None:
        self.frames.append(frame)

    def clear(self) -> None:
        self.cleared += 1


def speech(words: list[str], seconds_per_word: float = 0.5) -> SynthesizedSpeech:
    rate = 22050
    n = int(rate * seconds_per_word * len(words))
    samples = (0.3 * np.sin(np.arange(n) * 2 * np.pi * 200 / rate)).astype(np.float32)
    timings = [
        WordTiming(word=w, start=i * seconds_per_word, end=(i + 1) * seconds_per_word)
        for i, w in enumerate(words)
    ]
    return SynthesizedSpeech(samples, rate, words=timings)


async def test_a_whole_reply_plays_in_real_time_order():
    clock, sink = VirtualClock(), RecordingSink()
    timeline, tasks = Timeline(clock), TaskOwner("t")
    playout = Playout(clock, timeline, sink, tasks)
    playout.begin("r1", "Hello Maria. How are you?")
    playout.enqueue(0, "Hello Maria.", speech(["Hello", "Maria."]))
    playout.enqueue(1, "How are you?", speech(["How", "are", "you?"]))
    playout.finish("r1")
    await playout.wait_idle()
    starts = [f.start for f in sink.frames]
    assert starts == sorted(starts)
    assert sum(len(f.samples) for f in sink.frames) == pytest.approx(16000 * 2.5, abs=40)
    stopped = timeline.of_type(ReplicaStoppedSpeaking)[0]
    assert not stopped.interrupted
    assert stopped.heard_text == "Hello Maria. How are you?"
    assert stopped.duration == pytest.approx(2.5, abs=0.03)
    assert timeline.of_type(Utterance)[0].speech == "Hello Maria. How are you?"
    await tasks.aclose()
    clock.close()


async def test_interrupt_stops_within_one_frame_and_records_what_was_heard():
    clock, sink = VirtualClock(), RecordingSink()
    timeline, tasks = Timeline(clock), TaskOwner("t")
    playout = Playout(clock, timeline, sink, tasks)
    playout.begin("r1", "Hello Maria. How are you today?")
    playout.enqueue(0, "Hello Maria.", speech(["Hello", "Maria."]))
    playout.enqueue(1, "How are you today?", speech(["How", "are", "you", "today?"]))
    playout.finish("r1")
    started = await timeline.next_event(ReplicaStartedSpeaking)
    await clock.sleep_until(started.t + 1.0 + 0.75)  # mid-"are" of the second sentence
    cut_at = clock.now()
    playout.interrupt()
    await playout.wait_idle()
    last_frame = sink.frames[-1]
    assert last_frame.start <= cut_at + 0.02
    stopped = timeline.of_type(ReplicaStoppedSpeaking)[0]
    assert stopped.interrupted
    assert stopped.t - cut_at <= 0.1
    assert stopped.heard_text == "Hello Maria. How"
    assert stopped.full_text == "Hello Maria. How are you today?"
    assert sink.cleared == 1
    await tasks.aclose()
    clock.close()

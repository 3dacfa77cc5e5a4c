"""Playout pacing, barge-in cut-off and the heard part of a reply."""

import numpy as np
import pytest

from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    PlaybackPaused,
    PlaybackResumed,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    SentencePlayback,
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


async def test_a_pause_silences_within_one_frame_and_resume_goes_on_from_the_word_start():
    clock, sink = VirtualClock(), RecordingSink()
    timeline, tasks = Timeline(clock), TaskOwner("t")
    playout = Playout(clock, timeline, sink, tasks)
    playout.begin("r1", "How are you today?")
    playout.enqueue(0, "How are you today?", speech(["How", "are", "you", "today?"]))
    playout.finish("r1")
    started = await timeline.next_event(ReplicaStartedSpeaking)
    await clock.sleep_until(started.t + 0.7)  # inside "are" (0.5-1.0 s)
    paused_at = clock.now()
    assert playout.pause()
    assert sink.cleared == 1
    paused = await timeline.next_event(PlaybackPaused)
    assert paused.t <= paused_at + 0.02
    assert paused.at == pytest.approx(0.7, abs=0.03)
    await clock.sleep(0.5)
    # Nothing left for the transport while paused.
    assert all(f.start <= paused_at + 0.02 for f in sink.frames)
    playout.resume()
    resumed = await timeline.next_event(PlaybackResumed)
    assert resumed.offset == pytest.approx(0.5)  # back to the start of "are"
    playback = timeline.of_type(SentencePlayback)
    assert playback[-1].offset == pytest.approx(0.5)
    await playout.wait_idle()
    stopped = timeline.of_type(ReplicaStoppedSpeaking)[0]
    assert not stopped.interrupted and stopped.heard_text == "How are you today?"
    # The whole sentence plus the replayed part of "are" (0.5-0.7 s) reached the sink.
    assert sum(len(f.samples) for f in sink.frames) == pytest.approx(16000 * 2.2, abs=400)
    await tasks.aclose()
    clock.close()


async def test_a_long_pause_restarts_the_sentence_and_a_cut_while_paused_ends_the_reply():
    clock, sink = VirtualClock(), RecordingSink()
    timeline, tasks = Timeline(clock), TaskOwner("t")
    playout = Playout(clock, timeline, sink, tasks)
    playout.begin("r1", "How are you today?")
    playout.enqueue(0, "How are you today?", speech(["How", "are", "you", "today?"]))
    playout.finish("r1")
    started = await timeline.next_event(ReplicaStartedSpeaking)
    await clock.sleep_until(started.t + 1.2)
    playout.pause()
    await clock.sleep(1.5)
    playout.resume()
    resumed = await timeline.next_event(PlaybackResumed)
    assert resumed.offset == 0.0
    await clock.sleep(0.6)  # "How" again, into "are"
    playout.pause()
    await timeline.next_event(PlaybackPaused)
    playout.interrupt()
    await playout.wait_idle()
    stopped = timeline.of_type(ReplicaStoppedSpeaking)[0]
    assert stopped.interrupted and stopped.heard_text == "How"
    assert playout.played_between(started.t, started.t + 0.5).shape == (8000,)
    await tasks.aclose()
    clock.close()

"""Real events for the face tests: Piper phonemes for two sentences, made once per session."""

from __future__ import annotations

import pytest

from visavis.runtime.events import (
    BaseEvent,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    ReplySentence,
    SentencePlayback,
    SpeechSynthesized,
    UserStoppedSpeaking,
)


@pytest.fixture(scope="session")
def spoken(engines):
    """Two synthesized sentences with their real phoneme timings."""
    tts = engines.synthesizer
    return [tts.synthesize(t) for t in ("Hello, my name is Bob.", "Do you feel better today?")]


def sentence_event(speech, reply_id: str, index: int, t: float) -> SpeechSynthesized:
    return SpeechSynthesized(
        t=t,
        reply_id=reply_id,
        index=index,
        text="",
        duration=speech.duration,
        compute_ms=0.0,
        engine="piper",
        phonemes=speech.phonemes,
        words=speech.words,
    )


@pytest.fixture(scope="session")
def call_events(spoken) -> list[BaseEvent]:
    """A reply of two sentences with a 0.7 s gap, a user pause, then a reply cut by barge-in."""
    a, b = spoken
    t0 = 1.0
    t1 = t0 + a.duration + 0.7
    t2 = t1 + b.duration + 2.0
    cut = t2 + 0.6
    return [
        ReplySentence(t=0.5, reply_id="r1", index=0, text="a"),
        sentence_event(a, "r1", 0, 0.6),
        ReplicaStartedSpeaking(t=t0, reply_id="r1"),
        SentencePlayback(t=t0, reply_id="r1", index=0),
        sentence_event(b, "r1", 1, t0 + 0.2),
        SentencePlayback(t=t1, reply_id="r1", index=1),
        ReplicaStoppedSpeaking(t=t1 + b.duration, reply_id="r1", duration=3.0),
        UserStoppedSpeaking(t=t1 + b.duration + 1.0, start=0.0, end=1.0, duration=1.0),
        ReplySentence(t=t2 - 0.2, reply_id="r2", index=0, text="b", emotion="concerned"),
        sentence_event(a, "r2", 0, t2 - 0.1),
        SentencePlayback(t=t2, reply_id="r2", index=0),
        ReplicaStoppedSpeaking(t=cut, reply_id="r2", duration=0.6, interrupted=True),
    ]

"""Agent speech out: paced 20 ms frames to the transport, paused or cut at once on a barge-in.

The playout is the one place that knows which sample of a reply has left the transport, so it
stamps ``conversation.replica.started_speaking`` on the first frame and works out, from the TTS
word timings, which part of a reply the user actually heard when it is cut short.

When the user starts speaking over the agent the voice *pauses* at once (``pause``), before the
turns stage knows whether it was a real barge-in: a real one then cuts the reply (``interrupt``),
a "yeah" or a cough lets it go on (``resume``) from the start of the word it stopped in, or from
the start of the sentence after a long pause, so the listener never hears half a word twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from visavis.runtime.audio_history import AudioHistory
from visavis.runtime.clock import Clock
from visavis.runtime.events import (
    PlaybackPaused,
    PlaybackResumed,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    SentencePlayback,
    Utterance,
)
from visavis.runtime.media import SPEECH_RATE, AudioChunk, resample
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline

from .tts.base import SynthesizedSpeech

FRAME_SECONDS = 0.02
#: A pause longer than this resumes from the start of the sentence, not of the word: after a
#: second or more the listener has lost the thread of it.
RESTART_SENTENCE_AFTER = 1.0


class AudioSink(Protocol):
    """Where agent audio goes: a WebRTC track, a file, a simulated listener."""

    sample_rate: int

    def write(self, frame: AudioChunk) -> None:
        """Take one frame; ``frame.start`` is the conversation time it leaves at. Non-blocking."""
        ...

    def clear(self) -> None:
        """Drop anything buffered downstream (a barge-in)."""
        ...


@dataclass
class _Sentence:
    index: int
    text: str
    samples: np.ndarray
    speech: SynthesizedSpeech
    played: int = 0


@dataclass
class _Reply:
    reply_id: str
    full_text: str
    backchannel: bool = False
    sentences: list[_Sentence] = field(default_factory=list)
    started_at: float | None = None
    finished: bool = False
    interrupted: bool = False


class Playout:
    """Plays replies sentence by sentence at the clock's pace."""

    def __init__(self, clock: Clock, timeline: Timeline, sink: AudioSink, tasks: TaskOwner) -> None:
        self.clock = clock
        self.timeline = timeline
        self.sink = sink
        self._queue: asyncio.Queue[_Sentence | str] = asyncio.Queue()
        self._reply: _Reply | None = None
        self._cut = asyncio.Event()
        self._paused = False
        self._resume = False
        #: Set by ``resume`` and ``interrupt``: wakes a paused sentence.
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.frame_samples = int(sink.sample_rate * FRAME_SECONDS)
        #: What left for the transport lately: an overlap is checked against it for echo.
        self._history = AudioHistory(seconds=4.0, rate=sink.sample_rate)
        #: When the sample after the last one written is due: sentences play back to back.
        self._next_time = 0.0
        tasks.start(self._run(), "playout")

    @property
    def speaking(self) -> bool:
        """True from a reply's first frame until it ends or is cut."""
        return self._reply is not None and self._reply.started_at is not None

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def busy(self) -> bool:
        """True while a reply is queued or playing."""
        return self._reply is not None

    @property
    def backchannel(self) -> bool:
        """True while the reply queued or playing is a listener's "mm-hm"."""
        return self._reply is not None and self._reply.backchannel

    def begin(self, reply_id: str, full_text: str, backchannel: bool = False) -> None:
        self._reply = _Reply(reply_id, full_text, backchannel=backchannel)
        self._cut.clear()
        self._paused = self._resume = False
        self._idle.clear()

    def enqueue(self, index: int, text: str, speech: SynthesizedSpeech) -> None:
        samples = resample(speech.samples, speech.sample_rate, self.sink.sample_rate)
        self._queue.put_nowait(_Sentence(index, text, samples, speech))

    def finish(self, reply_id: str) -> None:
        """No more sentences will come for this reply."""
        self._queue.put_nowait(reply_id)

    def pause(self) -> bool:
        """Stop the voice now, keeping the place; takes effect before the next frame leaves.
        False when nothing is being spoken."""
        if not self.speaking or self._paused:
            return False
        self._paused, self._resume = True, False
        self._wake.clear()
        self.sink.clear()
        return True

    def resume(self) -> None:
        """Go on with a paused reply (the overlap was not a barge-in)."""
        if self._paused:
            self._resume = True
            self._wake.set()

    def interrupt(self) -> None:
        """Stop speaking now; takes effect before the next frame leaves."""
        if self._reply is None:
            return
        self._cut.set()
        self._wake.set()
        while not self._queue.empty():
            self._queue.get_nowait()
        self.sink.clear()
        self._queue.put_nowait(self._reply.reply_id)

    def played_between(self, t0: float, t1: float) -> np.ndarray:
        """The agent's audio that left between ``t0`` and ``t1``, as 16 kHz mono."""
        return resample(self._history.between(t0, t1), self.sink.sample_rate, SPEECH_RATE)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            reply = self._reply
            if reply is None:
                continue
            if isinstance(item, str):
                if item == reply.reply_id:
                    if not self._cut.is_set():
                        # "Stopped speaking" is when the last sample has played, not been sent.
                        await self.clock.sleep_until(self._next_time)
                    self._end(reply)
                continue
            if self._cut.is_set():
                continue
            reply.sentences.append(item)
            await self._play(reply, item)

    async def _play(self, reply: _Reply, sentence: _Sentence) -> None:
        n = self.frame_samples
        next_time = max(self._next_time, self.clock.now())
        restart_at: float | None = None
        while sentence.played < len(sentence.samples):
            await self.clock.sleep_until(next_time)
            if self._paused:
                restart_at = await self._hold(reply, sentence)
                if restart_at is None:
                    return  # cut while paused
                next_time = self.clock.now()
            if self._cut.is_set():
                return
            frame = sentence.samples[sentence.played : sentence.played + n]
            if reply.started_at is None:
                reply.started_at = self.clock.now()
                self.timeline.emit(ReplicaStartedSpeaking(reply_id=reply.reply_id))
            if sentence.played == 0 or restart_at is not None:
                # The face locks its lip-sync to this: when each sentence's audio really starts
                # (or, after a pause, where in the sentence it goes on).
                self.timeline.emit(
                    SentencePlayback(
                        reply_id=reply.reply_id, index=sentence.index, offset=restart_at or 0.0
                    )
                )
                restart_at = None
            out = AudioChunk(frame, self.sink.sample_rate, self.clock.now())
            self.sink.write(out)
            self._history.push(out)
            sentence.played += len(frame)
            next_time += len(frame) / self.sink.sample_rate
            self._next_time = next_time

    async def _hold(self, reply: _Reply, sentence: _Sentence) -> float | None:
        """Paused: wait for ``resume`` (returns where in the sentence to go on, in seconds, and
        rewinds to it) or ``interrupt`` (returns None)."""
        rate = self.sink.sample_rate
        at = sentence.played / rate
        paused_at = self.clock.now()
        self.timeline.emit(
            PlaybackPaused(reply_id=reply.reply_id, index=sentence.index, at=round(at, 4))
        )
        while not (self._resume or self._cut.is_set()):
            self._wake.clear()
            await self._wake.wait()
        self._paused = False
        if self._cut.is_set():
            return None
        offset = 0.0
        if self.clock.now() - paused_at < RESTART_SENTENCE_AFTER:
            offset = max((w.start for w in sentence.speech.words if w.start <= at), default=0.0)
        sentence.played = min(int(round(offset * rate)), len(sentence.samples))
        self.timeline.emit(
            PlaybackResumed(reply_id=reply.reply_id, index=sentence.index, offset=round(offset, 4))
        )
        return offset

    def _end(self, reply: _Reply) -> None:
        interrupted = self._cut.is_set()
        heard = self._heard_text(reply)
        now = self.clock.now()
        duration = 0.0 if reply.started_at is None else now - reply.started_at
        self.timeline.emit(
            ReplicaStoppedSpeaking(
                reply_id=reply.reply_id,
                duration=round(duration, 4),
                interrupted=interrupted,
                heard_text=heard,
                full_text=reply.full_text,
            )
        )
        if heard or not interrupted:
            self.timeline.emit(
                Utterance(
                    role="replica",
                    speech=heard,
                    start=round(reply.started_at if reply.started_at is not None else now, 4),
                    end=round(now, 4),
                    interrupted=interrupted,
                )
            )
        self._reply = None
        self._cut.clear()
        self._paused = self._resume = False
        self._idle.set()

    def _heard_text(self, reply: _Reply) -> str:
        """What the user heard (whole sentences, then the words finished before the cut)."""
        heard: list[str] = []
        for sentence in reply.sentences:
            if sentence.played >= len(sentence.samples):
                heard.append(sentence.text)
                continue
            played_s = sentence.played / self.sink.sample_rate
            timings = sentence.speech.words
            count = sum(1 for w in timings if w.end <= played_s)
            # Quote the reply's own words (with punctuation) when the timings map onto them.
            tokens = sentence.text.split()
            words = tokens if len(tokens) == len(timings) else [w.word for w in timings]
            if count:
                heard.append(" ".join(words[:count]))
            break
        return " ".join(heard).strip()

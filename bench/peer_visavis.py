"""visavis side of ``bench/peer_pipecat.py``: the same WAV through visavis's loop, real time.

The loop is the one a live call runs (``Conversation``: Silero VAD in the listener, Whisper,
the fused end-of-turn model with Smart Turn v3.2, speculation, Piper, the playout), with its
default ``TurnSettings`` and the live (non-deterministic) Piper voice. The mind is replaced by
``FixedMind``, which answers every turn with the same reply as Pipecat's ``FixedReply``, so
neither side has an LLM. The caller is ``FileAudioSource`` (20 ms frames, each delivered at the
end of its 20 ms on the real-time clock); the sink records when each 20 ms frame left the
playout.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import numpy as np

from peer_metrics import place_chunks
from visavis.conversation import Conversation, ConversationSettings
from visavis.engines import Engines
from visavis.mind.base import CommitResult, ReplyPlan
from visavis.perception.layer import PerceptionLayer
from visavis.runtime.clock import make_clock
from visavis.runtime.media import SPEECH_RATE, AudioChunk
from visavis.runtime.timeline import Timeline
from visavis.transport.files import FileAudioSource


class FixedMind:
    """The instant responder in the LLM slot: one fixed reply to every user turn."""

    def __init__(self, reply: str, greeting: str = "Hello.") -> None:
        # Sentence by sentence, as the speaker synthesizes (Pipecat's TTS splits the same way).
        self.sentences = [s for s in re.split(r"(?<=[.?!])\s+", reply.strip()) if s]
        self.greeting = greeting
        self.done = False

    def greet(self) -> ReplyPlan:
        return ReplyPlan([self.greeting])

    def plan(
        self, user_text: str, heard_reply: str | None = None, perception: Any = None
    ) -> ReplyPlan:
        return ReplyPlan(list(self.sentences), user_text=user_text)

    def reprompt(self) -> ReplyPlan:
        return ReplyPlan(["Are you still there?"])

    def commit(self, plan: ReplyPlan) -> CommitResult:
        return CommitResult()

    def outcome(self) -> dict[str, Any]:
        return {}


class TimedSink:
    """Keeps each frame with the conversation time it left at (second 0 = the WAV's start)."""

    def __init__(self, rate: int = SPEECH_RATE) -> None:
        self.sample_rate = rate
        self.chunks: list[tuple[float, np.ndarray]] = []

    def write(self, frame: AudioChunk) -> None:
        self.chunks.append((frame.start, np.asarray(frame.samples, dtype=np.float32)))

    def clear(self) -> None:
        """Nothing is buffered downstream."""


async def _run(
    wav: Path, out_dir: Path, engines: Engines, reply: str, tail: float
) -> list[tuple[float, np.ndarray]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = make_clock("realtime")
    timeline = Timeline(clock, sink=out_dir / "timeline.jsonl")
    source = FileAudioSource(wav, clock, None, tail_seconds=tail)
    sink = TimedSink()
    conversation = Conversation(
        clock=clock,
        timeline=timeline,
        mind=FixedMind(reply),
        vad=engines.new_vad(),
        recognizer=engines.recognizer,
        synthesizer=engines.synthesizer,
        source=source,
        sink=sink,
        settings=ConversationSettings(
            conversation_id="peer-pipecat",
            max_call_duration=source.duration + tail + 30.0,
        ),
        perception=engines.new_perception(PerceptionLayer()),
    )
    try:
        await conversation.run()
    finally:
        timeline.close()
        clock.close()
    return sink.chunks


def run_visavis(
    wav: Path, out_dir: Path, engines: Engines, reply: str, tail: float = 6.0
) -> np.ndarray:
    """Run the call; returns the agent's audio on the input's timeline (16 kHz)."""
    chunks = asyncio.run(_run(wav, out_dir, engines, reply, tail))
    return place_chunks(chunks, SPEECH_RATE)

"""visavis side of ``bench/peer_pipecat.py``: the same WAV through visavis's loop, real time.

The loop is the one a live call runs (``Conversation``: Silero VAD in the listener, Whisper,
the fused end-of-turn model with Smart Turn v3.2, speculation, Piper, the playout), with its
default ``TurnSettings`` and the live (non-deterministic) Piper voice. The mind is replaced by
``FixedMind``, which says the script's lines (``bench/peer_script.py``: the greeting, then the
next question after each patient turn) picked by the clock exactly as Pipecat's ``FixedReply``
picks them, so neither side has an LLM and both play the same call. Its lines reach the turns
stage as a real mind's do: the loop speaks each planned sentence through ``Speaker.say``, which
emits ``ReplySentence``; ``FloorTaking`` keeps those sentences as the agent's last question
(``_prompt``) and the fused end-of-turn model reads its expectation from them
(``expectation_from_prompt``). The caller is ``FileAudioSource`` (20 ms frames, each delivered
at the end of its 20 ms on the real-time clock); the sink records when each 20 ms frame left
the playout.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from peer_metrics import place_chunks
from peer_script import reply_at
from visavis.conversation import Conversation, ConversationSettings
from visavis.engines import Engines
from visavis.mind.base import CommitResult, ReplyPlan
from visavis.perception.layer import PerceptionLayer
from visavis.runtime.clock import make_clock
from visavis.runtime.media import SPEECH_RATE, AudioChunk
from visavis.runtime.timeline import Timeline
from visavis.transport.files import FileAudioSource


def _sentences(text: str) -> list[str]:
    # Sentence by sentence, as the speaker synthesizes (Pipecat's TTS splits the same way).
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


class FixedMind:
    """The instant responder in the LLM slot: the script's next line, chosen by the clock
    (``reply_at``: after turn i has started, the question of turn i+1)."""

    def __init__(self, replies: list[str], starts: list[float], now: Callable[[], float]) -> None:
        self.replies = replies
        self.starts = starts
        self.now = now
        self.done = False

    def greet(self) -> ReplyPlan:
        return ReplyPlan(_sentences(self.replies[0]))

    def plan(
        self, user_text: str, heard_reply: str | None = None, perception: Any = None
    ) -> ReplyPlan:
        reply = reply_at(self.replies, self.starts, self.now())
        return ReplyPlan(_sentences(reply), user_text=user_text)

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
    wav: Path, out_dir: Path, engines: Engines, script: dict[str, Any], tail: float
) -> list[tuple[float, np.ndarray]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = make_clock("realtime")
    timeline = Timeline(clock, sink=out_dir / "timeline.jsonl")
    source = FileAudioSource(wav, clock, None, tail_seconds=tail)
    sink = TimedSink()
    conversation = Conversation(
        clock=clock,
        timeline=timeline,
        mind=FixedMind(script["replies"], script["starts"], clock.now),
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
    wav: Path, out_dir: Path, engines: Engines, script: dict[str, Any], tail: float = 6.0
) -> np.ndarray:
    """Run the call (``script``: ``replies`` and turn ``starts``, as written by
    ``bench/peer_pipecat.py``); returns the agent's audio on the input's timeline (16 kHz)."""
    chunks = asyncio.run(_run(wav, out_dir, engines, script, tail))
    return place_chunks(chunks, SPEECH_RATE)

"""Agent speech synthesis, streamed: the first sentence plays while later ones synthesize."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from visavis.runtime.clock import Clock
from visavis.runtime.events import ReplySentence, SpeechSynthesized
from visavis.runtime.tasks import TaskOwner, cancel_and_wait
from visavis.runtime.timeline import Timeline

from .playout import Playout
from .tts.base import SpeechSynthesizer, SynthesizedSpeech

#: What the agent says as a vocal backchannel (Piper reads it as a soft "mm-hm").
BACKCHANNEL = "Mm-hm."


@dataclass
class Synthesis:
    text: str
    speech: SynthesizedSpeech
    compute_ms: float


class Speaker:
    """Speaks replies through a synthesizer and the playout."""

    def __init__(
        self,
        clock: Clock,
        timeline: Timeline,
        synthesizer: SpeechSynthesizer,
        playout: Playout,
        tasks: TaskOwner,
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.synthesizer = synthesizer
        self.playout = playout
        self.tasks = tasks
        self._task: asyncio.Task[None] | None = None
        self._backchannel: Synthesis | None = None

    async def synthesize(self, text: str) -> Synthesis:
        """Synthesize one sentence on a worker thread (usable speculatively)."""
        started = time.perf_counter()
        speech = await self.clock.run_blocking(self.synthesizer.synthesize, text)
        return Synthesis(text, speech, (time.perf_counter() - started) * 1000.0)

    def say(
        self,
        reply_id: str,
        sentences: list[str],
        *,
        first: Synthesis | None = None,
        emotion: str = "neutral",
        interruptible: bool = True,
        backchannel: bool = False,
    ) -> asyncio.Task[None]:
        """Start speaking ``sentences``; ``first`` is the first sentence already synthesized."""
        self.playout.begin(reply_id, " ".join(sentences), backchannel=backchannel)
        self._task = self.tasks.start(
            self._speak(reply_id, sentences, first, emotion, interruptible, backchannel),
            f"say-{reply_id}",
        )
        return self._task

    async def backchannel(self, reply_id: str) -> None:
        """Say a soft "Mm-hm." (synthesized once): a listener's sound, not a reply; it cannot
        be interrupted and asks nothing."""
        if self._backchannel is None:
            self._backchannel = await self.synthesize(BACKCHANNEL)
        self.say(
            reply_id,
            [BACKCHANNEL],
            first=self._backchannel,
            interruptible=False,
            backchannel=True,
        )

    async def interrupt(self) -> None:
        """Cut the current reply: playout stops at once, pending synthesis is dropped."""
        self.playout.interrupt()
        if self._task is not None and self._task is not asyncio.current_task():
            await cancel_and_wait(self._task)

    async def _speak(
        self,
        reply_id: str,
        sentences: list[str],
        first: Synthesis | None,
        emotion: str,
        interruptible: bool,
        backchannel: bool,
    ) -> None:
        try:
            for index, text in enumerate(sentences):
                self.timeline.emit(
                    ReplySentence(
                        reply_id=reply_id,
                        index=index,
                        text=text,
                        last=index == len(sentences) - 1,
                        emotion=emotion,
                        interruptible=interruptible,
                        backchannel=backchannel,
                    )
                )
                synthesis = first if index == 0 and first is not None else None
                if synthesis is None or synthesis.text != text:
                    synthesis = await self.synthesize(text)
                self.timeline.emit(
                    SpeechSynthesized(
                        reply_id=reply_id,
                        index=index,
                        text=text,
                        duration=round(synthesis.speech.duration, 4),
                        compute_ms=round(synthesis.compute_ms, 1),
                        engine=self.synthesizer.name,
                        phonemes=synthesis.speech.phonemes,
                        words=synthesis.speech.words,
                    )
                )
                self.playout.enqueue(index, text, synthesis.speech)
        finally:
            self.playout.finish(reply_id)

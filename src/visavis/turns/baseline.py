"""The baseline floor policy: a silence threshold ends the user's turn, speech cuts the agent.

This is the simple rule a later, model-based turns stage replaces. It reads only timeline events
and writes only timeline events:

- ``conversation.user.stopped_speaking`` followed by ``end_of_turn_silence`` seconds without new
  speech -> ``turn.decision`` respond.
- ``conversation.user.started_speaking`` while the agent speaks an interruptible reply ->
  ``conversation.interrupt`` (barge-in).
- Nobody speaking for ``reprompt_after`` seconds after the agent finished -> ``turn.decision``
  respond with reason ``reprompt``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from visavis.runtime.clock import Clock
from visavis.runtime.events import (
    BaseEvent,
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


@dataclass
class TurnSettings:
    #: Silence after the end of user speech that ends the turn (seconds).
    end_of_turn_silence: float = 0.5
    #: Silence after the agent finished before a gentle re-prompt (seconds; 0 disables).
    reprompt_after: float = 8.0
    #: Whether user speech may cut the agent's replies at all.
    barge_in: bool = True
    #: How long the user must keep speaking over the agent before it stops (seconds; 0: at
    #: the VAD's onset). Longer ignores short remarks ("yeah", "right") over the agent.
    barge_in_delay: float = 0.0
    #: The silence that ends a turn while perception sees the user thinking (looking away or
    #: frowning): people search for a word with their eyes, and a cut there is rude.
    thinking_silence: float = 1.4


#: Cues that mean "still thinking": the floor is held open longer.
THINKING_CUES = frozenset({"looks_away", "frowning"})


Level = Literal["low", "medium", "high"]

#: ``turn_taking_patience`` (persona layer): how long a pause must last to end the user's turn.
PATIENCE_SILENCE: dict[Level, float] = {"low": 0.35, "medium": 0.5, "high": 0.9}
#: ``participant_pause_sensitivity`` (live): the inverse view of the same setting.
PAUSE_SENSITIVITY_SILENCE: dict[Level, float] = {"low": 0.9, "medium": 0.5, "high": 0.35}
#: ``replica_interruptibility`` / ``participant_interrupt_sensitivity``: speech needed to barge in.
INTERRUPT_DELAY: dict[Level, float] = {"low": 0.6, "medium": 0.0, "high": 0.0}


class BaselineTurnTaking:
    """Decides, from speech events alone, when the user's turn is over."""

    def __init__(
        self,
        clock: Clock,
        timeline: Timeline,
        tasks: TaskOwner,
        settings: TurnSettings | None = None,
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.tasks = tasks
        self.settings = settings or TurnSettings()
        self._endpoint: asyncio.Task[None] | None = None
        self._reprompt: asyncio.Task[None] | None = None
        self._barge_in: asyncio.Task[None] | None = None
        self._replica_speaking = False
        self._interruptible = True
        self._user_speaking = False
        self._cues: set[str] = set()
        timeline.subscribe(
            self.on_event,
            (
                UserStartedSpeaking,
                UserStoppedSpeaking,
                ReplicaStartedSpeaking,
                ReplicaStoppedSpeaking,
                ReplySentence,
                TurnDecision,
                PerceptionCue,
            ),
        )

    def on_event(self, event: BaseEvent) -> None:
        if isinstance(event, UserStartedSpeaking):
            self._user_speaking = True
            self._cancel(self._endpoint)
            self._cancel(self._reprompt)
            if self._replica_speaking and self._interruptible and self.settings.barge_in:
                if self.settings.barge_in_delay > 0:
                    self._barge_in = self.tasks.start(self._barge_in_later(), "barge-in")
                else:
                    self.timeline.emit(Interrupt(reason="barge_in"))
        elif isinstance(event, UserStoppedSpeaking):
            self._user_speaking = False
            self._cancel(self._barge_in)
            self._cancel(self._endpoint)
            self._endpoint = self.tasks.start(self._end_of_turn(event.end), "endpoint")
        elif isinstance(event, ReplySentence):
            self._interruptible = event.interruptible
        elif isinstance(event, ReplicaStartedSpeaking):
            self._replica_speaking = True
            self._cancel(self._reprompt)
        elif isinstance(event, ReplicaStoppedSpeaking):
            self._replica_speaking = False
            if not event.interrupted and self.settings.reprompt_after > 0:
                self._cancel(self._reprompt)
                self._reprompt = self.tasks.start(self._silence_watch(), "reprompt")
        elif isinstance(event, TurnDecision) and event.action == "respond":
            self._cancel(self._reprompt)
        elif isinstance(event, PerceptionCue):
            if event.phase == "start":
                self._cues.add(event.cue)
            elif event.phase == "end":
                self._cues.discard(event.cue)

    async def _end_of_turn(self, speech_end: float) -> None:
        await self.clock.sleep_until(speech_end + self.settings.end_of_turn_silence)
        hold = speech_end + self.settings.thinking_silence
        while self._cues & THINKING_CUES and self.clock.now() < hold:
            # Looking away or frowning in the pause: keep the floor open (and look again).
            await self.clock.sleep(min(0.1, hold - self.clock.now()))
        if not self._user_speaking:
            self.timeline.emit(
                TurnDecision(
                    action="respond",
                    reason="silence",
                    silence=round(self.clock.now() - speech_end, 4),
                )
            )

    async def _barge_in_later(self) -> None:
        await self.clock.sleep(self.settings.barge_in_delay)
        if self._user_speaking and self._replica_speaking and self._interruptible:
            self.timeline.emit(Interrupt(reason="barge_in"))

    async def _silence_watch(self) -> None:
        await self.clock.sleep(self.settings.reprompt_after)
        if not self._user_speaking and not self._replica_speaking:
            self.timeline.emit(
                TurnDecision(
                    action="respond", reason="reprompt", silence=self.settings.reprompt_after
                )
            )

    @staticmethod
    def _cancel(task: asyncio.Task[None] | None) -> None:
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

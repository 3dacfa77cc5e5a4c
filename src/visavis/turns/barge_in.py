"""Speech over the agent: pause at once, then tell a real barge-in from everything else.

At the VAD's onset during an interruptible reply the agent's voice pauses (``turn.decision
yield``; the playout stops before its next 20 ms frame), unless the sound is our own voice
coming back (echo). The overlap is then judged (``overlap.py``: long speech, or words that are
not a backchannel, make a barge-in; "yeah", "mm-hm", a laugh, a cough do not):

- a real barge-in: ``conversation.interrupt`` (the reply is cut, what was heard is recorded)
  and the user's speech is a turn like any other;
- anything else: ``turn.decision ignore`` (the reply resumes from the word it paused in, and
  the "yeah" is not taken for the start of a turn).

With ``verify_barge_in`` off (``replica_interruptibility: high``) any speech cuts at once;
``barge_in_delay`` (low interruptibility) lets short remarks pass without even a pause.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

import numpy as np

from visavis.runtime.audio_history import AudioHistory
from visavis.runtime.clock import Clock
from visavis.runtime.events import Interrupt, TurnDecision, UserStoppedSpeaking
from visavis.runtime.media import AudioChunk
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline
from visavis.turns.overlap import OverlapClassifier, OverlapVerdict
from visavis.turns.settings import TurnSettings

#: The overlap is re-judged this often (seconds) until a verdict.
JUDGE_EVERY = 0.04
#: Microphone audio read from this long before the VAD onset (its first syllable).
LEAD_IN = 0.1
#: The agent's audio read from this long before the overlap (the echo path's delay).
ECHO_LOOKBACK = 0.3
#: A short overlap ("Yes,") is let go only after this much silence: "Yes, this is Maria"
#: pauses at its comma, and resuming the agent into the rest of it would talk over the user.
#: (0.3 s of comma pause plus the VAD's ~0.1 s onset delay.)
SETTLE = 0.4
#: While the VAD stays on after an echo verdict, the last ``ECHO_WINDOW`` of the microphone is
#: checked again this often: a user who starts talking over our echo makes no new onset.
ECHO_RECHECK = 0.1
ECHO_WINDOW = 0.3

Played = Callable[[float, float], np.ndarray]


class BargeIn:
    """One call's overlap handling; ``FloorTaking`` feeds it and reads ``owns_speech``."""

    def __init__(
        self,
        clock: Clock,
        timeline: Timeline,
        tasks: TaskOwner,
        settings: TurnSettings,
        classifier: OverlapClassifier | None,
        played: Played | None,
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.tasks = tasks
        self.settings = settings
        self.classifier = classifier
        self.played = played
        #: Set by the floor from ``mind.reply_sentence`` and the replica's speaking events.
        self.interruptible = True
        self.replica_speaking = False
        #: Called with the speech end of a confirmed barge-in that has already stopped.
        self.on_turn_end: Callable[[float], None] = lambda end: None
        self._mic = AudioHistory(seconds=6.0)
        self._task: asyncio.Task[None] | None = None
        self._user_speaking = False
        self._stop: UserStoppedSpeaking | None = None
        #: A let-go overlap (echo, say) whose speech is still going: its stop ends no turn.
        self._ignoring = False

    def push_audio(self, chunk: AudioChunk) -> None:
        self._mic.push(chunk)

    def owns_speech(self) -> bool:
        """Whether the current speech is an overlap being judged, or one let go (its stop is
        not the end of a user turn)."""
        return self._ignoring or (self._task is not None and not self._task.done())

    def onset(self, start: float) -> None:
        """The user started speaking while the agent speaks."""
        self._user_speaking = True
        self._stop = None  # also when they go on within an overlap being judged
        s = self.settings
        if self.owns_speech() or not (self.interruptible and s.barge_in):
            return
        if self.classifier is None or not s.verify_barge_in:
            if s.barge_in_delay <= 0:
                self._cut()  # at the onset, in the same instant
            else:
                self._task = self.tasks.start(self._cut_after_delay(start), "barge-in")
        else:
            self._task = self.tasks.start(self._judge(start), "barge-in")

    def stopped(self, event: UserStoppedSpeaking) -> None:
        self._user_speaking = False
        self._stop = event
        self._ignoring = False

    def interrupted(self) -> None:
        """Someone cut the reply (our verdict, or the public ``conversation.interrupt``)."""
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()

    async def _cut_after_delay(self, start: float) -> None:
        await self.clock.sleep_until(start + self.settings.barge_in_delay)
        if self._user_speaking and self.replica_speaking and self.interruptible:
            self._cut()

    async def _judge(self, start: float) -> None:
        assert self.classifier is not None
        s = self.settings
        if s.barge_in_delay > 0:
            await self.clock.sleep_until(start + s.barge_in_delay)
            if not self._user_speaking:
                self._let_go("short")
                return
        if self.classifier.is_echo(*self._audio(start)):
            self._let_go("echo")
            await self._watch_echo()
            return
        self.timeline.emit(TurnDecision(action="yield", reason="overlap"))
        while True:
            mic, played = self._audio(start)
            speech = (self._stop.end if self._stop else self.clock.now()) - start
            verdict: OverlapVerdict | None = await self.clock.run_blocking(
                functools.partial(
                    self.classifier.classify,
                    mic,
                    played,
                    speech_seconds=speech,
                    still_speaking=self._user_speaking,
                )
            )
            if verdict is None and self.clock.now() - start >= s.max_overlap_verdict:
                verdict = OverlapVerdict(kind="barge_in", reason="undecided")
            if verdict is not None and verdict.kind != "barge_in" and self._stop is not None:
                await self.clock.sleep_until(self._stop.end + SETTLE)
                if self._user_speaking:
                    continue  # they went on: judge the whole of it
            if verdict is not None:
                break
            await self.clock.sleep(JUDGE_EVERY)
        if verdict.kind != "barge_in":
            self._let_go(verdict.kind)
            return
        self._cut()
        if self._stop is not None and not self._user_speaking:
            self.on_turn_end(self._stop.end)

    async def _watch_echo(self) -> None:
        """Our echo keeps the VAD on, so a user who starts talking over it makes no new onset:
        while it lasts, look at the last moments again; once they are not echo, judge them."""
        assert self.classifier is not None
        while self._ignoring and self._user_speaking and self.replica_speaking:
            await self.clock.sleep(ECHO_RECHECK)
            start = self.clock.now() - ECHO_WINDOW
            if not self.classifier.is_echo(*self._audio(start + LEAD_IN)):
                self._ignoring = False
                await self._judge(start)
                return

    def _audio(self, start: float) -> tuple[np.ndarray, np.ndarray]:
        now = self.clock.now()
        mic = self._mic.between(start - LEAD_IN, now)
        if self.played is None:
            return mic, np.zeros(0, dtype=np.float32)
        return mic, self.played(start - LEAD_IN - ECHO_LOOKBACK, now)

    def _cut(self) -> None:
        self.timeline.emit(Interrupt(reason="barge_in"))

    def _let_go(self, reason: str) -> None:
        self.timeline.emit(TurnDecision(action="ignore", reason=reason, silence=0.0))

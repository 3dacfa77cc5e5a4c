"""The turns stage: who has the floor, decided from timeline events (and the user's audio).

- **End of turn.** At the VAD's stop the pause is scored: by the fused end-of-turn model
  (``detector="fused"``: Smart Turn, prosody, the partial transcript, the face, the question
  the agent asked; see ``fusion.py``) every 20 ms until its probability reaches the patience
  threshold, or by a fixed silence (``detector="silence"``). Then ``turn.decision respond``.
  While the user looks away or frowns the floor is held up to ``thinking_silence``. With
  ``learn_pauses`` (high patience) a caller who went on after a mid-turn pause of g seconds
  gets at least g + ``PAUSE_MARGIN`` of silence before any later answer.
- **Hold and backchannel.** A pause the model judges unfinished is a ``hold`` (the face nods,
  nothing is said); in a long telling, a pause of ``backchannel_pause`` gets a ``backchannel``
  (a nod and a short "mm-hm"), at most one per ``backchannel_gap``.
- **Re-prompt.** Nobody speaking for ``reprompt_after`` after the agent finished: ``respond``
  with reason ``reprompt``.
- **Overlaps.** Speech over an interruptible reply is handled by ``BargeIn`` (``barge_in.py``):
  pause at once, then a real barge-in cuts the reply and a "yeah", a cough or our own echo
  lets it go on. Its verdicts come back here so that a backchannel's stop is not taken for the
  end of a turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

from visavis.runtime.clock import Clock
from visavis.runtime.events import (
    BaseEvent,
    Interrupt,
    PerceptionCue,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    ReplySentence,
    TurnDecision,
    TurnSpeculation,
    UserStartedSpeaking,
    UserStoppedSpeaking,
)
from visavis.runtime.media import AudioChunk
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline
from visavis.turns.barge_in import BargeIn
from visavis.turns.end_of_turn import LiveEndOfTurn
from visavis.turns.fusion import VAD_STOP
from visavis.turns.overlap import OverlapClassifier
from visavis.turns.settings import TurnSettings
from visavis.turns.transcript_cues import unfinished_answer

#: Cues that mean "still thinking": the floor is held open longer.
THINKING_CUES = frozenset({"looks_away", "frowning"})
#: How often a pause is re-scored (seconds): the model's ``elapsed`` moves on.
TICK = 0.02
#: A pause not answered by now is recorded as a ``hold`` (an attentive listener would have
#: answered a finished turn by then; before it, every pause is merely "not yet").
HOLD_AT = 0.4
#: Learned pauses: only pauses this long count (shorter ones are breaths and VAD flicker), and
#: the agent waits this much longer than the longest pause the caller went on after.
MIN_LEARNED_PAUSE = 0.4
PAUSE_MARGIN = 0.15


class FloorTaking:
    """Decides when the user's turn is over, holds, backchannels and handles overlaps."""

    def __init__(
        self,
        clock: Clock,
        timeline: Timeline,
        tasks: TaskOwner,
        settings: TurnSettings | None = None,
        *,
        end_of_turn: LiveEndOfTurn | None = None,
        overlaps: OverlapClassifier | None = None,
        played: Callable[[float, float], np.ndarray] | None = None,
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.tasks = tasks
        self.settings = settings or TurnSettings()
        self.end_of_turn = end_of_turn
        self.barge_in = BargeIn(clock, timeline, tasks, self.settings, overlaps, played)
        self.barge_in.on_turn_end = self._start_endpoint
        self._endpoint: asyncio.Task[None] | None = None
        self._reprompt: asyncio.Task[None] | None = None
        self._replica_speaking = False
        self._user_speaking = False
        self._cues: set[str] = set()
        #: The agent's last words (its question), for the model's dialogue expectation.
        self._prompt = ""
        #: Partial transcripts of pauses, by the pause's VAD stop time.
        self._texts: dict[float, asyncio.Future[str]] = {}
        self._last_stop: float | None = None
        self._last_backchannel = -1e9
        #: The longest mid-turn pause the caller went on after (seconds; ``learn_pauses``).
        self.learned_pause = 0.0
        timeline.subscribe(
            self.on_event,
            (
                UserStartedSpeaking,
                UserStoppedSpeaking,
                ReplicaStartedSpeaking,
                ReplicaStoppedSpeaking,
                ReplySentence,
                TurnDecision,
                TurnSpeculation,
                PerceptionCue,
                Interrupt,
            ),
        )

    def push_audio(self, chunk: AudioChunk) -> None:
        """The microphone, in media order (what Smart Turn and the overlap checks hear)."""
        self.barge_in.push_audio(chunk)
        if self.end_of_turn is not None:
            self.end_of_turn.push(chunk)

    def on_event(self, event: BaseEvent) -> None:
        if isinstance(event, UserStartedSpeaking):
            self._user_speaking = True
            self._learn_pause(event.start)
            self._cancel(self._endpoint)
            self._cancel(self._reprompt)
            if self._replica_speaking:
                self.barge_in.onset(event.start)
        elif isinstance(event, UserStoppedSpeaking):
            self._user_speaking = False
            # The speculation transcribes every pause; its text is kept for this one.
            self._last_stop = event.end
            self._texts = {event.end: asyncio.get_running_loop().create_future()}
            if self.barge_in.owns_speech():
                # An overlap being judged: if it was a barge-in, its pause is scored then.
                self.barge_in.stopped(event)
                return
            self._start_endpoint(event.end)
        elif isinstance(event, TurnSpeculation) and event.phase == "transcribed":
            if self._last_stop is not None:
                future = self._texts.get(self._last_stop)
                if future is not None and not future.done():
                    future.set_result(event.text)
        elif isinstance(event, ReplySentence):
            self.barge_in.interruptible = event.interruptible
            if event.backchannel:
                pass  # our "mm-hm" asks nothing: the question before it still stands
            elif event.index == 0:
                self._prompt = event.text
            else:
                self._prompt = f"{self._prompt} {event.text}"
        elif isinstance(event, ReplicaStartedSpeaking):
            self._replica_speaking = True
            self.barge_in.replica_speaking = True
            self._cancel(self._reprompt)
        elif isinstance(event, ReplicaStoppedSpeaking):
            self._replica_speaking = False
            self.barge_in.replica_speaking = False
            if not event.interrupted and self.settings.reprompt_after > 0:
                self._cancel(self._reprompt)
                self._reprompt = self.tasks.start(self._silence_watch(), "reprompt")
        elif isinstance(event, TurnDecision):
            self._on_decision(event)
        elif isinstance(event, Interrupt):
            self.barge_in.interrupted()
        elif isinstance(event, PerceptionCue):
            if event.phase == "start":
                self._cues.add(event.cue)
            elif event.phase == "end":
                self._cues.discard(event.cue)

    def _learn_pause(self, start: float) -> None:
        """The caller went on mid-turn (the pause was still being scored): remember how long
        they paused."""
        pending = self._endpoint is not None and not self._endpoint.done()
        if pending and self._last_stop is not None and not self._replica_speaking:
            pause = start - self._last_stop
            if pause >= MIN_LEARNED_PAUSE:
                self.learned_pause = max(self.learned_pause, pause)

    def _wait_at_least(self) -> float:
        """The silence no answer comes before, from the caller's learned pauses."""
        s = self.settings
        if not s.learn_pauses or self.learned_pause <= 0.0:
            return 0.0
        return min(self.learned_pause + PAUSE_MARGIN, s.max_learned_pause)

    def _on_decision(self, event: TurnDecision) -> None:
        if event.action == "respond":
            self._cancel(self._reprompt)
            if event.reason != "reprompt" and self.end_of_turn is not None:
                self.end_of_turn.new_turn()
        elif event.action == "ignore" and self.end_of_turn is not None:
            # A "yeah" over the agent is not the start of the user's turn.
            self.end_of_turn.new_turn()

    # --- end of turn --------------------------------------------------------------------------

    def _start_endpoint(self, speech_end: float) -> None:
        self._cancel(self._endpoint)
        if speech_end not in self._texts:
            self._texts = {speech_end: asyncio.get_running_loop().create_future()}
        if self.settings.detector == "fused" and self.end_of_turn is not None:
            self._endpoint = self.tasks.start(self._fused_end_of_turn(speech_end), "endpoint")
        else:
            self._endpoint = self.tasks.start(self._silence_end_of_turn(speech_end), "endpoint")

    async def _silence_end_of_turn(self, speech_end: float) -> None:
        await self.clock.sleep_until(speech_end + self.settings.end_of_turn_silence)
        await self._hold_while_thinking(speech_end, speech_end + self.settings.thinking_silence)
        if not self._user_speaking:
            self._respond("silence", speech_end)

    async def _fused_end_of_turn(self, speech_end: float) -> None:
        assert self.end_of_turn is not None
        s = self.settings
        eot = self.end_of_turn
        deadline = speech_end + s.max_end_of_turn_silence
        audio = eot.turn_audio()
        smart_turn = self.tasks.start(
            self.clock.run_blocking(eot.completeness, audio), "smart-turn"
        )
        text = await self._transcript(speech_end, deadline)
        p_complete = await smart_turn
        features = eot.features(
            smart_turn_p=p_complete, text=text, silence_start=speech_end, prompt=self._prompt
        )
        # A date of birth with no year yet, or fewer digits than were asked for: the answer
        # is unfinished by what was asked, however the pause sounds. The model weighs this as
        # a trailing-incomplete transcript among its other terms, and a long turn can outweigh
        # it; here it holds like a caller searching for a word (someone recalling a year).
        recalling = unfinished_answer(text, self._prompt)
        await self.clock.sleep_until(speech_end + VAD_STOP)
        at_least = self._wait_at_least()
        held = False
        while not self._user_speaking:
            now = self.clock.now()
            elapsed = now - speech_end
            thinking = bool(self._cues & THINKING_CUES)
            p = eot.probability(features, elapsed, -1.0 if thinking else 0.0)
            if now >= deadline:
                self._respond("timeout", speech_end, p)
                return
            searching = thinking or recalling
            waiting = elapsed < at_least or (searching and elapsed < s.thinking_silence)
            if p >= s.end_of_turn_threshold and not waiting:
                self._respond("end_of_turn", speech_end, p)
                return
            if not held and elapsed >= HOLD_AT - 1e-6:
                held = True
                reason = "thinking" if thinking else "unfinished"
                self._decide("hold", reason, speech_end, p)
            self._maybe_backchannel(speech_end, elapsed, p)
            await self.clock.sleep(TICK)

    async def _transcript(self, speech_end: float, deadline: float) -> str:
        """The pause's partial transcript, from the speculation ('' if it is not in by the
        deadline: the model then reads the audio features alone)."""
        future = self._texts[speech_end]
        timer = self.tasks.start(self.clock.sleep_until(deadline), "transcript-deadline")
        try:
            await asyncio.wait({future, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        return future.result() if future.done() and not future.cancelled() else ""

    def _maybe_backchannel(self, speech_end: float, elapsed: float, p: float) -> None:
        s = self.settings
        if (
            s.backchannel
            and self.end_of_turn is not None
            and elapsed >= s.backchannel_pause
            and p < s.backchannel_below
            and self.end_of_turn.spoken(speech_end) >= s.backchannel_after
            and self.clock.now() - self._last_backchannel >= s.backchannel_gap
        ):
            self._last_backchannel = self.clock.now()
            self._decide("backchannel", "long_turn", speech_end, p)

    async def _hold_while_thinking(self, speech_end: float, hold: float) -> None:
        while self._cues & THINKING_CUES and self.clock.now() < hold:
            # Looking away or frowning in the pause: keep the floor open (and look again).
            await self.clock.sleep(min(0.1, hold - self.clock.now()))

    def _respond(self, reason: str, speech_end: float, p: float | None = None) -> None:
        self._decide("respond", reason, speech_end, p)

    def _decide(self, action: str, reason: str, speech_end: float, p: float | None) -> None:
        self.timeline.emit(
            TurnDecision(
                action=action,  # type: ignore[arg-type]
                reason=reason,
                silence=round(self.clock.now() - speech_end, 4),
                probability=None if p is None else round(p, 4),
            )
        )

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

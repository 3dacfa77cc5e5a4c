"""One call, wired: the only module that connects the stages into the loop.

    microphone ─► Listener (VAD, partial ASR) ──events──► turns (FloorTaking: end-of-turn
       │                                                  │   model, holds, backchannels,
       └──────────── audio (Smart Turn, overlaps) ───────►│   barge-in judging)
                                                          │ turn.decision / interrupt
                                                          ▼
    speaker ◄── mind (plan → commit) ◄── final ASR ◄── this loop (speculation, commit, say)
       │
       └─► Playout (pause / resume / cut) ─► transport (AudioSink)

Stages never call each other: they emit events on the timeline, and this module reacts to the
few events that need cross-stage action. To keep dead air short it *speculates*: as soon as the
VAD says the user paused, it transcribes the turn, plans the reply and synthesizes its first
sentence, and when the end-of-turn decision arrives the answer is ready to play. If the user goes
on speaking the speculation is thrown away; the mind's ``plan`` is pure, so nothing leaks. The
speculation's transcript (``turn.speculation transcribed``) is also what the end-of-turn model
reads for the turn's completeness, so Whisper runs once per pause.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from visavis.conversation_settings import ConversationResult as ConversationResult
from visavis.conversation_settings import ConversationSettings as ConversationSettings
from visavis.mind.base import Mind, ReplyPlan
from visavis.perception.kit import PerceptionKit
from visavis.perception.stage import PerceptionStage
from visavis.perception.summary import TurnPerception
from visavis.runtime.clock import Clock
from visavis.runtime.events import (
    AppendContext,
    BaseEvent,
    CallCompleted,
    ConversationEnded,
    ConversationStarted,
    Echo,
    Interrupt,
    OverwriteContext,
    PerceptionAnalysis,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    Respond,
    Sensitivity,
    TranscriptFinal,
    TurnDecision,
    TurnSpeculation,
    UserStartedSpeaking,
    UserStoppedSpeaking,
    Utterance,
)
from visavis.runtime.latency import LatencyLedger, PendingLatency
from visavis.runtime.media import AudioSource, VideoFrame
from visavis.runtime.tasks import TaskOwner, cancel_and_wait
from visavis.runtime.timeline import Timeline
from visavis.speech.asr.base import SpeechRecognizer
from visavis.speech.listening import Listener
from visavis.speech.playout import AudioSink, Playout
from visavis.speech.speaker import Speaker, Synthesis
from visavis.speech.tts.base import SpeechSynthesizer
from visavis.speech.vad import VoiceActivityDetector
from visavis.turns.end_of_turn import TurnCompleteness, live_end_of_turn
from visavis.turns.floor import FloorTaking
from visavis.turns.overlap import OverlapClassifier

T = TypeVar("T")
#: Reply ids of the agent's vocal backchannels ("bc1", "bc2", ...); replies are "r1", "r2", ...
BACKCHANNEL_IDS = "bc"


@dataclass
class _Speculation:
    final: TranscriptFinal | None
    plan: ReplyPlan | None = None
    first: Synthesis | None = None
    reply_ms: float = 0.0
    mind_version: int = 0
    seen: TurnPerception | None = None


class Conversation:
    """Runs one call from greeting to goodbye (or barge-ins, silence and hang-ups)."""

    def __init__(
        self,
        *,
        clock: Clock,
        timeline: Timeline,
        mind: Mind,
        vad: VoiceActivityDetector,
        recognizer: SpeechRecognizer,
        synthesizer: SpeechSynthesizer,
        source: AudioSource,
        sink: AudioSink,
        settings: ConversationSettings | None = None,
        perception: PerceptionKit | None = None,
        camera: AsyncIterator[VideoFrame] | None = None,
        smart_turn: TurnCompleteness | None = None,
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.mind = mind
        self.source = source
        self.settings = settings or ConversationSettings()
        self.tasks = TaskOwner(f"conversation-{self.settings.conversation_id}")
        # The stages of the loop.
        self.listener = Listener(
            vad, recognizer, clock, timeline, self.tasks, self.settings.listener
        )
        self.playout = Playout(clock, timeline, sink, self.tasks)
        self.speaker = Speaker(clock, timeline, synthesizer, self.playout, self.tasks)
        self.turns = FloorTaking(
            clock,
            timeline,
            self.tasks,
            self.settings.turns,
            end_of_turn=live_end_of_turn(self.settings.turns, smart_turn),
            overlaps=OverlapClassifier(recognizer),
            played=self.playout.played_between,
        )
        kit = perception or PerceptionKit()
        # Beside the loop, never in its way: frames are analysed off the loop, and the stage
        # only adds cues to the timeline and answers turn_summary() when a turn is answered.
        self.perception = PerceptionStage(
            clock,
            timeline,
            self.tasks,
            analyzer=kit.analyzer,
            prosody=kit.prosody,
            summarize=kit.summarize,
            settings=kit.settings,
        )
        self.camera = camera
        # Loop state.
        self.context = self.settings.context
        self._inbox: asyncio.Queue[BaseEvent] = asyncio.Queue()
        self._speculation: asyncio.Task[_Speculation] | None = None
        self._mind_version = 0
        self._reply_ids = itertools.count(1)
        self._latency = LatencyLedger()
        self._heard_reply: str | None = None
        #: When the last reply (not a backchannel) started playing.
        self._reply_started: float | None = None
        self._done = asyncio.Event()
        self._end_reason = "completed"
        self._mind_done = False
        self._backchannel_ids = itertools.count(1)
        timeline.subscribe(
            self._inbox.put_nowait,
            (
                UserStartedSpeaking,
                UserStoppedSpeaking,
                TurnDecision,
                Interrupt,
                Respond,
                Echo,
                Sensitivity,
                OverwriteContext,
                AppendContext,
                ReplicaStartedSpeaking,
                ReplicaStoppedSpeaking,
            ),
        )

    # --- the call -----------------------------------------------------------------------------

    async def run(self) -> ConversationResult:
        s = self.settings
        self.timeline.emit(
            ConversationStarted(
                conversation_id=s.conversation_id,
                persona=s.persona_name,
                clock=self.clock.kind,
                scenario=s.scenario,
            )
        )
        self.tasks.start(self._hear(), "hear")
        if self.camera is not None:
            self.tasks.start(self.perception.watch(self.camera), "camera")
        self.tasks.start(self._react(), "react")
        self.tasks.start(self._deadline(), "deadline")
        greeting = await self._think(self.mind.greet)
        greeting.interruptible = greeting.interruptible and s.turns.interruptible_greeting
        self.tasks.start(self._say(greeting), "greet")
        try:
            await self._done.wait()
        finally:
            await self.tasks.aclose()
        duration = round(self.clock.now(), 4)
        self.timeline.emit(PerceptionAnalysis(analysis=self.perception.report(duration)))
        self.timeline.emit(ConversationEnded(reason=self._end_reason, duration=duration))
        return ConversationResult(self.mind.outcome(), self._end_reason, duration)

    def inject(self, event: BaseEvent) -> None:
        """Inbound protocol events (``conversation.respond``, ``.echo``, ``.interrupt``,
        ``.overwrite_llm_context``, ``.append_llm_context``, ``.sensitivity``)."""
        self.timeline.emit(event)

    def end(self, reason: str) -> None:
        self._end_reason = reason
        self._done.set()

    async def _hear(self) -> None:
        async for chunk in self.source.chunks():
            self.listener.push(chunk)
            self.turns.push_audio(chunk)
            self.perception.push_audio(chunk)
        # The caller hung up (or the input file ended): finish what is being said, then stop.
        await self.playout.wait_idle()
        self.end("completed" if self._mind_done else "participant_left")

    async def _deadline(self) -> None:
        await self.clock.sleep(self.settings.max_call_duration)
        self.end("max_call_duration")

    # --- reacting to the stages ---------------------------------------------------------------

    async def _react(self) -> None:
        while True:
            event = await self._inbox.get()
            if isinstance(event, UserStoppedSpeaking):
                await cancel_and_wait(self._speculation)
                self._speculation = self.tasks.start(self._speculate(), "speculate")
            elif isinstance(event, UserStartedSpeaking):
                # The user went on: whatever was prepared answers an unfinished turn.
                await self._discard_speculation()
            elif isinstance(event, Interrupt):
                await self.speaker.interrupt()
            elif isinstance(event, TurnDecision) and event.action == "yield":
                self.playout.pause()
            elif isinstance(event, TurnDecision) and event.action == "ignore":
                # A "yeah", a cough or our echo over the reply: it goes on, and what the user
                # said is not the start of their turn.
                self.playout.resume()
                await self._discard_speculation()
                self.listener.close_turn()
            elif isinstance(event, TurnDecision) and event.action == "backchannel":
                await self._backchannel_now()
            elif isinstance(event, TurnDecision) and event.action == "respond":
                if event.reason == "reprompt":
                    if not self._mind_done:
                        await self._say(await self._think(self.mind.reprompt))
                else:
                    await self._respond_to_turn(event)
            elif isinstance(event, Respond):
                await self._say(await self._think(self.mind.plan, event.text, None))
            elif isinstance(event, Echo):
                await self._say(ReplyPlan(sentences=[event.text]), commit=False)
            elif isinstance(event, Sensitivity):
                self.turns.settings.apply_sensitivity(
                    event.participant_pause_sensitivity, event.participant_interrupt_sensitivity
                )
            elif isinstance(event, OverwriteContext | AppendContext):
                self._take_context(event)
            elif isinstance(event, ReplicaStartedSpeaking):
                if not event.reply_id.startswith(BACKCHANNEL_IDS):
                    self._reply_started = event.t
                latency = self._latency.started(event)
                if latency is not None:
                    self.timeline.emit(latency)
            elif isinstance(event, ReplicaStoppedSpeaking):
                if event.reply_id.startswith(BACKCHANNEL_IDS):
                    continue  # our "mm-hm" says nothing about what the user heard of a reply
                self._heard_reply = event.heard_text if event.interrupted else None
                if self._mind_done and not self.playout.busy:
                    self.end("completed")

    def _heard(self) -> str | None:
        """What the user heard of the last reply: None, all of it; its heard text if they cut
        it short; "" if they were already speaking when it began ("Yes," answered, "this is
        Maria" said on over the next question is no answer to that question)."""
        started, reply = self.listener.turn_started, self._reply_started
        if started is not None and reply is not None and started < reply:
            return ""
        return self._heard_reply

    def _take_context(self, event: OverwriteContext | AppendContext) -> None:
        """The application's context; an LLM mind reads it from its next turn (and an
        application-run tool's result comes back this way)."""
        replace = isinstance(event, OverwriteContext)
        self.context = event.context if replace else f"{self.context}\n{event.context}".strip()
        tell = getattr(self.mind, "overwrite_context" if replace else "append_context", None)
        if callable(tell):
            tell(event.context)

    async def _think(self, step: Callable[..., T], *args: Any) -> T:
        """A mind step; one that waits on the network (an LLM) runs off the event loop."""
        if getattr(self.mind, "blocking", False):
            return await self.clock.run_blocking(step, *args)
        return step(*args)

    async def _discard_speculation(self) -> None:
        if self._speculation is not None:
            await cancel_and_wait(self._speculation)
            self._speculation = None
            self.timeline.emit(TurnSpeculation(phase="discarded"))

    async def _backchannel_now(self) -> None:
        """A soft "mm-hm" in the user's pause (the face nods on the decision itself)."""
        if self.settings.turns.vocal_backchannel and not self.playout.busy:
            await self.speaker.backchannel(f"{BACKCHANNEL_IDS}{next(self._backchannel_ids)}")

    async def _speculate(self) -> _Speculation:
        version = self._mind_version
        self.timeline.emit(TurnSpeculation(phase="started"))
        final = await self.listener.transcribe_turn()
        self.timeline.emit(
            TurnSpeculation(phase="transcribed", text=final.text if final is not None else "")
        )
        if final is None or not final.text:
            return _Speculation(final=None, mind_version=version)
        started = time.perf_counter()
        seen = self.perception.turn_summary(final.start, final.end, final.text)
        plan = await self._think(self.mind.plan, final.text, self._heard(), seen)
        reply_ms = (time.perf_counter() - started) * 1000.0
        first = await self.speaker.synthesize(plan.sentences[0]) if plan.sentences else None
        self.timeline.emit(TurnSpeculation(phase="ready", text=final.text))
        return _Speculation(final, plan, first, reply_ms, version, seen)

    async def _respond_to_turn(self, decision: TurnDecision) -> None:
        if self._speculation is None:
            return
        spec = await self._speculation
        self._speculation = None
        if spec.final is None or spec.plan is None:
            return  # noise or a cough: nothing to answer
        self.timeline.emit(TurnSpeculation(phase="used", text=spec.final.text))
        if spec.mind_version != self._mind_version:
            # Something was committed meanwhile (a re-prompt, an inbound event): plan afresh.
            spec.plan = await self._think(self.mind.plan, spec.final.text, self._heard(), spec.seen)
            spec.first = None
        if self.playout.busy and self.playout.backchannel:
            await self.speaker.interrupt()  # our own "mm-hm" gives way to the answer
        if self.playout.busy:
            # A reply that could not be interrupted is still playing: let it finish first.
            await self.playout.wait_idle()
        final = spec.final
        self.timeline.emit(final)
        seen = spec.seen
        self.timeline.emit(
            Utterance(
                role="user",
                speech=final.text,
                start=final.start,
                end=final.end,
                user_visual_analysis=seen.visual if seen else None,
                user_audio_analysis=seen.audio if seen else None,
            )
        )
        self.listener.close_turn()
        user_end = final.end
        for event in reversed(self.timeline.events):
            if isinstance(event, UserStoppedSpeaking):
                user_end = event.end
                break
        reply_id = await self._say(spec.plan, first=spec.first)
        self._latency.expect(
            reply_id,
            PendingLatency(
                user_end=user_end,
                decided_at=decision.t,
                asr_ms=final.compute_ms,
                reply_ms=spec.reply_ms,
                tts_ms=spec.first.compute_ms if spec.first else 0.0,
            ),
        )

    async def _say(
        self, plan: ReplyPlan, first: Synthesis | None = None, commit: bool = True
    ) -> str:
        """Commit ``plan`` (unless told not to) and start speaking it, cutting any reply still
        playing (an inbound ``conversation.respond`` or ``.echo`` takes over the floor)."""
        if self.playout.busy:
            await self.speaker.interrupt()
            await self.playout.wait_idle()
        sentences = list(plan.sentences)
        if commit:
            result = await self._think(self.mind.commit, plan)
            self._mind_version += 1
            # What the next answer is (a date?) decides the recogniser's context for it.
            self.listener.vocabulary = plan.vocabulary
            for event in result.events:
                self.timeline.emit(event)
            sentences += result.followup_sentences
            if result.done and not self._mind_done:
                self._mind_done = True
                if not any(isinstance(e, CallCompleted) for e in result.events):
                    self.timeline.emit(CallCompleted(outcome=self.mind.outcome()))
        reply_id = f"r{next(self._reply_ids)}"
        if sentences:
            self.speaker.say(
                reply_id,
                sentences,
                first=first,
                emotion=plan.emotion,
                interruptible=plan.interruptible,
            )
        elif self._mind_done:
            self.end("completed")
        return reply_id

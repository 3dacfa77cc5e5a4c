"""The perception stage: camera frames and speech audio in, cues and summaries out.

It runs beside the loop and never delays a reply: frames are analysed on a worker thread, one
at a time, and a frame that arrives while the previous one is still being analysed is dropped
(the newest frame is the one worth seeing), so under load the analysis rate falls instead of
falling behind. Prosody is cheap and runs inline on each audio chunk.

What it gives the other stages, all through the timeline except the pull-style summaries:

- ``perception.cue`` events (looking away, frowning, nodding, a long thinking pause...), which the
  turns stage and the face react to;
- ``turn_summary(start, end, text)``: a sentence each about what was seen and heard during a
  user's turn, for the mind and for the utterance event (``user_visual_analysis``...);
- ``report()``: the end-of-call analysis (``conversation.perception_analysis``).

Memory stays flat however long the call: raw observations and prosody frames are kept for the
last ``history_seconds`` only (what a turn's summary and the tools' last second read), and the
whole call (the report, the analysis queries, the resting face) is kept as running totals
(``visavis.perception.totals``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from visavis.perception.awareness import Awareness, PerceptionTool
from visavis.perception.cues import CueDetector, CueSettings
from visavis.perception.report import call_report
from visavis.perception.rules import Evidence
from visavis.perception.state import UserState
from visavis.perception.summary import (
    TurnPerception,
    audio_sentence,
    mouth_motion,
    visual_sentence,
)
from visavis.perception.totals import CallTotals
from visavis.perception.types import (
    ProsodyFrame,
    ProsodySummary,
    VisualObservation,
)
from visavis.perception.vlm import VisionModelConfig
from visavis.runtime.clock import Clock
from visavis.runtime.events import (
    BaseEvent,
    CueName,
    PerceptionCue,
    ReplicaStartedSpeaking,
    ReplicaStoppedSpeaking,
    TurnDecision,
    UserStartedSpeaking,
    UserStoppedSpeaking,
)
from visavis.runtime.media import AudioChunk, VideoFrame
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline

log = logging.getLogger(__name__)


class FrameAnalyzer(Protocol):
    def analyze(self, rgb: np.ndarray, t: float) -> VisualObservation: ...


class ProsodyTracker(Protocol):
    def push(self, chunk: AudioChunk) -> ProsodyFrame: ...


Summarize = Any  # ``visavis.perception.prosody.summarize``


@dataclass
class PerceptionSettings:
    #: Frames analysed per second at most (fewer under load: frames are dropped while busy).
    fps: float = 10.0
    #: Silence after the agent finished before the user's answer that counts as thinking.
    thinking_pause: float = 2.0
    #: A pause inside the user's turn (the floor held open) that counts as thinking.
    mid_turn_pause: float = 1.0
    cues: CueSettings = field(default_factory=CueSettings)
    #: Seconds of raw observations and prosody frames kept, for turn summaries (a turn longer
    #: than this is summarised from its last ``history_seconds``); the whole call is kept as
    #: running totals instead (``CallTotals``).
    history_seconds: float = 120.0
    #: The persona's awareness queries (``visavis.perception.rules``): visual and audio ones
    #: are answered for every user turn, analysis ones for the whole call at its end.
    visual_queries: tuple[str, ...] = ()
    audio_queries: tuple[str, ...] = ()
    analysis_queries: tuple[str, ...] = ()
    tools: tuple[PerceptionTool, ...] = ()
    #: An OpenAI-compatible vision-language model for the visual queries (real clock only);
    #: without one (or while it has no fresh answer) the rules answer.
    vision_model: VisionModelConfig | None = None


class PerceptionStage:
    def __init__(
        self,
        clock: Clock,
        timeline: Timeline,
        tasks: TaskOwner,
        *,
        analyzer: FrameAnalyzer | None = None,
        prosody: ProsodyTracker | None = None,
        summarize: Summarize | None = None,
        settings: PerceptionSettings | None = None,
    ) -> None:
        self.clock = clock
        self.timeline = timeline
        self.tasks = tasks
        self.analyzer = analyzer
        self.prosody = prosody
        self._summarize = summarize
        self.settings = settings or PerceptionSettings()
        self.cues = CueDetector(self.settings.cues)
        self.state = UserState()
        #: The last ``history_seconds`` of observations and prosody frames, oldest first.
        self.observations: deque[VisualObservation] = deque()
        self.prosody_frames: deque[ProsodyFrame] = deque()
        #: The whole call so far, for the report and the analysis queries.
        self.totals = CallTotals()
        self.cue_log: list[PerceptionCue] = []
        self.frames_seen = 0
        self.frames_dropped = 0
        #: The last analysed frame only, for a perception tool's call; never written anywhere.
        self._last_image: np.ndarray | None = None
        self.awareness = Awareness(self.settings, clock, timeline, tasks, lambda: self._last_image)
        self._busy = False
        self._pause: asyncio.Task[None] | None = None
        self._thinking: PerceptionCue | None = None
        timeline.subscribe(
            self._on_event,
            (
                ReplicaStartedSpeaking,
                ReplicaStoppedSpeaking,
                UserStartedSpeaking,
                UserStoppedSpeaking,
                TurnDecision,
            ),
        )

    # --- inputs -------------------------------------------------------------------------------

    async def watch(self, frames: AsyncIterator[VideoFrame]) -> None:
        """Analyse a camera's frames until it ends; never raises for a bad frame."""
        if self.analyzer is None:
            return
        interval = 1.0 / self.settings.fps
        next_at = -1.0
        async for frame in frames:
            self.frames_seen += 1
            if frame.t < next_at or self._busy:
                self.frames_dropped += 1
                continue
            next_at = frame.t + interval
            self._busy = True
            try:
                if self.clock.kind == "virtual":
                    # Virtual time holds still while a frame is analysed: replays see the same.
                    obs = await self.clock.run_blocking(self._analyze, frame)
                else:
                    # Not the clock's executor: ASR and TTS run there, and must never queue
                    # behind a frame.
                    obs = await asyncio.to_thread(self._analyze, frame)
            finally:
                self._busy = False
            if obs is not None:
                self.observe(obs)

    def _analyze(self, frame: VideoFrame) -> VisualObservation | None:
        assert self.analyzer is not None
        self._last_image = frame.image
        started = time.perf_counter()
        try:
            obs = self.analyzer.analyze(frame.image, frame.t)
        except Exception:
            # A corrupt frame (or a model hiccup) costs one observation, never the call.
            log.exception("perception: a frame at %.2f s could not be analysed", frame.t)
            return None
        if not obs.compute_ms:
            ms = (time.perf_counter() - started) * 1000.0
            obs = VisualObservation(
                obs.t, obs.faces, obs.issues, obs.brightness, obs.width, obs.height, ms
            )
        return obs

    def observe(self, obs: VisualObservation) -> None:
        """One analysed frame (also the way tests and replays feed observations in)."""
        self.observations.append(obs)
        _forget_before(self.observations, obs.t - self.settings.history_seconds)
        self.totals.add_observation(obs)
        self.state.update_visual(obs)
        for cue in self.cues.update(obs):
            self._emit(cue)
        self.state.active_cues = self.cues.active | (
            {"long_thinking_pause"} if self._thinking else set()
        )
        if self.awareness.has_tools:
            self.awareness.check_tools(obs.t, self.evidence(obs.t - 1.0, obs.t))

    def push_audio(self, chunk: AudioChunk) -> None:
        if self.prosody is None:
            return
        frame = self.prosody.push(chunk)
        self.prosody_frames.append(frame)
        _forget_before(self.prosody_frames, frame.t - self.settings.history_seconds)
        self.totals.add_prosody(frame)
        self.state.update_audio(frame)

    # --- speech events: thinking pauses -------------------------------------------------------

    def _on_event(self, event: BaseEvent) -> None:
        s = self.settings
        if isinstance(event, ReplicaStoppedSpeaking) and not event.interrupted:
            self._wait_for("after_question", s.thinking_pause, event.t)
        elif isinstance(event, UserStoppedSpeaking):
            self._wait_for("mid_turn", s.mid_turn_pause, event.end)
        elif isinstance(event, UserStartedSpeaking | ReplicaStartedSpeaking) or (
            isinstance(event, TurnDecision) and event.action == "respond"
        ):
            self._stop_waiting(event.t)
        self.state.speaking = isinstance(event, UserStartedSpeaking) or (
            self.state.speaking and not isinstance(event, UserStoppedSpeaking)
        )

    def _wait_for(self, kind: str, seconds: float, since: float) -> None:
        self._stop_waiting(since)
        self._pause = self.tasks.start(self._pause_after(kind, seconds, since), "thinking")

    async def _pause_after(self, kind: str, seconds: float, since: float) -> None:
        await self.clock.sleep_until(since + seconds)
        detail = "after the agent's question" if kind == "after_question" else "mid-turn"
        self._thinking = PerceptionCue(
            cue="long_thinking_pause", confidence=0.9, start=since, detail=detail
        )
        self._emit(self._thinking)

    def _stop_waiting(self, at: float) -> None:
        if self._pause is not None and self._pause is not asyncio.current_task():
            self._pause.cancel()
        self._pause = None
        if self._thinking is not None:
            started = self._thinking
            self._thinking = None
            self._emit(
                PerceptionCue(
                    cue="long_thinking_pause",
                    phase="end",
                    confidence=started.confidence,
                    start=started.start,
                    end=at,
                    detail=started.detail,
                )
            )

    # --- outputs ------------------------------------------------------------------------------

    def _emit(self, cue: PerceptionCue) -> None:
        self.cue_log.append(cue)
        self.timeline.emit(cue)

    def turn_summary(self, start: float, end: float, text: str | None = None) -> TurnPerception:
        """What was seen and heard from ``start`` to ``end`` (one user turn)."""
        seen = [o for o in self.observations if start - 0.5 <= o.t <= end + 0.2]
        cues = [c for c in self.cue_log if _overlaps(c, start - 0.5, end + 0.2)]
        prosody: ProsodySummary | None = None
        if self._summarize is not None:
            frames = [f for f in self.prosody_frames if start <= f.t <= end]
            if frames:
                prosody = self._summarize(frames, start, end, text)
        names: set[CueName] = {c.cue for c in cues}
        evidence = self.evidence(start - 0.5, end + 0.2)
        visual = (
            visual_sentence(seen, names, self.expression_baseline())
            if self.analyzer is not None
            else None
        )
        audio = audio_sentence(prosody, names) if prosody is not None else None
        return TurnPerception(
            visual=self.awareness.visual_answers(visual, evidence),
            audio=self.awareness.audio_answers(audio, evidence),
            cues=sorted(names),
            prosody=prosody,
        )

    def evidence(self, start: float, end: float) -> Evidence:
        """Cues seen and mean measurements from ``start`` to ``end`` (within the last
        ``history_seconds``), for rules."""
        cues = self._cues_between(start, end)
        faces = [o.face for o in self.observations if start <= o.t <= end and o.face]
        metrics: dict[str, float] = {}
        counts = [len(o.faces) for o in self.observations if start <= o.t <= end]
        if counts:
            metrics["faces"] = float(max(counts))
        if faces:
            for name in ("smile", "brow_furrow", "brow_raise", "eye_closure", "yaw", "pitch"):
                metrics[name] = float(np.mean([getattr(f, name) for f in faces]))
            metrics["mouth_open"] = float(np.mean([f.mouth_open for f in faces]))
            window = [o for o in self.observations if start <= o.t <= end]
            metrics["mouth_motion"] = mouth_motion(window)
            metrics["attention"] = metrics["gaze"] = float(
                np.mean([f.gaze_at_camera for f in faces])
            )
        voiced = [f for f in self.prosody_frames if start <= f.t <= end and f.voiced and f.pitch_hz]
        if voiced:
            metrics["pitch_hz"] = float(np.median([f.pitch_hz for f in voiced]))
            metrics["energy_db"] = float(np.mean([f.energy_db for f in voiced]))
        return Evidence(frozenset(cues), metrics)

    def _cues_between(self, start: float, end: float) -> set[CueName]:
        cues = {c.cue for c in self.cue_log if _overlaps(c, start, end)}
        return cues | {name for name in self.state.active_cues if end >= self.state.t - 0.5}

    def whole_call(self, duration: float) -> Evidence:
        """The evidence of the whole call, from its running totals."""
        return Evidence(frozenset(self._cues_between(0.0, duration)), self.totals.metrics())

    def expression_baseline(self) -> dict[str, float]:
        """The person's mean expression scores over the call so far (their resting face)."""
        return self.totals.expression_baseline()

    def report(self, duration: float) -> dict[str, Any]:
        report = call_report(
            self.totals,
            self.cue_log,
            duration,
            frames_seen=self.frames_seen,
            frames_dropped=self.frames_dropped,
            camera=self.analyzer is not None,
        )
        queries = self.awareness.analysis(self.whole_call(duration))
        if queries:
            report["queries"] = queries
        return report


def _forget_before(history: deque[Any], t: float) -> None:
    """Drop the items of a time-ordered ``history`` older than ``t``."""
    while history and history[0].t < t:
        history.popleft()


def _overlaps(cue: PerceptionCue, start: float, end: float) -> bool:
    cue_end = cue.end if cue.end is not None else cue.start
    return cue.start <= end and cue_end >= start

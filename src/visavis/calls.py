"""One flagship call against any caller, and the four files it leaves behind.

Shared by ``visavis demo`` (a simulated patient on a simulated line) and ``visavis talk`` (a
recorded audio file as the caller): both open a ``CallSession``, hand it their transport, and get
back the outcome with ``timeline.jsonl``, ``transcript.txt``, ``call.wav`` and ``outcome.json``
written into the output folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from visavis.conversation import (
    Conversation,
    ConversationResult,
    ConversationSettings,
)
from visavis.engines import Engines
from visavis.mind.build import MindConfig, build_mind
from visavis.mind.grounded import GroundedMind
from visavis.mind.memory import memories_from_call
from visavis.paths import POST_DISCHARGE_DIR
from visavis.perception.kit import PerceptionKit
from visavis.perception.layer import PerceptionLayer
from visavis.runtime.clock import Clock, ClockKind, make_clock
from visavis.runtime.events import BaseEvent, MemoryStored, TurnLatency, Utterance
from visavis.runtime.media import AudioSource, VideoFrame
from visavis.runtime.timeline import Timeline
from visavis.speech.playout import AudioSink
from visavis.transport.simulated import CallRecorder
from visavis.turns.settings import TurnSettings

#: Calls on the virtual clock happen on a fixed day, so slots and outcomes are reproducible.
VIRTUAL_DAY = date(2026, 11, 23)  # a Monday: follow-up slots fall on the next weekdays


@dataclass
class CallRecord:
    outcome: dict[str, Any]
    reason: str
    duration: float
    out_dir: Path
    events: list[BaseEvent] = field(default_factory=list)

    @property
    def latencies(self) -> list[TurnLatency]:
        return [e for e in self.events if isinstance(e, TurnLatency)]


class CallSession:
    """The clock, timeline and output folder of one call; must be created in an event loop."""

    def __init__(
        self,
        out_dir: Path,
        clock_kind: ClockKind = "virtual",
        on_event: Callable[[BaseEvent], None] | None = None,
    ) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.clock = make_clock(clock_kind)
        self.timeline = Timeline(self.clock, sink=out_dir / "timeline.jsonl")
        if on_event is not None:
            self.timeline.subscribe(on_event)
        self.recorder = CallRecorder(16000)
        self.today = VIRTUAL_DAY if clock_kind == "virtual" else date.today()
        #: The persona's face, known once the call has started.
        self.avatar: str | None = None

    async def run(
        self,
        *,
        patient_id: str,
        engines: Engines,
        source: AudioSource,
        sink: AudioSink,
        conversation_id: str,
        scenario: str | None = None,
        max_call_duration: float = 300.0,
        extra_outcome: dict[str, Any] | None = None,
        turns: TurnSettings | None = None,
        camera: AsyncIterator[VideoFrame] | None = None,
        mind_config: MindConfig | None = None,
    ) -> CallRecord:
        """Run the flagship conversation until it ends, remember it (when ``mind_config``
        names memory stores), then write the call's files."""
        conversation, mind = flagship_conversation(
            patient_id=patient_id,
            call_dir=self.out_dir,
            today=self.today,
            clock=self.clock,
            timeline=self.timeline,
            engines=engines,
            source=source,
            sink=sink,
            settings=ConversationSettings(
                conversation_id=conversation_id,
                persona_name="post_discharge",
                scenario=scenario,
                max_call_duration=max_call_duration,
                turns=turns or TurnSettings(),
            ),
            camera=camera,
            mind_config=mind_config,
        )
        self.avatar = mind.persona.default_avatar
        started = time.perf_counter()
        result = await conversation.run()
        events = self.timeline.events
        outcome = call_outcome(result, events, patient_id, started, extra_outcome)
        stored = remember_call(mind_config, outcome, conversation_id, self.today)
        if stored is not None:
            self.timeline.emit(stored)
        close = getattr(mind, "close", None)
        if callable(close):
            close()
        self.write(outcome)
        return CallRecord(outcome, result.reason, result.duration, self.out_dir, list(events))

    def write(self, outcome: dict[str, Any]) -> None:
        out = self.out_dir
        self.timeline.write_jsonl(out / "timeline.jsonl")
        (out / "transcript.txt").write_text(transcript_text(self.timeline.events), "utf-8")
        (out / "outcome.json").write_text(json.dumps(outcome, indent=2, default=str) + "\n")
        self.recorder.write(out / "call.wav")

    def close(self) -> None:
        self.timeline.close()
        self.clock.close()


def flagship_conversation(
    *,
    patient_id: str,
    call_dir: Path,
    today: date,
    clock: Clock,
    timeline: Timeline,
    engines: Engines,
    source: AudioSource,
    sink: AudioSink,
    settings: ConversationSettings,
    perception: PerceptionKit | None = None,
    camera: AsyncIterator[VideoFrame] | None = None,
    mind_config: MindConfig | None = None,
    mind: GroundedMind | None = None,
) -> tuple[Conversation, GroundedMind]:
    """The post-discharge conversation for one patient (and its mind, for the persona);
    ``camera`` is the caller's video, if any; ``mind``: built by ``call_mind`` (off the event
    loop, as a server does), else built here from ``mind_config``."""
    mind = mind or call_mind(patient_id, call_dir, today, mind_config)
    if not settings.listener.prompt:
        settings.listener.prompt = mind.hotwords
    conversation = Conversation(
        clock=clock,
        timeline=timeline,
        mind=mind,
        vad=engines.new_vad(),
        recognizer=engines.recognizer,
        synthesizer=engines.synthesizer,
        source=source,
        sink=sink,
        settings=settings,
        perception=(
            perception
            if perception is not None
            else engines.new_perception(PerceptionLayer.model_validate(mind.persona.perception))
        ),
        camera=camera,
    )
    return conversation, mind


def call_mind(
    patient_id: str, call_dir: Path, today: date, config: MindConfig | None = None
) -> GroundedMind:
    """The mind of one flagship call, its clinic database in ``call_dir``. Blocking (documents
    are embedded, memory is read): a server calls it on a thread."""
    db_path = call_dir / "clinic.sqlite3"
    db_path.unlink(missing_ok=True)
    return build_mind(patient_id, db_path, today, config, POST_DISCHARGE_DIR)


def remember_call(
    config: MindConfig | None, outcome: dict[str, Any], conversation_id: str, day: date
) -> MemoryStored | None:
    """Write what the call leaves in the person's memory stores, if it was given any; the
    event to record on the timeline. Blocking (a database write)."""
    if config is None or config.memory is None or not config.memory_stores:
        return None
    items = memories_from_call(outcome, day)
    if items:
        config.memory.remember(config.memory_stores, items, conversation_id)
    return MemoryStored(
        memory_stores=list(config.memory_stores), items=[i.as_dict() for i in items]
    )


def call_outcome(
    result: ConversationResult,
    events: list[BaseEvent],
    patient_id: str,
    started: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The outcome record of a finished call (``started`` is its ``perf_counter`` start)."""
    return {
        **(extra or {}),
        "patient_id": patient_id,
        **result.outcome,
        "end_reason": result.reason,
        "duration": result.duration,
        "turns": sum(1 for e in events if isinstance(e, Utterance) and e.role == "user"),
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def _clock_label(t: float) -> str:
    minutes, seconds = divmod(t, 60.0)
    return f"{int(minutes):02d}:{seconds:05.2f}"


def transcript_text(events: list[BaseEvent]) -> str:
    """Who said what, when: one line per utterance in order of its start (a user's turn is
    recorded when it ends, after an agent's "mm-hm" inside it), agent cuts marked."""
    lines = []
    utterances = [e for e in events if isinstance(e, Utterance)]
    for event in sorted(utterances, key=lambda e: e.start):
        who = "Agent  " if event.role == "replica" else "Patient"
        cut = "  [interrupted]" if event.interrupted else ""
        lines.append(f"[{_clock_label(event.start)}] {who}: {event.speech}{cut}")
    return "\n".join(lines) + "\n"

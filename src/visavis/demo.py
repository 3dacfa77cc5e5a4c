"""The flagship demo: a whole post-discharge call with a simulated patient, written to a folder.

``run_demo`` builds the embedded engines, the flagship mind for the scenario's patient, a
simulated patient on a simulated line, and runs one ``Conversation`` on the virtual clock (or the
real one). It writes ``timeline.jsonl``, ``transcript.txt``, ``call.wav`` and ``outcome.json``,
``call.mp4`` (the avatar lip-synced to the call's audio, unless ``video=False``), and
``patient.json``: what the simulated patient heard and said.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visavis.calls import CallSession
from visavis.engines import Engines, load_engines
from visavis.face import DEFAULT_AVATAR, VideoStats, write_call_video
from visavis.mind.base import outcome_value
from visavis.mind.build import MindConfig
from visavis.paths import SCENARIOS_FILE
from visavis.runtime.clock import ClockKind
from visavis.runtime.events import BaseEvent, ReplicaStoppedSpeaking, TurnDecision, TurnLatency
from visavis.sim.camera import PatientCamera
from visavis.sim.patient import REPEAT_RATE, SimulatedPatient
from visavis.sim.scenarios import Scenario, get_scenario, load_scenarios
from visavis.store.recall import StoredMemory
from visavis.transport.simulated import SimulatedLine
from visavis.turns.settings import TurnSettings

SCENARIOS = SCENARIOS_FILE


@dataclass
class DemoResult:
    scenario: str
    outcome: dict[str, Any]
    reason: str
    duration: float
    out_dir: Path
    problems: list[str] = field(default_factory=list)
    latencies: list[TurnLatency] = field(default_factory=list)
    video: VideoStats | None = None


def list_scenarios(path: Path = SCENARIOS) -> dict[str, Scenario]:
    return load_scenarios(path)


async def run_demo(
    scenario_name: str,
    out_dir: Path,
    *,
    clock_kind: ClockKind = "virtual",
    scenarios_path: Path = SCENARIOS,
    engines: Engines | None = None,
    on_event: Callable[[BaseEvent], None] | None = None,
    max_call_duration: float = 300.0,
    turns: TurnSettings | None = None,
    video: bool = True,
    avatar: str | None = None,
    on_progress: Callable[[str], None] | None = None,
    memory_dir: Path | None = None,
    mind_config: MindConfig | None = None,
) -> DemoResult:
    """Run one scenario end to end and write its files into ``out_dir``. A scenario with a
    ``memory_store`` recalls from and remembers into ``memory_dir`` (a local SQLite file);
    ``mind_config``: an LLM, other documents (default: the embedded engine and the example's
    documents)."""
    scenario = get_scenario(scenarios_path, scenario_name)
    mind_config = mind_config or MindConfig()
    if scenario.memory_store and memory_dir is not None:
        mind_config.memory = StoredMemory.local(memory_dir)
        mind_config.memory_stores = [scenario.memory_store]
    if turns is None and scenario.turn_taking_patience is not None:
        turns = TurnSettings()
        turns.set_patience(scenario.turn_taking_patience)
    engines = engines or load_engines(deterministic=clock_kind == "virtual")
    session = CallSession(out_dir, clock_kind, on_event)
    v = scenario.voice
    voice = engines.voice(
        v.engine, v.voice, v.rate_wpm, v.pitch if v.engine == "espeak" else v.semitones
    )
    # A line said again comes more slowly (espeak-ng voices, whose rate is a parameter).
    repeat_voice = (
        engines.voice("espeak", v.voice, round(v.rate_wpm * REPEAT_RATE), v.pitch)
        if v.engine == "espeak"
        else None
    )
    # Only scenarios that declare a camera are filmed: the others are phone-like calls.
    camera = PatientCamera.for_scenario(scenario) if "camera" in scenario.model_fields_set else None
    patient = SimulatedPatient(
        scenario, session.clock, engines.recognizer, voice, camera=camera, repeat_voice=repeat_voice
    )
    line = SimulatedLine(session.clock, patient, recorder=session.recorder)
    patient_task = asyncio.create_task(patient.run(), name="simulated-patient")
    try:
        record = await session.run(
            patient_id=scenario.patient_id,
            engines=engines,
            source=line,
            sink=line,
            conversation_id=f"demo-{scenario_name}",
            scenario=scenario_name,
            max_call_duration=max_call_duration,
            turns=turns,
            extra_outcome={"scenario": scenario_name},
            camera=camera.frames(session.clock, max_call_duration) if camera else None,
            mind_config=mind_config,
        )
    finally:
        patient.hung_up = True
        patient_task.cancel()
        await asyncio.gather(patient_task, return_exceptions=True)
        session.close()
    # What the simulated patient heard (its own ASR) and said: the first place to look when a
    # scenario goes astray.
    patient_log = {
        "heard": [{"t": t, "text": text, "intent": intent} for t, text, intent in patient.heard],
        "said": [
            {"t": t, "end": end, "text": text}
            for (t, text), (_, end) in zip(patient.said, patient.spans, strict=True)
        ],
    }
    (out_dir / "patient.json").write_text(json.dumps(patient_log, indent=2) + "\n")
    stats = None
    if video:
        if on_progress is not None:
            on_progress(f"rendering the avatar video ({record.duration:.0f} s of call) ...")
        # Rendering is CPU work: off the event loop, on a worker thread.
        face = avatar or session.avatar or DEFAULT_AVATAR
        stats = await asyncio.to_thread(
            write_call_video, record.events, out_dir / "call.wav", out_dir / "call.mp4", face
        )
    return DemoResult(
        scenario=scenario_name,
        outcome=record.outcome,
        reason=record.reason,
        duration=record.duration,
        out_dir=out_dir,
        problems=check_expectations(scenario.expect, record.outcome, record.events, patient.spans),
        latencies=record.latencies,
        video=stats,
    )


def cut_ins(events: list[BaseEvent], spans: list[tuple[float, float]]) -> list[float]:
    """When the agent decided to answer while the patient was still inside a line."""
    return [
        e.t
        for e in events
        if isinstance(e, TurnDecision)
        and e.action == "respond"
        and e.reason != "reprompt"
        and any(start < e.t < end - 0.05 for start, end in spans)
    ]


def check_expectations(
    expect: dict[str, Any],
    outcome: dict[str, Any],
    events: list[BaseEvent],
    spans: list[tuple[float, float]] | None = None,
) -> list[str]:
    """What differs between a scenario's expected outcome and the call's actual one
    (``spans``: when the patient spoke, for ``cut_ins``)."""
    problems = []
    for key, wanted in expect.items():
        if key == "cut_ins":
            at = cut_ins(events, spans or [])
            if len(at) > wanted:
                problems.append(f"{key}: wanted at most {wanted}, got {len(at)} (at {at})")
            continue
        if key == "interrupted_replies":
            got: Any = sum(
                1 for e in events if isinstance(e, ReplicaStoppedSpeaking) and e.interrupted
            )
            if got < wanted:
                problems.append(f"{key}: wanted at least {wanted}, got {got}")
            continue
        got = outcome_value(outcome, key)
        if isinstance(wanted, list):
            got_list = [str(x).lower() for x in (got or [])]
            missing = [w for w in wanted if not any(str(w).lower() in g for g in got_list)]
            if missing:
                problems.append(f"{key}: wanted {wanted}, got {got}")
        elif got != wanted:
            problems.append(f"{key}: wanted {wanted!r}, got {got!r}")
    return problems

"""The flagship demo: a whole post-discharge call with a simulated patient, written to a folder.

``run_demo`` builds the embedded engines, the flagship mind for the scenario's patient, a
simulated patient on a simulated line, and runs one ``Conversation`` on the virtual clock (or the
real one). It writes ``timeline.jsonl``, ``transcript.txt``, ``call.wav`` and ``outcome.json``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from visavis.conversation import Conversation, ConversationSettings
from visavis.engines import Engines, load_engines
from visavis.mind import load_flagship_mind
from visavis.paths import SCENARIOS_FILE
from visavis.runtime.clock import ClockKind, make_clock
from visavis.runtime.events import BaseEvent, ReplicaStoppedSpeaking, TurnLatency, Utterance
from visavis.runtime.timeline import Timeline
from visavis.sim.patient import SimulatedPatient
from visavis.sim.scenarios import Scenario, get_scenario, load_scenarios
from visavis.transport.simulated import SimulatedLine

SCENARIOS = SCENARIOS_FILE
#: Calls on the virtual clock happen on a fixed day, so slots and outcomes are reproducible.
DEMO_DAY = date(2026, 11, 23)  # a Monday: follow-up slots fall on the next weekdays


@dataclass
class DemoResult:
    scenario: str
    outcome: dict[str, Any]
    reason: str
    duration: float
    out_dir: Path
    problems: list[str] = field(default_factory=list)
    latencies: list[TurnLatency] = field(default_factory=list)


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
) -> DemoResult:
    """Run one scenario end to end and write its artefacts into ``out_dir``."""
    scenario = get_scenario(scenarios_path, scenario_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    engines = engines or load_engines()
    clock = make_clock(clock_kind)
    timeline = Timeline(clock, sink=out_dir / "timeline.jsonl")
    if on_event is not None:
        timeline.subscribe(on_event)
    today = DEMO_DAY if clock_kind == "virtual" else date.today()
    db_path = out_dir / "clinic.sqlite3"
    db_path.unlink(missing_ok=True)
    mind = load_flagship_mind(scenario.patient_id, db_path, today)
    v = scenario.voice
    pitch = v.pitch if v.engine == "espeak" else v.semitones
    voice = engines.voice(v.engine, v.voice, v.rate_wpm, pitch)
    patient = SimulatedPatient(scenario, clock, engines.recognizer, voice)
    line = SimulatedLine(clock, patient)
    conversation = Conversation(
        clock=clock,
        timeline=timeline,
        mind=mind,
        vad=engines.new_vad(),
        recognizer=engines.recognizer,
        synthesizer=engines.synthesizer,
        source=line,
        sink=line,
        settings=ConversationSettings(
            conversation_id=f"demo-{scenario_name}",
            persona_name="post_discharge",
            scenario=scenario_name,
            max_call_duration=max_call_duration,
        ),
    )
    patient_task = asyncio.create_task(patient.run(), name="simulated-patient")
    started = time.perf_counter()
    try:
        result = await conversation.run()
    finally:
        patient.hung_up = True
        patient_task.cancel()
        await asyncio.gather(patient_task, return_exceptions=True)
        timeline.close()
        clock.close()
    outcome = {
        "scenario": scenario_name,
        "patient_id": scenario.patient_id,
        **result.outcome,
        "end_reason": result.reason,
        "duration": result.duration,
        "turns": sum(1 for e in timeline.of_type(Utterance) if e.role == "user"),
        "wall_seconds": round(time.perf_counter() - started, 2),
    }
    timeline.write_jsonl(out_dir / "timeline.jsonl")
    (out_dir / "transcript.txt").write_text(transcript_text(timeline.events), encoding="utf-8")
    (out_dir / "outcome.json").write_text(json.dumps(outcome, indent=2, default=str) + "\n")
    line.recorder.write(out_dir / "call.wav")
    # What the simulated patient heard (its own ASR) and said: the first place to look when a
    # scenario goes astray.
    patient_log = {
        "heard": [{"t": t, "text": text, "intent": intent} for t, text, intent in patient.heard],
        "said": [{"t": t, "text": text} for t, text in patient.said],
    }
    (out_dir / "patient.json").write_text(json.dumps(patient_log, indent=2) + "\n")
    return DemoResult(
        scenario=scenario_name,
        outcome=outcome,
        reason=result.reason,
        duration=result.duration,
        out_dir=out_dir,
        problems=check_expectations(scenario.expect, outcome, timeline.events),
        latencies=timeline.of_type(TurnLatency),
    )


def _clock_label(t: float) -> str:
    minutes, seconds = divmod(t, 60.0)
    return f"{int(minutes):02d}:{seconds:05.2f}"


def transcript_text(events: list[BaseEvent]) -> str:
    """Who said what, when: one line per utterance, agent cuts marked."""
    lines = []
    for event in events:
        if isinstance(event, Utterance):
            who = "Agent  " if event.role == "replica" else "Patient"
            cut = "  [interrupted]" if event.interrupted else ""
            lines.append(f"[{_clock_label(event.start)}] {who}: {event.speech}{cut}")
    return "\n".join(lines) + "\n"


def _find(values: Any, key: str) -> Any:
    """A key anywhere in nested outcome dicts (output variables live under objectives)."""
    if isinstance(values, dict):
        if key in values:
            return values[key]
        for value in values.values():
            found = _find(value, key)
            if found is not None:
                return found
    return None


def check_expectations(
    expect: dict[str, Any], outcome: dict[str, Any], events: list[BaseEvent]
) -> list[str]:
    """What differs between a scenario's expected outcome and the call's actual one."""
    problems = []
    for key, wanted in expect.items():
        if key == "interrupted_replies":
            got: Any = sum(
                1 for e in events if isinstance(e, ReplicaStoppedSpeaking) and e.interrupted
            )
            if got < wanted:
                problems.append(f"{key}: wanted at least {wanted}, got {got}")
            continue
        got = _find(outcome, key)
        if isinstance(wanted, list):
            got_list = [str(x).lower() for x in (got or [])]
            missing = [w for w in wanted if not any(str(w).lower() in g for g in got_list)]
            if missing:
                problems.append(f"{key}: wanted {wanted}, got {got}")
        elif got != wanted:
            problems.append(f"{key}: wanted {wanted!r}, got {got!r}")
    return problems

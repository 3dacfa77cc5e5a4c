"""The perception stage beside a loop: thinking pauses from speech events, turn summaries,
the end-of-call report, and frames that never hold anything up."""

from __future__ import annotations

import asyncio

import numpy as np
from tests.perception.test_cues import face

from visavis.perception.stage import PerceptionStage
from visavis.perception.types import VisualObservation
from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    PerceptionCue,
    ReplicaStoppedSpeaking,
    TurnDecision,
    UserStartedSpeaking,
    UserStoppedSpeaking,
)
from visavis.runtime.media import VideoFrame
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline


def stage(**kwargs):
    clock = VirtualClock()
    timeline = Timeline(clock)
    tasks = TaskOwner("test")
    return clock, timeline, tasks, PerceptionStage(clock, timeline, tasks, **kwargs)


def cues(timeline: Timeline) -> list[tuple[str, str, float, str]]:
    return [
        (e.cue, e.phase, round(e.t, 2), e.detail)
        for e in timeline.events
        if isinstance(e, PerceptionCue)
    ]


async def test_a_long_silence_after_a_question_is_a_thinking_pause():
    clock, timeline, tasks, _ = stage()
    timeline.emit(ReplicaStoppedSpeaking(reply_id="r1", duration=2.0))
    await clock.sleep(2.5)
    timeline.emit(UserStartedSpeaking(start=2.5))
    await tasks.aclose()
    assert cues(timeline) == [
        ("long_thinking_pause", "start", 2.0, "after the agent's question"),
        ("long_thinking_pause", "end", 2.5, "after the agent's question"),
    ]


async def test_a_quick_answer_is_no_thinking_pause_and_a_decision_ends_a_mid_turn_wait():
    clock, timeline, tasks, _ = stage()
    timeline.emit(ReplicaStoppedSpeaking(reply_id="r1", duration=2.0))
    await clock.sleep(0.6)
    timeline.emit(UserStartedSpeaking(start=0.6))
    await clock.sleep(1.0)
    timeline.emit(UserStoppedSpeaking(start=0.6, end=1.6, duration=1.0))
    await clock.sleep(0.5)
    timeline.emit(TurnDecision(action="respond", reason="silence"))
    await clock.sleep(3.0)
    await tasks.aclose()
    assert cues(timeline) == []


async def test_a_held_floor_pause_is_a_mid_turn_thinking_pause():
    clock, timeline, tasks, _ = stage()
    await clock.sleep(1.0)
    timeline.emit(UserStoppedSpeaking(start=0.0, end=1.0, duration=1.0))
    await clock.sleep(1.5)  # the turns stage held the floor open (the user looked away)
    timeline.emit(UserStartedSpeaking(start=2.5))
    await tasks.aclose()
    assert [c[:2] for c in cues(timeline)] == [
        ("long_thinking_pause", "start"),
        ("long_thinking_pause", "end"),
    ]


async def test_turn_summary_and_report_from_observations():
    _, timeline, tasks, perception = stage(analyzer=object())  # frames come in via observe()
    for i in range(40):
        t = i / 10
        away = 1.0 <= t < 3.0
        perception.observe(
            VisualObservation(
                t=t,
                faces=(
                    face(gaze_at_camera=0.1 if away else 0.9, brow_furrow=0.8 if away else 0.1),
                ),
            )
        )
    seen = perception.turn_summary(0.5, 3.5, "um, the water pill")
    assert seen.visual is not None and "looked away" in seen.visual and "frowned" in seen.visual
    assert seen.hesitant
    assert {"looks_away", "frowning"} <= set(seen.cues)
    report = perception.report(4.0)
    assert report["frames_analyzed"] == 40 and report["face_visible_share"] == 1.0
    assert 0.4 < report["attention_share"] < 0.6
    assert report["cue_counts"] == {"looks_away": 1, "frowning": 1}
    away = next(m for m in report["moments"] if m["cue"] == "looks_away")
    assert away["t"] == 1.0 and away["duration"] == 2.0
    assert "looked at the camera" in report["summary"]
    await tasks.aclose()


class SlowAnalyzer:
    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, rgb: np.ndarray, t: float) -> VisualObservation:
        self.calls += 1
        if rgb.ndim != 3:
            raise ValueError("not an image")
        import time

        time.sleep(0.05)  # slower than frames arrive
        return VisualObservation(t=t, faces=(face(),))


async def test_frames_are_dropped_while_busy_and_a_corrupt_frame_costs_only_itself():
    analyzer = SlowAnalyzer()
    _, _, tasks, perception = stage(analyzer=analyzer)

    async def camera():
        for i in range(30):
            image = np.zeros((48, 64, 3), np.uint8) if i != 3 else np.zeros(7, np.uint8)
            yield VideoFrame(image=image, t=i / 30)
            await asyncio.sleep(1 / 30)

    await perception.watch(camera())
    await tasks.aclose()
    assert perception.frames_seen == 30
    assert analyzer.calls < 30 and perception.frames_dropped > 0
    assert len(perception.observations) == analyzer.calls - (1 if analyzer.calls > 3 else 0) or (
        len(perception.observations) >= analyzer.calls - 1
    )
    assert perception.state.face_present


async def test_awareness_queries_are_answered_per_turn_and_for_the_call():
    from visavis.perception.stage import PerceptionSettings

    settings = PerceptionSettings(
        visual_queries=("Is anyone else in the room? => faces >= 2",),
        analysis_queries=("Did the user frown at any point?", "Is the user wearing glasses?"),
    )
    _, _, tasks, perception = stage(analyzer=object(), settings=settings)
    for i in range(30):
        t = i / 10
        faces = (face(), face(gaze_at_camera=0.2)) if t >= 1.0 else (face(),)
        perception.observe(VisualObservation(t=t, faces=faces))
    early = perception.turn_summary(0.0, 0.4)
    late = perception.turn_summary(1.5, 2.9)
    assert early.visual.endswith("Is anyone else in the room? No.")
    assert late.visual.endswith("Is anyone else in the room? Yes.")
    answers = {q["query"]: q["answer"] for q in perception.report(3.0)["queries"]}
    assert answers == {
        "Did the user frown at any point?": False,
        "Is the user wearing glasses?": None,
    }
    await tasks.aclose()


async def test_a_perception_tool_fires_once_with_its_frame_which_is_never_stored(tmp_path):
    from visavis.perception.stage import PerceptionSettings, PerceptionTool
    from visavis.runtime.events import PerceptionToolCall

    class Analyzer:
        def analyze(self, rgb, t):
            n = 2 if t >= 1.0 else 1
            return VisualObservation(t=t, faces=tuple(face() for _ in range(n)))

    tool = PerceptionTool("notice_someone_else", "faces >= 2")
    clock = VirtualClock()
    timeline = Timeline(clock, sink=tmp_path / "timeline.jsonl")
    tasks = TaskOwner("test")
    perception = PerceptionStage(
        clock, timeline, tasks, analyzer=Analyzer(), settings=PerceptionSettings(tools=(tool,))
    )

    async def camera():
        for i in range(30):
            yield VideoFrame(image=np.full((120, 160, 3), 90, np.uint8), t=i / 10)

    await perception.watch(camera())
    await tasks.aclose()
    calls = timeline.of_type(PerceptionToolCall)
    assert len(calls) == 1 and calls[0].name == "notice_someone_else"
    assert calls[0].frames and calls[0].to_protocol("c1")["properties"]["frames"] == calls[0].frames
    # The frame goes to the application live, and to no file or database.
    timeline.close()
    assert "frames" not in calls[0].properties()
    assert calls[0].frames[0] not in (tmp_path / "timeline.jsonl").read_text()


async def test_a_voice_with_still_lips_is_flagged_as_maybe_someone_elses():
    _, _, tasks, perception = stage(analyzer=object())
    for i in range(20):
        t = i / 10
        moving = 0.4 if i % 2 else 0.05
        perception.observe(VisualObservation(t=t, faces=(face(mouth_open=moving),)))
    for i in range(20, 40):
        perception.observe(VisualObservation(t=i / 10, faces=(face(mouth_open=0.01),)))
    speaking = perception.turn_summary(0.0, 1.9)
    silent = perception.turn_summary(2.5, 3.9)
    assert "someone else" not in speaking.visual
    assert "voice may be someone else's" in silent.visual
    assert perception.evidence(0.0, 1.9).metrics["mouth_motion"] > 0.2
    await tasks.aclose()

"""Whole-call perception as running totals: the same figures as reading every frame back, while
the stage keeps only a recent window of raw frames however long the call."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.perception.test_cues import face

from visavis.perception.stage import PerceptionSettings, PerceptionStage
from visavis.perception.summary import mouth_motion
from visavis.perception.totals import BIN_SECONDS, CallTotals
from visavis.perception.types import EXPRESSIONS, ProsodyFrame, VisualObservation
from visavis.runtime.clock import VirtualClock
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline


def observations(seconds: float, fps: float = 10.0) -> list[VisualObservation]:
    rng = np.random.default_rng(7)
    out = []
    for i in range(int(seconds * fps)):
        t = i / fps
        scores = rng.dirichlet(np.ones(len(EXPRESSIONS)))
        expression = dict(zip(EXPRESSIONS, map(float, scores), strict=True))
        user = face(
            gaze_at_camera=float(rng.random()),
            smile=float(rng.random()),
            mouth_open=float(rng.random()),
            yaw=float(rng.normal(0, 10)),
        )
        if i % 3:
            user = dataclasses.replace(user, expression=expression)
        faces = () if i % 17 == 0 else (user,)
        if i % 50 == 0:
            faces = (*faces, face())
        out.append(VisualObservation(t=t, faces=faces))
    return out


def prosody(seconds: float) -> list[ProsodyFrame]:
    rng = np.random.default_rng(3)
    frames = []
    for i in range(int(seconds * 50)):
        voiced = i % 4 != 0
        hz = float(rng.uniform(90, 250)) if voiced else None
        frames.append(ProsodyFrame(i / 50, 0.02, hz, float(rng.uniform(-50, -20)), voiced))
    return frames


def test_the_totals_match_the_frames_they_fold_in():
    obs, frames = observations(60.0), prosody(60.0)
    totals = CallTotals()
    for o in obs:
        totals.add_observation(o)
    for f in frames:
        totals.add_prosody(f)
    visible = [o for o in obs if o.face is not None]
    metrics = totals.metrics()
    assert totals.frames == len(obs) and totals.visible == len(visible)
    assert totals.looking == sum(o.face.gaze_at_camera >= 0.5 for o in visible)
    assert metrics["faces"] == 2.0
    assert metrics["smile"] == pytest.approx(np.mean([o.face.smile for o in visible]))
    assert metrics["yaw"] == pytest.approx(np.mean([o.face.yaw for o in visible]))
    assert metrics["gaze"] == pytest.approx(np.mean([o.face.gaze_at_camera for o in visible]))
    assert metrics["mouth_motion"] == pytest.approx(mouth_motion(obs))
    voiced = [f for f in frames if f.voiced and f.pitch_hz]
    assert metrics["pitch_hz"] == pytest.approx(np.median([f.pitch_hz for f in voiced]), abs=0.5)
    assert metrics["energy_db"] == pytest.approx(np.mean([f.energy_db for f in voiced]))
    scores = [o.face.expression for o in visible if o.face.expression]
    baseline = totals.expression_baseline()
    for name in EXPRESSIONS:
        assert baseline[name] == pytest.approx(np.mean([s[name] for s in scores]))
    bins = totals.expressions()
    assert len(bins) == int(60.0 // BIN_SECONDS)
    first = [o.face.expression for o in visible if o.face.expression and o.t < BIN_SECONDS]
    assert bins[0]["scores"]["happy"] == pytest.approx(
        np.mean([s["happy"] for s in first]), abs=1e-3
    )


def test_no_frames_no_figures():
    assert CallTotals().metrics() == {} and CallTotals().expression_baseline() == {}
    assert CallTotals().expressions() == []


async def test_the_stage_keeps_a_window_of_frames_and_the_whole_call_in_totals():
    clock = VirtualClock()
    tasks = TaskOwner("test")
    settings = PerceptionSettings(history_seconds=20.0)
    perception = PerceptionStage(
        clock, Timeline(clock), tasks, analyzer=object(), settings=settings
    )

    class Tracker:
        def __init__(self) -> None:
            self.frames = iter(prosody(120.0))

        def push(self, chunk):
            return next(self.frames)

    perception.prosody = Tracker()
    obs = observations(120.0)
    for o in obs:
        perception.observe(o)
    for _ in range(120 * 50):
        perception.push_audio(None)  # type: ignore[arg-type]
    # Only the last 20 s of raw frames are kept...
    assert perception.observations[0].t >= obs[-1].t - 20.0 - 1e-9
    assert len(perception.observations) == 201
    assert perception.prosody_frames[0].t >= 120.0 - 20.0 - 0.02 - 1e-9
    # ...while the report covers the whole call.
    report = perception.report(120.0)
    assert report["frames_analyzed"] == len(obs)
    assert report["expressions"][0]["start"] == 0.0 and len(report["expressions"]) == 12
    assert perception.whole_call(120.0).metrics["mouth_motion"] == pytest.approx(mouth_motion(obs))
    # A turn inside the window reads the raw frames as before.
    summary = perception.turn_summary(110.0, 115.0)
    assert summary.visual and summary.visual.startswith("The user")
    await tasks.aclose()

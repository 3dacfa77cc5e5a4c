"""Each cue from observation sequences: it starts only after its condition holds, ends only
after it is clearly gone, and one odd frame changes nothing."""

from __future__ import annotations

import math

from visavis.perception.cues import CueDetector
from visavis.perception.types import FaceBox, FaceFeatures, VisualObservation

FPS = 10


def face(**changes: float) -> FaceFeatures:
    values = dict(
        yaw=0.0,
        pitch=0.0,
        roll=0.0,
        gaze_at_camera=0.9,
        eye_closure=0.1,
        brow_furrow=0.1,
        brow_raise=0.1,
        smile=0.1,
        mouth_open=0.0,
    )
    values.update(changes)
    return FaceFeatures(box=FaceBox(0.3, 0.2, 0.4, 0.5, 0.95), **values)  # type: ignore[arg-type]


def run(frames: list[tuple[float, tuple[FaceFeatures, ...]]]) -> list[tuple[str, str, float]]:
    detector = CueDetector()
    out = []
    for t, faces in frames:
        for cue in detector.update(VisualObservation(t=t, faces=faces)):
            out.append((cue.cue, cue.phase, round(cue.start if cue.phase != "end" else cue.end, 2)))
    return out


def timeline(seconds: float, at: callable) -> list[tuple[float, tuple[FaceFeatures, ...]]]:  # type: ignore[valid-type]
    return [(i / FPS, at(i / FPS)) for i in range(int(seconds * FPS))]


def test_looking_away_starts_after_it_lasts_and_ends_when_gaze_returns():
    cues = run(timeline(6, lambda t: (face(gaze_at_camera=0.1 if 1 <= t < 4 else 0.9),)))
    assert cues == [("looks_away", "start", 1.0), ("looks_away", "end", 4.0)]
    # A glance (0.5 s) is not looking away.
    assert run(timeline(4, lambda t: (face(gaze_at_camera=0.1 if 1 <= t < 1.5 else 0.9),))) == []


def test_frowning_and_smiling_with_hysteresis():
    def furrow(t: float) -> float:
        if 1 <= t < 3:
            return 0.7
        return 0.42 if 3 <= t < 3.5 else 0.1  # between the thresholds: still frowning

    cues = run(timeline(5, lambda t: (face(brow_furrow=furrow(t)),)))
    assert cues == [("frowning", "start", 1.0), ("frowning", "end", 3.5)]
    cues = run(timeline(4, lambda t: (face(smile=0.8 if t >= 2 else 0.0),)))
    assert cues == [("smiling", "start", 2.0)]


def test_one_odd_frame_changes_nothing():
    cues = run(timeline(4, lambda t: (face(brow_furrow=0.9 if abs(t - 2) < 0.05 else 0.1),)))
    assert cues == []


def test_eyes_closed_needs_longer_than_a_blink():
    blinks = run(timeline(4, lambda t: (face(eye_closure=1.0 if (t % 1.0) < 0.3 else 0.0),)))
    assert blinks == []
    closed = run(timeline(4, lambda t: (face(eye_closure=0.95 if t >= 1 else 0.0),)))
    assert closed == [("eyes_closed", "start", 1.0)]


def test_leaving_the_frame_and_coming_back():
    cues = run(timeline(6, lambda t: () if 2 <= t < 4 else (face(),)))
    assert cues == [("left_frame", "start", 2.0), ("left_frame", "end", 4.0)]
    # A call that starts before the person sits down is not "left the frame".
    assert run(timeline(3, lambda t: () if t < 2 else (face(),))) == []


def test_a_second_person_appears():
    cues = run(timeline(5, lambda t: (face(), face(gaze_at_camera=0.5)) if t >= 2 else (face(),)))
    assert cues == [("second_person", "start", 2.0)]


def oscillate(axis: str, start: float, hz: float = 2.5, amplitude: float = 10.0):
    def at(t: float) -> tuple[FaceFeatures, ...]:
        if not start <= t < start + 1.2:
            return (face(),)
        angle = amplitude * math.sin(2 * math.pi * hz * (t - start))
        return (face(**{axis: angle}),)

    return at


def test_nodding_and_head_shakes_are_told_apart():
    nod = run(timeline(4, oscillate("pitch", 1.0)))
    assert [c[:2] for c in nod] == [("nodding", "moment")]
    shake = run(timeline(4, oscillate("yaw", 1.0)))
    assert [c[:2] for c in shake] == [("head_shake", "moment")]
    # Small jitter is neither.
    assert run(timeline(4, oscillate("pitch", 1.0, amplitude=2.0))) == []


def test_looking_down_at_notes_is_not_a_nod_but_one_quick_dip_is():
    cues = run(timeline(4, lambda t: (face(pitch=15.0 if 1 <= t < 3 else 0.0),)))
    assert not any(c[0] == "nodding" for c in cues)
    dip = run(
        timeline(
            3,
            lambda t: (
                face(pitch=10 * math.sin(math.pi * (t - 1) / 0.5) if 1 <= t < 1.5 else 0.0),
            ),
        )
    )
    assert [c[:2] for c in dip] == [("nodding", "moment")]


def test_turning_aside_once_is_not_a_head_shake():
    cues = run(
        timeline(
            3,
            lambda t: (face(yaw=12 * math.sin(math.pi * (t - 1) / 0.6) if 1 <= t < 1.6 else 0.0),),
        )
    )
    assert not any(c[0] == "head_shake" for c in cues)

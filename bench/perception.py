"""Perception benchmarks: speed and accuracy of the camera pass, cues, and the audio side.

Run: ``.venv/bin/python bench/perception.py [--no-write]`` (pinned to one core, one thread).

Vision: milliseconds per frame (p50/p95) at 640x480 and 1280x720 for the full and the fast pass;
detection on real photos (the skimage astronaut, Grace Hopper, the cameraman, and 100 LFW faces
against 100 LFW non-faces); head-pose error against our avatar renderer's known angles; and
precision/recall of the binary readings (smiling, frowning, eyes closed, looking away) over a
labelled set of avatar frames generated with known parameters.

Cues on scripted camera clips, prosody cost per audio chunk and the share of a core a call's
perception takes come from ``bench/perception_cues.py``. Each part is a function returning
markdown lines; ``SECTIONS`` lists them in order.
"""

from __future__ import annotations

import argparse
import contextlib
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from perception_cues import audio_and_share, cue_accuracy  # noqa: E402
from report import machine, write_section  # noqa: E402
from visavis.face import make_renderer  # noqa: E402
from visavis.face.params import FaceParams  # noqa: E402
from visavis.models import install_models, locate  # noqa: E402
from visavis.perception.vision import FrameAnalyzer  # noqa: E402
from visavis.perception.vision.features import THRESHOLDS  # noqa: E402

AVATARS = ("ava", "sam", "lin")
#: The renderer's degrees per unit of head_yaw / head_pitch / head_roll (visavis.face.geometry).
YAW_DEG, PITCH_DEG, ROLL_DEG = 24.0, 14.0, 12.0
TIMED_FRAMES = 150
LABELLED_FRAMES = 240


def _rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _photos() -> dict[str, np.ndarray]:
    skimage = locate("data.image.skimage")
    return {
        "astronaut": _rgb(skimage / "astronaut.png"),
        "grace_hopper": _rgb(locate("data.image.grace-hopper")),
        "camera": _rgb(skimage / "camera.png"),
    }


def _scene(face: np.ndarray, size: tuple[int, int], face_px: int) -> np.ndarray:
    """A webcam-like frame: a grey room with the (square) face image centred, ``face_px`` high."""
    h, w = size
    frame = np.full((h, w, 3), (118, 112, 104), np.uint8)
    s = min(face_px, h)
    face = cv2.resize(face, (s, s), interpolation=cv2.INTER_AREA)
    y, x = (h - s) // 2, (w - s) // 2
    frame[y : y + s, x : x + s] = face
    return frame


def _timings(analyzer: FrameAnalyzer, frames: list[np.ndarray], fast: bool) -> tuple[float, float]:
    for frame in frames[:10]:
        analyzer.analyze(frame, 0.0, fast=fast)
    times = []
    for frame in frames:
        start = time.perf_counter()
        analyzer.analyze(frame, 0.0, fast=fast)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def vision_speed(analyzer: FrameAnalyzer) -> list[str]:
    renderer = make_renderer("ava", 512)
    rng = np.random.default_rng(0)
    faces = []
    for _ in range(TIMED_FRAMES):  # a listener's small movements, every frame different
        p = FaceParams(
            head_yaw=rng.uniform(-0.4, 0.4),
            head_pitch=rng.uniform(-0.3, 0.3),
            smile=rng.uniform(0, 0.6),
            jaw_open=rng.uniform(0, 0.3),
        )
        faces.append(np.array(renderer.render(p)))
    rows = ["| frame | pass | p50 ms | p95 ms |", "|---|---|---|---|"]
    for size in ((480, 640), (720, 1280)):
        frames = [_scene(f, size, int(size[0] * 0.9)) for f in faces]
        for fast in (False, True):
            p50, p95 = _timings(analyzer, frames, fast)
            name = "fast (detect + mesh)" if fast else "full (+ iris, brows, expression)"
            rows.append(f"| {size[1]}x{size[0]}, one face | {name} | {p50:.1f} | {p95:.1f} |")
            print(rows[-1])
    empty = [np.full((480, 640, 3), 100 + i % 50, np.uint8) for i in range(TIMED_FRAMES)]
    p50, p95 = _timings(analyzer, empty, False)
    rows.append(f"| 640x480, no face | full | {p50:.1f} | {p95:.1f} |")
    return [
        "### Speed (one core, one thread)",
        "",
        f"{TIMED_FRAMES} animated avatar frames per row (face about 0.6 of the frame height).",
        "",
        *rows,
    ]


def vision_real(analyzer: FrameAnalyzer) -> list[str]:
    lines = [
        "### Real photographs",
        "",
        "| photo | faces | yaw | pitch | roll | gaze | smile | top expression |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, photo in _photos().items():
        obs = analyzer.analyze(photo, 0.0)
        f = obs.face
        if f is None:
            lines.append(f"| {name} | 0 | | | | | | |")
            continue
        top = max(f.expression, key=f.expression.get) if f.expression else "-"
        lines.append(f"| {name} | {len(obs.faces)} | {f.yaw:.0f} | {f.pitch:.0f} | {f.roll:.0f} | "
                     f"{f.gaze_at_camera:.2f} | {f.smile:.2f} | {top} |")  # fmt: skip
    lfw = np.load(locate("data.image.skimage") / "lfw_subset.npy")  # 100 faces, then 100 not
    found, yaws = [], []
    for image in lfw:
        face = cv2.resize((image * 255).astype(np.uint8), (100, 100), interpolation=cv2.INTER_CUBIC)
        frame = np.full((200, 200), 110, np.uint8)
        frame[50:150, 50:150] = face
        obs = analyzer.analyze(frame, 0.0)
        found.append(bool(obs.faces))
        if obs.faces and len(found) <= 100:
            yaws.append(abs(obs.face.yaw))
    hits = np.array(found)
    lines += [
        "",
        f"LFW subset (25x25 grey crops, upscaled to 100 px): faces found in "
        f"{hits[:100].mean():.0%} of 100 faces, in {hits[100:].mean():.0%} of 100 non-faces; "
        f"median |yaw| of the found faces {np.median(yaws):.0f} degrees.",
    ]
    roll_err = []
    photo = _photos()["astronaut"]
    upright = analyzer.analyze(photo, 0.0).face.roll
    for degrees in (-30, -20, -10, 10, 20, 30):
        m = cv2.getRotationMatrix2D((225, 125), -degrees, 1.0)
        turned = cv2.warpAffine(photo, m, (512, 512), borderMode=cv2.BORDER_REFLECT)
        face = analyzer.analyze(turned, 0.0).face
        roll_err.append(abs(face.roll - upright - degrees) if face else np.inf)
    lines.append(
        f"Astronaut rotated by ±10/20/30 degrees: roll error mean {np.mean(roll_err):.1f}, "
        f"max {np.max(roll_err):.1f} degrees."
    )
    return lines


def _labelled_set(rng: np.random.Generator) -> list[tuple[str, FaceParams, dict[str, bool]]]:
    """Avatar frames with known truth: each frame draws one state per binary cue."""
    out = []
    for i in range(LABELLED_FRAMES):
        smiling, frowning, closed = (bool(v) for v in rng.integers(0, 2, 3))
        gaze = ["at", "eyes", "head"][int(rng.integers(3))]
        side = float(rng.choice([-1.0, 1.0]))
        yaw = rng.uniform(-0.2, 0.2) if gaze != "head" else side * rng.uniform(0.9, 1.0)
        gaze_x = side * rng.uniform(0.9, 1.0) if gaze == "eyes" else rng.uniform(-0.15, 0.15)
        p = FaceParams(
            smile=rng.uniform(0.8, 1.0) if smiling else rng.uniform(-0.3, 0.2),
            brow_furrow=rng.uniform(0.8, 1.0) if frowning else rng.uniform(0.0, 0.2),
            blink_left=(b := rng.uniform(0.9, 1.0) if closed else rng.uniform(0.0, 0.3)),
            blink_right=b,
            gaze_x=gaze_x,
            head_yaw=yaw,
            head_pitch=rng.uniform(-0.3, 0.3),
            head_roll=rng.uniform(-0.5, 0.5),
            jaw_open=rng.uniform(0.0, 0.3),
        )
        # Closed eyes do not look at the camera, whatever the head does.
        truth = {"smiling": smiling, "frowning": frowning, "eyes closed": closed,
                 "looking away": gaze != "at" or closed}  # fmt: skip
        out.append((AVATARS[i % 3], p, truth))
    return out


def vision_truth(analyzer: FrameAnalyzer) -> list[str]:
    renderers = {a: make_renderer(a, 512) for a in AVATARS}
    rng = np.random.default_rng(42)
    pose_err: dict[str, list[float]] = {"yaw": [], "pitch": [], "roll": []}
    for _ in range(90):
        avatar = AVATARS[int(rng.integers(3))]
        y, p, r = rng.uniform(-1, 1, 3)
        pose = FaceParams(head_yaw=y, head_pitch=p, head_roll=r)
        face = analyzer.analyze(renderers[avatar].render(pose), 0.0).face
        if face is None:
            continue
        pose_err["yaw"].append(abs(face.yaw - y * YAW_DEG))
        pose_err["pitch"].append(abs(face.pitch - p * PITCH_DEG))
        pose_err["roll"].append(abs(face.roll - r * ROLL_DEG))
    readings = ("smiling", "frowning", "eyes closed", "looking away")
    counts: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in readings}
    missed = 0
    for avatar, params, truth in _labelled_set(rng):
        face = analyzer.analyze(renderers[avatar].render(params), 0.0).face
        if face is None:
            missed += 1
            continue
        said = {
            "smiling": face.smile >= THRESHOLDS["smile"],
            "frowning": face.brow_furrow >= THRESHOLDS["brow_furrow"],
            "eyes closed": face.eye_closure >= THRESHOLDS["eye_closure"],
            "looking away": face.gaze_at_camera < THRESHOLDS["gaze_at_camera"],
        }
        for k, c in counts.items():  # true positives, false positives, misses, true negatives
            c[0 if said[k] and truth[k] else 1 if said[k] else 2 if truth[k] else 3] += 1
    lines = [
        "### Ground truth from the avatar renderer",
        "",
        "Head pose over 90 random poses (yaw ±24, pitch ±14, roll ±12 degrees): mean absolute "
        + ", ".join(f"{k} error {np.mean(v):.1f}" for k, v in pose_err.items())
        + " degrees.",
        "",
        f"Binary readings over {LABELLED_FRAMES} labelled frames (random avatar, pose, mouth; each "
        f"cue on or off at random; cut points {THRESHOLDS}; faces missed: {missed}):",
        "",
        "| reading | precision | recall | positives |",
        "|---|---|---|---|",
    ]
    for k, (tp, fp, fn, _tn) in counts.items():
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        lines.append(f"| {k} | {precision:.2f} | {recall:.2f} | {tp + fn} |")
        print(lines[-1])
    return lines


#: The parts of the perception section, in order (audio parts go here when they exist).
SECTIONS: list[Callable[[FrameAnalyzer], list[str]]] = [
    vision_speed,
    vision_real,
    vision_truth,
    cue_accuracy,
    audio_and_share,
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with contextlib.suppress(AttributeError, OSError):  # one core, really (Linux only)
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    install_models()
    analyzer = FrameAnalyzer(backend="mediapipe")
    lines = ["## Perception", "", f"{machine()}.", ""]
    for part in SECTIONS:
        lines += [*part(analyzer), ""]
    text = "\n".join(lines).rstrip()
    print(text)
    if not args.no_write:
        write_section("perception", text)


if __name__ == "__main__":
    main()

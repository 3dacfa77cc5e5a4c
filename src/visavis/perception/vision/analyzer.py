"""One camera frame in, one ``VisualObservation`` out: faces, their cues, and what is wrong.

The full pass per face: BlazeFace detection (once per frame), the 468-point mesh, the iris model
(gaze and precise eyelids), image-refined brows and the expression model. The fast pass keeps
only detection and the mesh (pose, mesh-based eyes and mouth; no brows, no expression), for when
the call needs the CPU back. Without ai-edge-litert or the model files the analyzer falls back
to OpenCV's Haar cascade: faces and boxes only, every one flagged ``profile`` (detector-only).
"""

from __future__ import annotations

import logging
import time
from typing import Literal

import numpy as np

from visavis.perception.types import FaceBox, FaceFeatures, FrameIssue, VisualObservation
from visavis.perception.vision import features as feat
from visavis.perception.vision import quality
from visavis.perception.vision.brows import brow_heights
from visavis.perception.vision.detector import BlazeFaceDetector, Detection, HaarDetector
from visavis.perception.vision.expression import ExpressionModel, face_gray
from visavis.perception.vision.mesh import FaceMesh, IrisModel, detection_crop
from visavis.perception.vision.tflite import VisionModelError

log = logging.getLogger(__name__)

Backend = Literal["auto", "mediapipe", "haar"]
#: Below this many pixels (face box side, in the <= 640 px working frame) cues get unreliable.
SMALL_FACE_PX = 64
#: When the whole frame shows no face, look again at its centre this much enlarged: BlazeFace
#: short range sees the whole frame at 128 px and misses faces under ~1/6 of its width, which a
#: person sitting back from a laptop easily is.
CENTRE_ZOOM = 2.0
#: |yaw| beyond which the face is "profile": one eye hidden, cues from the far side are guesses.
PROFILE_YAW = 45.0
#: Frames smaller than this on either side cannot hold a usable face.
TINY_FRAME_PX = 32
#: A face the mesh model does not believe in (presence below this) is a detector false positive.
MIN_PRESENCE = 0.5


class FrameAnalyzer:
    """Analyses camera frames; load once (about 30 ms) and reuse for every frame of a call.

    ``backend="auto"`` uses the MediaPipe models when they can run and Haar otherwise;
    ``"mediapipe"`` raises ``VisionModelError`` instead of falling back. Safe to share between
    threads (each model serialises its own calls).
    """

    def __init__(self, max_faces: int = 4, *, backend: Backend = "auto") -> None:
        if max_faces < 1:
            raise ValueError(f"max_faces must be at least 1, got {max_faces}")
        self.max_faces = max_faces
        self.backend: Literal["mediapipe", "haar"] = "haar"
        #: Why the Haar fallback is in use (None when the MediaPipe models run).
        self.fallback_reason: str | None = None
        self._haar: HaarDetector | None = None
        if backend != "haar":
            try:
                self._detector = BlazeFaceDetector()
                self._mesh = FaceMesh()
                self._iris = IrisModel()
                self._expression = ExpressionModel()
                self.backend = "mediapipe"
            except VisionModelError as exc:
                if backend == "mediapipe":
                    raise
                self.fallback_reason = str(exc)
                log.warning("face models unavailable, using the Haar fallback: %s", exc)
        if self.backend == "haar":
            self._haar = HaarDetector()
            self.fallback_reason = self.fallback_reason or "backend='haar' requested"

    def analyze(self, rgb: np.ndarray, t: float, *, fast: bool = False) -> VisualObservation:
        """Analyse one RGB frame taken at conversation time ``t`` (seconds).

        Never raises for odd images: grey, RGBA, float, 16-bit and huge frames are converted
        and read; unreadable ones (NaN, black, tiny) give no faces and the fitting issue.
        ``ValueError`` only for input that is not an image at all (see ``quality.as_rgb8``).
        """
        start = time.perf_counter()
        frame = quality.as_rgb8(rgb)
        height, width = frame.shape[:2]
        work = quality.working_frame(frame)
        gray = quality.luma(work)
        light = quality.brightness(gray)
        issues: list[FrameIssue] = []
        if light < quality.DARK_LUMA:
            issues.append("dark")
        if quality.noise_sigma(gray) > quality.NOISY_SIGMA:
            issues.append("noisy")
        faces: list[FaceFeatures] = []
        if min(height, width) < TINY_FRAME_PX:
            issues.append("small_face")
        else:
            faces = self._faces(work, fast=fast)
            if faces:
                issues += self._face_issues(faces[0], work)
        return VisualObservation(
            t=t,
            faces=tuple(faces),
            issues=tuple(dict.fromkeys(issues)),
            brightness=light,
            width=width,
            height=height,
            compute_ms=(time.perf_counter() - start) * 1000.0,
        )

    def analyze_fast(self, rgb: np.ndarray, t: float) -> VisualObservation:
        """Detection and mesh only (about a third of the full pass): pose, eyes, mouth."""
        return self.analyze(rgb, t, fast=True)

    def _faces(self, work: np.ndarray, *, fast: bool) -> list[FaceFeatures]:
        if self._haar is not None:
            found = self._haar.detect(work)
            found.sort(key=lambda d: -d.area)
            return [self._haar_face(d, work) for d in found[: self.max_faces]]
        detections = self._detector.detect(work) or self._detect_centre(work)
        detections.sort(key=lambda d: -d.area)
        faces = []
        for det in detections:
            face = self._mesh_face(det, work, fast=fast)
            if face is not None:
                faces.append(face)
            if len(faces) == self.max_faces:
                break
        return faces

    def _detect_centre(self, work: np.ndarray) -> list[Detection]:
        h, w = work.shape[:2]
        side = round(max(h, w) / CENTRE_ZOOM)
        if side < 64 or side >= min(h, w) * 1.5:
            return []
        x0, y0 = max(0, (w - side) // 2), max(0, (h - side) // 2)
        found = self._detector.detect(work[y0 : y0 + side, x0 : x0 + side])
        return [
            Detection(d.x + x0, d.y + y0, d.w, d.h, d.score, d.keypoints + [x0, y0]) for d in found
        ]

    def _mesh_face(self, det: Detection, work: np.ndarray, *, fast: bool) -> FaceFeatures | None:
        mesh = self._mesh.run(work, detection_crop(det))
        if mesh.presence < MIN_PRESENCE:
            return None
        pose = feat.head_pose(mesh.points)
        raw = feat.measures(mesh.points, pose)
        if fast:
            cue = feat.cues(raw)
            gaze = feat.gaze_at_camera(pose, None, cue["eye_closure"])
            expression = None
        else:
            eyes = self._iris.run(work, mesh.points)
            brows = feat.brow_measures(brow_heights(work, mesh.points, pose.pitch))
            expression = self._expression.run(face_gray(work, det))
            cue = feat.cues(raw, brows, eyes.openness, expression["happy"])
            offsets = feat.eye_offsets(mesh.points, eyes.irises, pose)
            gaze = feat.gaze_at_camera(pose, offsets, cue["eye_closure"])
        return FaceFeatures(
            box=_box(det, work, min(det.score, mesh.presence)),
            yaw=pose.yaw,
            pitch=pose.pitch,
            roll=pose.roll,
            gaze_at_camera=gaze,
            expression=expression,
            source="mesh",
            **cue,
        )

    def _haar_face(self, det: Detection, work: np.ndarray) -> FaceFeatures:
        # Haar finds frontal faces only, so the pose is near zero; the rest is unknown, neutral.
        return FaceFeatures(
            box=_box(det, work, det.score),
            yaw=0.0,
            pitch=0.0,
            roll=0.0,
            gaze_at_camera=0.5,
            eye_closure=0.0,
            brow_furrow=0.0,
            brow_raise=0.0,
            smile=0.0,
            mouth_open=0.0,
            source="haar",
        )

    def _face_issues(self, face: FaceFeatures, work: np.ndarray) -> list[FrameIssue]:
        issues: list[FrameIssue] = []
        h, w = work.shape[:2]
        side_px = max(face.box.w * w, face.box.h * h)
        if side_px < SMALL_FACE_PX:
            issues.append("small_face")
        if face.source != "mesh" or abs(face.yaw) > PROFILE_YAW:
            issues.append("profile")
        det = Detection(face.box.x * w, face.box.y * h, face.box.w * w, face.box.h * h, 1.0)
        if quality.sharpness(face_gray(work, det)) < quality.BLUR_SHARPNESS:
            issues.append("blurred")
        return issues


def _box(det: Detection, work: np.ndarray, score: float) -> FaceBox:
    """A detection as a normalised box clipped to the frame."""
    h, w = work.shape[:2]
    x0, y0 = max(0.0, det.x / w), max(0.0, det.y / h)
    x1, y1 = min(1.0, (det.x + det.w) / w), min(1.0, (det.y + det.h) / h)
    return FaceBox(
        float(x0), float(y0), float(max(0.0, x1 - x0)), float(max(0.0, y1 - y0)), float(score)
    )

"""The rolling user state: the latest of what perception knows, updated with every frame
(about 10 Hz) and every audio chunk, smoothed so one odd frame does not flip it."""

from __future__ import annotations

from dataclasses import dataclass, field

from visavis.perception.types import EXPRESSIONS, ProsodyFrame, VisualObservation
from visavis.runtime.events import CueName

#: Exponential smoothing per update (about 0.3 s at 10 Hz).
ALPHA = 0.3


@dataclass
class UserState:
    t: float = 0.0
    face_present: bool = False
    faces: int = 0
    #: Smoothed 0..1: how much the user looks at the camera.
    attention: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    expression: str = "neutral"
    expression_scores: dict[str, float] = field(default_factory=dict)
    speaking: bool = False
    pitch_hz: float | None = None
    energy_db: float = -90.0
    active_cues: set[CueName] = field(default_factory=set)

    def update_visual(self, obs: VisualObservation) -> None:
        self.t = max(self.t, obs.t)
        self.faces = len(obs.faces)
        face = obs.face
        self.face_present = face is not None
        if face is None:
            self.attention *= 1 - ALPHA
            return
        self.attention += ALPHA * (face.gaze_at_camera - self.attention)
        self.yaw, self.pitch = face.yaw, face.pitch
        if face.expression:
            for name in EXPRESSIONS:
                old = self.expression_scores.get(name, 0.0)
                self.expression_scores[name] = old + ALPHA * (face.expression.get(name, 0) - old)
            self.expression = max(self.expression_scores, key=self.expression_scores.__getitem__)

    def update_audio(self, frame: ProsodyFrame) -> None:
        self.t = max(self.t, frame.t)
        self.energy_db = frame.energy_db
        if frame.voiced and frame.pitch_hz is not None:
            self.pitch_hz = frame.pitch_hz

    def as_dict(self) -> dict[str, object]:
        return {
            "t": round(self.t, 3),
            "face_present": self.face_present,
            "faces": self.faces,
            "attention": round(self.attention, 3),
            "yaw": round(self.yaw, 1),
            "pitch": round(self.pitch, 1),
            "expression": self.expression,
            "speaking": self.speaking,
            "pitch_hz": round(self.pitch_hz, 1) if self.pitch_hz else None,
            "energy_db": round(self.energy_db, 1),
            "cues": sorted(self.active_cues),
        }

"""The values perception passes between its parts (plain, immutable, cheap to copy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: Why a frame's reading is less trustworthy (several may apply).
FrameIssue = Literal["dark", "noisy", "small_face", "profile", "blurred"]

#: The seven classes of the expression model (FER-2013 order).
EXPRESSIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


@dataclass(frozen=True)
class FaceBox:
    """A detected face in normalised frame coordinates (0..1, origin top-left)."""

    x: float
    y: float
    w: float
    h: float
    score: float


@dataclass(frozen=True)
class FaceFeatures:
    """What one face shows. Angles in degrees (camera view: yaw > 0 is the person turning to
    their left, i.e. the image's right; pitch > 0 is chin down; roll > 0 is clockwise in the
    image); other values are 0..1 unless said otherwise."""

    box: FaceBox
    yaw: float
    pitch: float
    roll: float
    #: 1 when the eyes (and head) point at the camera, 0 when clearly away.
    gaze_at_camera: float
    #: 0 open .. 1 closed (mean of both eyes).
    eye_closure: float
    brow_furrow: float
    brow_raise: float
    smile: float
    #: Lip gap relative to the face's height: 0 closed .. 1 wide open.
    mouth_open: float
    #: Expression probabilities by ``EXPRESSIONS`` name, or None when not estimated.
    expression: dict[str, float] | None = None
    #: "mesh" (468 landmarks) or "haar" (box only: the features are rough or neutral).
    source: Literal["mesh", "haar"] = "mesh"


@dataclass(frozen=True)
class VisualObservation:
    """One analysed camera frame at conversation time ``t`` (seconds)."""

    t: float
    #: Faces found, largest first; the first is "the user".
    faces: tuple[FaceFeatures, ...] = ()
    issues: tuple[FrameIssue, ...] = ()
    #: Mean luma 0..1, and the frame's size in pixels.
    brightness: float = 0.0
    width: int = 0
    height: int = 0
    #: Processing time of this frame, milliseconds.
    compute_ms: float = 0.0

    @property
    def face(self) -> FaceFeatures | None:
        return self.faces[0] if self.faces else None


@dataclass(frozen=True)
class ProsodyFrame:
    """Prosody of one audio chunk (or a few): at conversation time ``t`` (chunk start)."""

    t: float
    duration: float
    #: Fundamental frequency in Hz, None when unvoiced.
    pitch_hz: float | None
    #: RMS energy in dBFS.
    energy_db: float
    voiced: bool


@dataclass(frozen=True)
class ProsodySummary:
    """One user utterance, from its prosody frames (and its words, when known)."""

    start: float
    end: float
    #: Median pitch (Hz) and its spread in semitones (flat voice: small).
    pitch_median_hz: float | None
    pitch_range_st: float
    #: Final pitch movement over the last voiced ~300 ms, in semitones: > 0 rising.
    final_pitch_st: float
    energy_db: float
    #: Syllables (or words) per second of speaking time, None when unknown.
    speaking_rate: float | None
    #: Pauses inside the utterance of 200 ms or more, seconds each.
    pauses: tuple[float, ...] = ()
    filled_pauses: int = 0
    #: Coarse voice quality: "flat", "strained", or "normal".
    voice: Literal["flat", "strained", "normal"] = "normal"
    extra: dict[str, float] = field(default_factory=dict)

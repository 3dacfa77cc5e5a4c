"""Face cues from the 468-point mesh (plus iris and brow readings): pose, eyes, brows, mouth, gaze.

Head pose is geometric, not ``solvePnP``: the mesh model already estimates each landmark's depth
(z, same scale as x), so the face's own axes can be read off it. The x axis is the mean of ten
left-minus-right symmetric landmark pairs (by symmetry it is exactly "face-horizontal"), the y
axis is forehead-to-chin made orthogonal to it, and z is their cross product. That needs no
camera intrinsics and no generic 3D head, both of which a webcam call does not know; its price is
a constant pitch offset (the forehead-chin line leans back in a neutral face), calibrated on
frontal faces (``_PITCH_OFFSET``). Against the avatar renderer's known angles it is within ~2
degrees (bench/perception.py).

Mouth measures are taken in that head frame (rotation removed) and divided by the inter-ocular
distance (IOD), so they do not change with turning, tilting or distance. Three cues come from
elsewhere because the mesh follows them poorly: eye closure from the iris model's finer eyelids
(``mesh.IrisModel``), brows from the image (``brows``), and gaze from the iris centres relative to
the eye corners, added to the head pose (468 points have no iris; without the iris model, gaze is
head pose only). The 0..1 scales are population calibrations (real photos and our avatars at rest
and at full expression): good for "clearly more than usual", not for comparing two people; the
cue stage should baseline each user over time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Landmark indices in MediaPipe's 468-point topology. "Right"/"left" are the person's own.
_PAIRS = np.array(
    [(33, 263), (133, 362), (61, 291), (234, 454), (127, 356),
     (93, 323), (132, 361), (58, 288), (70, 300), (105, 334)]
)  # fmt: skip
FOREHEAD, CHIN = 10, 152
#: Eye contour for the eye aspect ratio: outer corner, two upper lid, inner corner, two lower lid.
RIGHT_EYE = (33, 160, 158, 133, 153, 144)
LEFT_EYE = (263, 387, 385, 362, 380, 373)
#: The inner brow heads.
RIGHT_BROW_INNER, LEFT_BROW_INNER = (107, 55), (336, 285)
MOUTH_RIGHT, MOUTH_LEFT, LIP_UPPER_IN, LIP_LOWER_IN = 61, 291, 13, 14
LIP_UPPER_OUT, LIP_LOWER_OUT = 0, 17

# Calibration (see the module docstring and bench/perception.py). Lengths are in inter-ocular
# distances (IOD, eye centre to eye centre); each pair is (reading at rest, reading at "fully").
#: The forehead-chin line of a frontal face leans back a little in the mesh's depth estimate.
_PITCH_OFFSET = 3.0
_EAR_MESH = (0.26, 0.12)  # the mesh's eye aspect ratio: open, closed
_EAR_IRIS = (0.30, 0.07)  # the iris model's finer lids: open, closed
_BROW_HEIGHT = (0.34, 0.50)  # middle of the brows above the eye line (people differ a lot)
_BROW_SLANT = (0.03, 0.09)  # |inner-brow tilt - neutral tilt| (knitting bends the inner end)
_NEUTRAL_SLANT = -0.03  # the inner brow head sits a little lower than the arch at rest
_INNER_GAP = (0.48, 0.40)  # inner brow heads' distance (drawn together when knitting)
_MOUTH_LIFT = (0.0, 0.04)  # mouth corners above the lips' midline, gap-corrected
_MOUTH_WIDTH = (0.75, 0.92)  # corner to corner, less a fifth of the lip gap
_LIP_GAP = (0.02, 0.25)  # inner lip gap over forehead-chin height
#: Iris offset (in half eye widths) -> eye rotation: the iris centre sits ~0.8 half-widths from
#: the eyeball's axis, so offset = 0.8 sin(angle). Parallax: with the head turned, an iris
#: looking straight ahead already appears shifted toward the turn by about this much x sin(yaw).
_IRIS_RADIUS = 0.8
_PARALLAX_X, _PARALLAX_Y = 0.45, 0.3
#: At rest the iris centre sits a little above the eye-corner line.
_IRIS_REST_Y = -0.08
#: Gaze off-axis angle (degrees) at which "at camera" starts to fall, and where it reaches 0.
_GAZE_AT, _GAZE_AWAY = 8.0, 20.0

#: Suggested cut points for a yes/no reading of each cue (smiling: ``smile >= THRESHOLDS["smile"]``;
#: looking away: ``gaze_at_camera < THRESHOLDS["gaze_at_camera"]``), as used by the benchmark.
THRESHOLDS = {"smile": 0.3, "brow_furrow": 0.35, "eye_closure": 0.5, "gaze_at_camera": 0.5}


@dataclass(frozen=True)
class HeadPose:
    """Yaw, pitch, roll in degrees (conventions of ``FaceFeatures``) and the rotation matrix
    whose columns are the face's x (person's right->left), y (down) and z (back) axes."""

    yaw: float
    pitch: float
    roll: float
    rotation: np.ndarray


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def head_pose(points: np.ndarray) -> HeadPose:
    """Head pose from 3D mesh points (frame pixels, z away from the camera)."""
    x = _unit((points[_PAIRS[:, 1]] - points[_PAIRS[:, 0]]).mean(0))
    down = points[CHIN] - points[FOREHEAD]
    y = _unit(down - down.dot(x) * x)
    z = np.cross(x, y)
    forward = -z  # the direction the face points, toward the camera when frontal
    yaw = np.degrees(np.arctan2(forward[0], -forward[2]))
    pitch = np.degrees(np.arcsin(np.clip(forward[1], -1.0, 1.0))) - _PITCH_OFFSET
    roll = np.degrees(np.arctan2(x[1], x[0]))
    return HeadPose(float(yaw), float(pitch), float(roll), np.stack([x, y, z], axis=1))


def _ramp(value: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi`` (either order), clipped."""
    return float(np.clip((value - lo) / (hi - lo), 0.0, 1.0))


def _ear(p: np.ndarray, idx: tuple[int, ...]) -> float:
    """Eye aspect ratio: mean lid gap over eye width (Soukupova and Cech, 2016)."""
    a, b, c, d, e, f = (p[i] for i in idx)
    width = max(float(np.linalg.norm(a - d)), 1e-9)
    return float((np.linalg.norm(b - f) + np.linalg.norm(c - e)) / (2.0 * width))


def measures(points: np.ndarray, pose: HeadPose) -> dict[str, float]:
    """Raw geometric measures from the mesh in the head frame, in IOD units."""
    centre = points.mean(0)
    p = (points - centre) @ pose.rotation  # rows are now (face-x, face-y down, face-z back)
    eye_r = p[list(RIGHT_EYE)].mean(0)
    eye_l = p[list(LEFT_EYE)].mean(0)
    q = p / max(float(np.linalg.norm(eye_l - eye_r)), 1e-9)
    y = q[:, 1]
    lip_gap = float(abs(y[LIP_LOWER_IN] - y[LIP_UPPER_IN]))
    # The corners sit on the lips' midline at rest; an open jaw drops that midline by about a
    # quarter of the lip gap (measured), which would otherwise read as a smile.
    midline = (y[LIP_UPPER_OUT] + y[LIP_LOWER_OUT]) / 2
    lift = midline - (y[MOUTH_RIGHT] + y[MOUTH_LEFT]) / 2 - 0.25 * lip_gap
    return {
        "ear": (_ear(p, RIGHT_EYE) + _ear(p, LEFT_EYE)) / 2,
        "inner_brow_gap": float(abs(q[RIGHT_BROW_INNER[0], 0] - q[LEFT_BROW_INNER[0], 0])),
        "mouth_lift": float(lift),
        # An open jaw stretches the corners apart too; a smile widens the mouth with lips closed.
        "mouth_width": float(abs(q[MOUTH_LEFT, 0] - q[MOUTH_RIGHT, 0])) - 0.2 * lip_gap,
        "lip_gap": lip_gap,
        "face_height": float(abs(y[CHIN] - y[FOREHEAD])),
    }


def brow_measures(heights: np.ndarray) -> dict[str, float]:
    """Brow height and inner-end tilt from the six brow columns (see ``brows.brow_heights``).
    Height uses the middle columns only: the outer tails are often too faint to find."""
    middle = (heights[1] + heights[4]) / 2
    inner = (heights[0] + heights[3]) / 2
    return {"brow_height": float(middle), "brow_slant": float(inner - middle)}


def eye_offsets(points: np.ndarray, irises: np.ndarray, pose: HeadPose) -> tuple[float, float]:
    """Where the irises point relative to the head: (horizontal, vertical), in half eye widths,
    image directions (x > 0: toward the image's right; y > 0: down), head-turn parallax removed."""
    xs, ys = [], []
    for (outer, inner), iris in zip(((33, 133), (263, 362)), irises, strict=True):
        a, b = points[outer, :2], points[inner, :2]
        left, right = (a, b) if a[0] <= b[0] else (b, a)
        axis = _unit(right - left)
        half = max(float(np.linalg.norm(right - left)) / 2, 1e-9)
        rel = iris - (left + right) / 2
        xs.append(float(rel @ axis) / half)
        ys.append(float(rel @ np.array([-axis[1], axis[0]])) / half)
    x = float(np.mean(xs)) - _PARALLAX_X * np.sin(np.radians(pose.yaw))
    y = float(np.mean(ys)) - _IRIS_REST_Y - _PARALLAX_Y * np.sin(np.radians(pose.pitch))
    return x, y


def gaze_angles(pose: HeadPose, eyes: tuple[float, float] | None) -> tuple[float, float]:
    """Gaze direction (yaw, pitch degrees, same signs as the head's): head plus eyes-in-head."""
    if eyes is None:
        return pose.yaw, pose.pitch
    to_deg = lambda v: float(np.degrees(np.arcsin(np.clip(v / _IRIS_RADIUS, -1, 1))))  # noqa: E731
    return pose.yaw + to_deg(eyes[0]), pose.pitch + to_deg(eyes[1])


def gaze_at_camera(
    pose: HeadPose, eyes: tuple[float, float] | None, eye_closure: float = 0.0
) -> float:
    """1 when head plus eyes point at the camera, 0 when clearly away; head pose alone when
    the irises are unknown. A turned head with the eyes swung back to the lens still counts.
    Closed eyes look at nothing (and their "iris" is a guess), so closure fades the reading out."""
    yaw, pitch = gaze_angles(pose, eyes)
    facing = 1.0 - _ramp(float(np.hypot(yaw, pitch)), _GAZE_AT, _GAZE_AWAY)
    return facing * (1.0 - _ramp(eye_closure, 0.4, 0.8))


def cues(
    m: dict[str, float],
    brows: dict[str, float] | None = None,
    eye_openness: float | None = None,
    happy: float | None = None,
) -> dict[str, float]:
    """The 0..1 cue values from raw measures (calibration constants above).

    ``brows`` (image-refined brows) and ``eye_openness`` (the iris model's lids) replace the
    mesh's weaker readings when given. Smile takes the larger of the mouth geometry and the
    expression model's "happy": geometry misses closed-mouth smiles, the model misses stylised
    faces, and each rarely reads a smile where there is none.
    """
    if eye_openness is not None:
        closure = _ramp(eye_openness, *_EAR_IRIS)
    else:
        closure = _ramp(m["ear"], *_EAR_MESH)
    raise_ = furrow = 0.0
    if brows is not None:
        raise_ = _ramp(brows["brow_height"], *_BROW_HEIGHT)
        furrow = _ramp(abs(brows["brow_slant"] - _NEUTRAL_SLANT), *_BROW_SLANT)
    furrow = max(furrow, _ramp(m["inner_brow_gap"], *_INNER_GAP))
    # Corner lift carries most of it: mouth width differs more between people than with a smile.
    smile = 0.75 * _ramp(m["mouth_lift"], *_MOUTH_LIFT) + 0.25 * _ramp(
        m["mouth_width"], *_MOUTH_WIDTH
    )
    if happy is not None:
        smile = max(smile, happy)
    return {
        "eye_closure": closure,
        "brow_raise": raise_,
        "brow_furrow": furrow,
        "smile": float(smile),
        "mouth_open": _ramp(m["lip_gap"] / max(m["face_height"], 1e-9), *_LIP_GAP),
    }

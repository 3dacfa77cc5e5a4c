"""The end-of-call perception analysis: engagement, attention, expressions over time and the
moments worth a look, from the observations and cues the stage kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from visavis.perception.types import EXPRESSIONS, VisualObservation
from visavis.runtime.events import PerceptionCue

#: Expressions are summarised per window of this many seconds.
BIN_SECONDS = 10.0


def call_report(
    observations: Sequence[VisualObservation],
    cues: Sequence[PerceptionCue],
    duration: float,
    *,
    frames_seen: int,
    frames_dropped: int,
    camera: bool,
) -> dict[str, Any]:
    """A JSON-ready report. ``engagement`` = the share of analysed time the user was visible and
    looking at the camera (0..1); ``attention_share`` = looking at the camera while visible."""
    visible = [o for o in observations if o.face is not None]
    looking = [o for o in visible if o.face and o.face.gaze_at_camera >= 0.5]
    n = len(observations)
    moments = [
        {
            "t": round(c.start, 2),
            "cue": c.cue,
            "duration": round((c.end or c.start) - c.start, 2),
            "confidence": round(c.confidence, 2),
            **({"detail": c.detail} if c.detail else {}),
        }
        for c in cues
        if c.phase in ("start", "moment")
    ]
    # A lasting cue's duration is known from its end event.
    ends = {(c.cue, round(c.start, 3)): c.end for c in cues if c.phase == "end"}
    for m in moments:
        end = ends.get((m["cue"], round(m["t"], 3)))
        if end is not None:
            m["duration"] = round(end - m["t"], 2)
    report: dict[str, Any] = {
        "camera": camera,
        "duration": round(duration, 2),
        "frames_analyzed": n,
        "frames_seen": frames_seen,
        "frames_dropped": frames_dropped,
        "face_visible_share": round(len(visible) / n, 3) if n else None,
        "attention_share": round(len(looking) / len(visible), 3) if visible else None,
        "engagement": round(len(looking) / n, 3) if n else None,
        "max_faces": max((len(o.faces) for o in observations), default=0),
        "expressions": _expressions(visible),
        "cue_counts": dict(Counter(m["cue"] for m in moments)),
        "moments": moments,
    }
    report["summary"] = _summary(report)
    return report


def _expressions(visible: Sequence[VisualObservation]) -> list[dict[str, Any]]:
    bins: dict[int, list[dict[str, float]]] = {}
    for o in visible:
        if o.face is not None and o.face.expression:
            bins.setdefault(int(o.t // BIN_SECONDS), []).append(o.face.expression)
    out = []
    for index in sorted(bins):
        scores = bins[index]
        mean = {n: round(sum(s.get(n, 0.0) for s in scores) / len(scores), 3) for n in EXPRESSIONS}
        out.append(
            {
                "start": index * BIN_SECONDS,
                "end": (index + 1) * BIN_SECONDS,
                "dominant": max(mean, key=mean.__getitem__),
                "scores": mean,
            }
        )
    return out


def _summary(r: dict[str, Any]) -> str:
    if not r["camera"]:
        return "No camera: only the voice was perceived."
    if not r["frames_analyzed"]:
        return "The camera sent no frames that could be analysed."
    parts = [
        f"The user was visible {r['face_visible_share']:.0%} of the time and looked at the "
        f"camera {r['attention_share'] or 0:.0%} of that time."
    ]
    counts = r["cue_counts"]
    if counts:
        listed = ", ".join(f"{name.replace('_', ' ')} x{k}" for name, k in sorted(counts.items()))
        parts.append(f"Noticed: {listed}.")
    return " ".join(parts)

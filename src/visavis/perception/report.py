"""The end-of-call perception analysis: engagement, attention, expressions over time and the
moments worth a look, from the call's running totals and the cues the stage kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from visavis.perception.totals import BIN_SECONDS, CallTotals
from visavis.runtime.events import PerceptionCue

__all__ = ["BIN_SECONDS", "call_report"]


def call_report(
    totals: CallTotals,
    cues: Sequence[PerceptionCue],
    duration: float,
    *,
    frames_seen: int,
    frames_dropped: int,
    camera: bool,
) -> dict[str, Any]:
    """A JSON-ready report. ``engagement`` = the share of analysed time the user was visible and
    looking at the camera (0..1); ``attention_share`` = looking at the camera while visible."""
    n, visible, looking = totals.frames, totals.visible, totals.looking
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
        "face_visible_share": round(visible / n, 3) if n else None,
        "attention_share": round(looking / visible, 3) if visible else None,
        "engagement": round(looking / n, 3) if n else None,
        "max_faces": totals.max_faces,
        "expressions": totals.expressions(),
        "cue_counts": dict(Counter(m["cue"] for m in moments)),
        "moments": moments,
    }
    report["summary"] = _summary(report)
    return report


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

"""A user's turn in two sentences: what was seen and what was heard.

These are what the public APIs call ``user_visual_analysis`` and ``user_audio_analysis``: short,
factual, and written for a mind to read (an LLM's context, or the objectives engine's rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from visavis.perception.types import EXPRESSIONS, ProsodySummary, VisualObservation
from visavis.runtime.events import CueName

#: How far above the person's own resting level an expression must be to be mentioned.
EXPRESSION_LIFT = 0.2
#: Mean frame-to-frame change of ``mouth_open`` below which lips count as still (speaking
#: measured about 0.3 on the simulated patient, a closed mouth under 0.01).
SILENT_LIPS = 0.05


def mouth_motion(observations: Sequence[VisualObservation]) -> float:
    """How much the first face's lips move from frame to frame (mean absolute change)."""
    values = [o.face.mouth_open for o in observations if o.face is not None]
    if len(values) < 2:
        return 0.0
    return sum(abs(b - a) for a, b in zip(values, values[1:], strict=False)) / (len(values) - 1)


_CUE_WORDS: dict[CueName, str] = {
    "looks_away": "looked away",
    "frowning": "frowned",
    "smiling": "smiled",
    "nodding": "nodded",
    "head_shake": "shook their head",
    "eyes_closed": "closed their eyes",
    "left_frame": "left the camera's view",
    "second_person": "someone else was in view",
    "long_thinking_pause": "paused for a long time to think",
}


@dataclass(frozen=True)
class TurnPerception:
    visual: str | None
    audio: str | None
    cues: list[str] = field(default_factory=list)
    prosody: ProsodySummary | None = None

    @property
    def hesitant(self) -> bool:
        """Signs of searching or uncertainty: the mind may answer more patiently."""
        signs = {"looks_away", "frowning", "long_thinking_pause", "head_shake"}
        filled = self.prosody.filled_pauses if self.prosody else 0
        return bool(signs & set(self.cues)) or filled >= 2


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def visual_sentence(
    seen: Sequence[VisualObservation],
    cues: set[CueName],
    baseline: dict[str, float] | None = None,
) -> str:
    """``baseline``: the person's mean expression scores over the call so far. A resting face
    reads as some expression to the model (a wide-eyed face as "surprise"); only a clear
    change from the person's own resting face is worth a word."""
    if not seen:
        return "The camera showed nothing during this turn."
    visible = [o for o in seen if o.face is not None]
    if not visible:
        return "The user was not visible."
    attention = sum(o.face.gaze_at_camera >= 0.5 for o in visible if o.face) / len(visible)
    look = (
        "mostly looked at the camera"
        if attention >= 0.7
        else "looked away for much of the turn"
        if attention < 0.4
        else "looked at the camera part of the time"
    )
    parts = [look]
    if "looks_away" in cues and attention >= 0.4:
        parts.append("looked away at times")
    parts += [_CUE_WORDS[c] for c in sorted(cues) if c in _CUE_WORDS and c != "looks_away"]
    scores = [o.face.expression for o in visible if o.face and o.face.expression]
    if scores:
        rest = baseline or {}
        mean = {n: sum(s.get(n, 0.0) for s in scores) / len(scores) for n in EXPRESSIONS}
        lift = {n: mean[n] - rest.get(n, 0.0) for n in EXPRESSIONS if n != "neutral"}
        top = max(lift, key=lift.__getitem__)
        if mean[top] >= 0.4 and lift[top] >= EXPRESSION_LIFT:
            parts.append(f"seemed {_ADJECTIVE[top]}")
    if len(visible) < len(seen) * 0.8:
        parts.append("was out of view at times")
    if len(visible) >= 5 and mouth_motion(visible) < SILENT_LIPS:
        # Speech was heard but the visible face's lips stayed still: someone off camera, a TV.
        parts.append("barely moved their lips, so the voice may be someone else's")
    return f"The user {_join(parts)}."


_ADJECTIVE = {
    "angry": "annoyed",
    "disgust": "put off",
    "fear": "worried",
    "happy": "happy",
    "sad": "sad",
    "surprise": "surprised",
    "neutral": "calm",
}


def audio_sentence(p: ProsodySummary, cues: set[CueName]) -> str:
    parts = []
    if p.speaking_rate is not None:
        pace = "slowly" if p.speaking_rate < 3.0 else "quickly" if p.speaking_rate > 5.5 else ""
        if pace:
            parts.append(f"spoke {pace} ({p.speaking_rate:.1f} syllables/s)")
    if p.voice != "normal":
        parts.append(f"sounded {p.voice}")
    long_pauses = [x for x in p.pauses if x >= 0.5]
    if long_pauses:
        parts.append(f"paused {max(long_pauses):.1f} s")
    if p.filled_pauses:
        parts.append(f"said 'um' or 'uh' {p.filled_pauses} time(s)")
    if "long_thinking_pause" in cues:
        parts.append("took a long time to start")
    if p.final_pitch_st >= 2.0:
        parts.append("ended with a rising, questioning pitch")
    if not parts:
        return "The user spoke at an even pace in a normal voice."
    return f"The user {_join(parts)}."

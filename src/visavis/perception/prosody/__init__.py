"""Prosody of the user's speech: pitch, energy, voicing per chunk; utterance summaries.

``ProsodyTracker.push(chunk)`` runs inline on every 20 ms input chunk and returns a
``TrackedFrame`` (a ``ProsodyFrame`` with a few more fields); ``summarize(frames, start, end,
words)`` turns one utterance's frames (and its transcript, when known) into a
``ProsodySummary``: pitch level, range and final movement, energy, speaking rate, pauses,
filled pauses and a coarse voice quality. ``chunk_cost_ms`` measures the per-chunk cost.
"""

from .cost import chunk_cost_ms
from .pitch import PitchEstimate, Yin
from .summary import summarize
from .text import count_filled_pauses, count_syllables, is_filled_pause
from .tracker import ProsodyTracker, SpeakerBaseline, TrackedFrame

__all__ = [
    "PitchEstimate",
    "ProsodyTracker",
    "SpeakerBaseline",
    "TrackedFrame",
    "Yin",
    "chunk_cost_ms",
    "count_filled_pauses",
    "count_syllables",
    "is_filled_pause",
    "summarize",
]

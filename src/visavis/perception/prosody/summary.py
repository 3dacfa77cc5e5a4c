"""One utterance's prosody from its frames: pitch level, range and final movement, energy,
speaking rate, pauses, filled pauses and a coarse voice quality.

It reads only ``ProsodyFrame`` fields, plus the extra ones of ``TrackedFrame`` when present
(aperiodicity, spectral flux, vowel-band level, the speaker's baseline); without them the
syllable count uses the full-band level, and the filled-pause signal detector and the
"strained" judgement are simply not made.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from visavis.perception.types import ProsodyFrame, ProsodySummary

from .measures import (
    FLOOR_DB,
    final_movement,
    hums,
    instability,
    pauses,
    prepare,
    syllable_nuclei,
)
from .text import count_filled_pauses, count_syllables

#: "flat": robust pitch range (10th-90th percentile) under this, in semitones...
FLAT_RANGE_ST = 2.0
#: ...over at least this much speaking time and half as much voiced time.
FLAT_MIN_SPEECH = 1.0
#: "strained": median pitch this far above the speaker's baseline...
STRAIN_PITCH_ST = 3.0
#: ...and energy this far above it, or pitch this unstable frame to frame (semitones).
STRAIN_ENERGY_DB = 6.0
STRAIN_INSTABILITY_ST = 0.6
#: The baseline must rest on this much earlier voiced speech to be compared with.
BASELINE_MIN_VOICED = 2.0


def summarize(
    frames: Sequence[ProsodyFrame],
    start: float,
    end: float,
    words: str | None = None,
    *,
    baseline_hz: float | None = None,
    baseline_db: float | None = None,
) -> ProsodySummary:
    """Summarise the frames with ``start <= t < end`` (one user utterance).

    ``words`` is the utterance's transcript, when known: it gives the speaking rate (syllables
    by vowel groups) and the filled pauses the recognizer wrote. ``baseline_hz``/``baseline_db``
    override the speaker baseline the tracker stamps on its frames (the call's median voiced
    pitch and energy before this utterance)."""
    picked = sorted((f for f in frames if start - 1e-6 <= f.t < end), key=lambda f: f.t)
    if not picked:
        return ProsodySummary(start, end, None, 0.0, 0.0, FLOOR_DB, None)
    u = prepare(picked)
    idx = np.flatnonzero(u.speech)
    if len(idx) == 0:
        return ProsodySummary(
            start, end, None, 0.0, 0.0, float(np.max(u.energy)), None, extra={"speech_s": 0.0}
        )
    first, last = int(idx[0]), int(idx[-1])
    gaps = pauses(u, first, last)
    region = float(u.t[last] + u.dur[last] - u.t[first])
    speaking = max(region - sum(gaps), 1e-3)

    voiced = ~np.isnan(u.st)
    st = u.st[voiced]
    voiced_s = float(np.sum(u.dur[voiced]))
    median_hz = range_st = None
    if len(st) >= 2:
        median_hz = 100.0 * 2.0 ** (float(np.median(st)) / 12.0)
        p10, p90 = np.percentile(st, [10, 90])
        range_st = float(p90 - p10)
    final = final_movement(u)
    speech_energy = u.energy[first : last + 1][u.speech[first : last + 1]]
    # The level of the speech itself (a power mean, i.e. the RMS of the spoken frames): the
    # pauses and the pre-roll around the utterance would only dilute it.
    energy_db = 10.0 * math.log10(float(np.mean(10.0 ** (speech_energy / 10.0))) + 1e-12)

    nuclei = syllable_nuclei(u, first, last)
    extra: dict[str, float] = {
        "speech_s": round(speaking, 3),
        "voiced_s": round(voiced_s, 3),
        "syllables_signal": float(nuclei),
        "rate_signal": round(nuclei / speaking, 2),
    }
    rate: float | None = nuclei / speaking if nuclei else None
    filled_text = 0
    if words is not None and words.strip():
        syllables = count_syllables(words)
        filled_text = count_filled_pauses(words)
        extra["syllables_text"] = float(syllables)
        if syllables:
            rate = syllables / speaking
    held = hums(u) if u.has_extras else 0
    extra["filled_text"] = float(filled_text)
    extra["filled_signal"] = float(held)

    # Voice quality.
    base_hz, base_db = _baseline(picked, baseline_hz, baseline_db)
    wobble = instability(u)
    extra["pitch_instability_st"] = round(wobble, 3)
    if u.has_extras and voiced.any():
        extra["aperiodicity"] = round(float(np.mean(u.aperiodicity[voiced])), 3)
    voice = "normal"
    if median_hz is not None and base_hz is not None:
        above = 12.0 * math.log2(median_hz / base_hz)
        extra["pitch_vs_baseline_st"] = round(above, 2)
        # Like with like: the baseline is a median of voiced frames' levels.
        louder = float(np.median(u.energy[voiced])) - base_db if base_db is not None else 0.0
        loud = louder >= STRAIN_ENERGY_DB
        if base_db is not None:
            extra["energy_vs_baseline_db"] = round(louder, 2)
        if above >= STRAIN_PITCH_ST and (loud or wobble >= STRAIN_INSTABILITY_ST):
            voice = "strained"
    if (
        voice == "normal"
        and range_st is not None
        and range_st < FLAT_RANGE_ST
        and speaking >= FLAT_MIN_SPEECH
        and voiced_s >= FLAT_MIN_SPEECH / 2
    ):
        voice = "flat"

    return ProsodySummary(
        start=start,
        end=end,
        pitch_median_hz=None if median_hz is None else round(median_hz, 2),
        pitch_range_st=round(range_st or 0.0, 2),
        final_pitch_st=round(final, 2),
        energy_db=round(energy_db, 2),
        speaking_rate=None if rate is None else round(rate, 2),
        pauses=tuple(round(p, 3) for p in gaps),
        filled_pauses=max(filled_text, held),
        voice=voice,
        extra=extra,
    )


def _baseline(
    frames: list[ProsodyFrame], hz: float | None, db: float | None
) -> tuple[float | None, float | None]:
    if hz is not None:
        return hz, db
    # The first frame's stamp is the baseline from before this utterance began.
    head = frames[0]
    if getattr(head, "baseline_voiced", 0.0) >= BASELINE_MIN_VOICED:
        return getattr(head, "baseline_hz", None), getattr(head, "baseline_db", None)
    return None, None

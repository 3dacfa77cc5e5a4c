"""Measurements on one utterance's frames, for ``summary``: which frames are speech and which
voiced frames are trustworthy, pauses, the final pitch movement, syllable nuclei, held hums and
frame-to-frame pitch instability."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from visavis.perception.types import ProsodyFrame

#: Shortest silence inside an utterance that counts as a pause (shorter ones are stop
#: closures and word joints).
MIN_PAUSE = 0.2
#: How much of the utterance's end the final pitch movement is read over.
FINAL_SPAN = 0.3
#: A pitch contour has turned when it comes back by this much (semitones).
TURN_ST = 0.75
#: Filled pause from the signal: a steady voiced hum at least this long.
HUM_MIN = 0.25
#: Level reported when there is nothing to measure (dBFS).
FLOOR_DB = -100.0


@dataclass
class Utterance:
    """An utterance's frames as arrays (one entry per frame)."""

    t: np.ndarray
    dur: np.ndarray
    energy: np.ndarray
    st: np.ndarray  # semitones re 100 Hz, NaN where not (reliably) voiced
    speech: np.ndarray  # bool: above the utterance's silence threshold, or voiced
    aperiodicity: np.ndarray
    flux: np.ndarray
    vowel: np.ndarray
    has_extras: bool


def prepare(frames: list[ProsodyFrame]) -> Utterance:
    """Arrays of the frames (in time order), with unreliable pitch removed and speech marked."""
    n = len(frames)
    t = np.array([f.t for f in frames])
    dur = np.array([f.duration for f in frames])
    energy = np.array([f.energy_db for f in frames])
    st = np.full(n, np.nan)
    for i, f in enumerate(frames):
        if f.voiced and f.pitch_hz:
            st[i] = 12.0 * math.log2(f.pitch_hz / 100.0)
    st = reliable(st)
    has_extras = all(hasattr(f, "aperiodicity") for f in frames)
    ap = np.array([getattr(f, "aperiodicity", 1.0) for f in frames])
    flux = np.array([getattr(f, "flux_db", 0.0) for f in frames])
    vowel = np.array([getattr(f, "vowel_db", FLOOR_DB) for f in frames])
    # Silence threshold: 8 dB over the utterance's quietest frames (its noise floor, when it
    # holds a pause or pre-roll), at least -60 dBFS (dither and codec residue are silence),
    # and never within 20 dB of its loud frames. Voiced frames are speech whatever their
    # level. Speech much quieter than about -50 dBFS loses its weak consonants to "silence".
    loud = float(np.percentile(energy, 95))
    floor = float(np.percentile(energy, 5))
    threshold = min(max(floor + 8.0, loud - 45.0, -60.0), loud - 20.0)
    speech = (energy > threshold) | ~np.isnan(st)
    return Utterance(t, dur, energy, st, speech, ap, flux, vowel, has_extras)


def reliable(st: np.ndarray) -> np.ndarray:
    """Keep voiced frames in runs of 2+ that agree (within 4 st) with their local median:
    single-frame voicing on bursts and clicks, and the odd octave slip, are dropped."""
    out = st.copy()
    voiced = ~np.isnan(st)
    i, n = 0, len(st)
    while i < n:
        if not voiced[i]:
            i += 1
            continue
        j = i
        while j < n and voiced[j]:
            j += 1
        run = st[i:j]
        if len(run) < 2:
            out[i:j] = np.nan
        else:
            for k in range(len(run)):
                local = np.median(run[max(0, k - 2) : k + 3])
                if abs(run[k] - local) > 4.0:
                    out[i + k] = np.nan
        i = j
    return out


def pauses(u: Utterance, first: int, last: int) -> list[float]:
    pauses: list[float] = []
    i = first
    while i <= last:
        if u.speech[i]:
            i += 1
            continue
        j = i
        while j <= last and not u.speech[j]:
            j += 1
        length = float(u.t[j] - u.t[i])
        if length >= MIN_PAUSE - 1e-6:
            pauses.append(length)
        i = j
    return pauses


def final_movement(u: Utterance) -> float:
    """The last pitch movement into the utterance's end, in semitones (> 0 rising).

    Read over the last voiced stretch, at most ``FINAL_SPAN`` s: the last voiced segment (gaps
    of one frame bridged) when it has at least three frames, so the final syllable is not
    mixed with the pitch reset before it; a shorter last segment is read together with the
    voiced frames before it. On a 3-point running median of it, the movement is the end level
    less the level at the last turning point before it: walking back from the end, the contour's
    extreme until it turns back by more than ``TURN_ST``. A question's dip-and-rise reads as the
    rise and a rise-fall as the fall, and a hook under ``TURN_ST`` at the very end is ignored. A
    rise made only by steps between flat syllables is missed: a known limit."""
    voiced = np.flatnonzero(~np.isnan(u.st))
    if len(voiced) < 3:
        return 0.0
    t_end = u.t[voiced[-1]]
    tail = voiced[u.t[voiced] >= t_end - FINAL_SPAN + 1e-6]
    gaps = np.flatnonzero(np.diff(u.t[tail]) > 0.045)
    if len(gaps) and len(tail) - (gaps[-1] + 1) >= 3:
        tail = tail[gaps[-1] + 1 :]
    if len(tail) < 3:
        return 0.0
    y = u.st[tail]
    # The running median keeps one stray frame from being the end or the extreme.
    smooth = np.array([np.median(y[max(0, i - 1) : i + 2]) for i in range(len(y))])
    end = float(smooth[-1])
    direction = 0
    extreme = end
    for v in smooth[-2::-1]:
        if direction == 0:
            if abs(v - end) > TURN_ST:
                direction, extreme = (1 if end > v else -1), float(v)
        elif direction > 0:  # rising into the end: back to the lowest point
            if v < extreme:
                extreme = float(v)
            elif v > extreme + TURN_ST:
                break
        elif v > extreme:  # falling into the end: back to the highest point
            extreme = float(v)
        elif v < extreme - TURN_ST:
            break
    if direction == 0:
        return end - float(smooth[0])  # within ±TURN_ST all along: a level ending
    return end - extreme


def syllable_nuclei(u: Utterance, first: int, last: int) -> int:
    """Syllables from the level envelope (after de Jong & Wempe 2009, at 20 ms frames):
    peaks of the 300-2500 Hz band level (the full-band level when frames lack it), taken
    relative to its 100 ms moving average, that are voiced (or next to a voiced frame:
    voicing trails the level by about a frame), within 25 dB of the loud frames, and at least
    3 dB above the dip since the previous nucleus. The band matters: nasals and liquids are
    nearly as loud as vowels over the full band but not in it, so without it "Alex" or
    "morning" read as one syllable.

    On Piper speech it finds 83-109% of the syllables the text has; it undercounts fast speech
    (syllables merge) more than slow speech, so it orders rates correctly but compresses their
    ratio. The transcript's count is used when known."""
    e = (u.vowel if u.has_extras else u.energy)[first : last + 1]
    if len(e) < 3:
        return int(np.any(~np.isnan(u.st[first : last + 1])))
    loud = float(np.percentile(e, 95))
    e = np.maximum(e, loud - 30.0)
    k = 5
    trend = np.convolve(np.pad(e, k // 2, mode="edge"), np.ones(k) / k, "valid")
    h = e - trend
    voiced = ~np.isnan(u.st[first : last + 1])
    near_voiced = voiced.copy()
    near_voiced[1:] |= voiced[:-1]
    near_voiced[:-1] |= voiced[1:]
    count = 0
    dip = math.inf
    last_peak = -math.inf
    for i in range(len(h)):
        dip = min(dip, h[i])
        is_peak = (i == 0 or h[i] >= h[i - 1]) and (i == len(h) - 1 or h[i] > h[i + 1])
        if not (is_peak and near_voiced[i] and e[i] > loud - 25.0):
            continue
        if count == 0 or h[i] - dip >= 3.0:
            count += 1
            last_peak = dip = h[i]
        elif h[i] > last_peak:
            # The same nucleus rising further: the next dip is measured from here.
            last_peak = dip = h[i]
    return count


def hums(u: Utterance) -> int:
    """Filled pauses from the signal: voiced stretches of at least ``HUM_MIN`` s whose pitch
    stays within ±1 st, whose level stays within ±4 dB and whose band spectrum barely changes
    (steady formants: a held "uh", "um" or "mm").

    Limits: a held vowel inside a word ("sooo", a sung note, a drawn-out "well") looks the
    same and counts; a short "uh" (< 250 ms, common in fast speech) or a creaky or whispered
    one (no pitch) is missed; music or a steady hum in the room that is periodic would count
    if the voice detector let it through. The transcript's count covers the short ones."""
    n = len(u.st)
    count = 0
    i = 0
    while i < n:
        if np.isnan(u.st[i]):
            i += 1
            continue
        j = i + 1
        while (
            j < n
            and not np.isnan(u.st[j])
            and abs(u.st[j] - np.median(u.st[i : j + 1])) <= 1.0
            and abs(u.energy[j] - np.median(u.energy[i : j + 1])) <= 4.0
            and u.flux[j] <= 4.0
        ):
            j += 1
        span = float(u.t[j - 1] + u.dur[j - 1] - u.t[i])
        # The flux of a run's first frame compares it with what came before: not counted.
        if span >= HUM_MIN and float(np.mean(u.flux[i + 1 : j])) <= 2.5:
            count += 1
        i = j
    return count


def instability(u: Utterance) -> float:
    """Mean absolute second difference of pitch (st) inside voiced runs: a frame-rate jitter
    proxy. True jitter is cycle to cycle; at 20 ms hops this sees roughness and wobble, not
    the micro-perturbation a clinician would measure."""
    st = u.st
    ok = ~np.isnan(st[:-2]) & ~np.isnan(st[1:-1]) & ~np.isnan(st[2:])
    if not ok.any():
        return 0.0
    second = st[2:] - 2.0 * st[1:-1] + st[:-2]
    return float(np.mean(np.abs(second[ok])))

"""Turning engine alignments into the phoneme and word timings the face stage animates.

Conventions for ``PhonemeTiming.phoneme`` (both engines): an IPA symbol (one espeak/Piper
phoneme, stress and length marks folded into it) or ``"_"`` for a pause (sentence start/end,
punctuation). Word gaps inside running speech are not pauses (the mouth keeps moving), so their
duration is folded into the preceding phoneme. Durations always add up to the audio length.
"""

from __future__ import annotations

import numpy as np

from visavis.runtime.events import PhonemeTiming, WordTiming

PAUSE = "_"
WORD_GAP = " "
# Marks that modify the following phoneme (stress) or the previous one (length, palatalised).
_PREFIX_MARKS = frozenset("ˈˌ")
_SUFFIX_MARKS = frozenset("ːˑʲʰʷ̃")


def fold_marks(raw: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Merge stress/length marks into their phoneme: ``[(symbol, seconds)]`` in, same out."""
    out: list[tuple[str, float]] = []
    carry_symbol, carry_time = "", 0.0
    for symbol, seconds in raw:
        if symbol in _PREFIX_MARKS:
            carry_symbol += symbol
            carry_time += seconds
            continue
        if symbol in _SUFFIX_MARKS and out and out[-1][0] not in (PAUSE, WORD_GAP):
            prev_symbol, prev_time = out[-1]
            out[-1] = (prev_symbol + symbol, prev_time + seconds)
            continue
        if symbol in (PAUSE, WORD_GAP):
            out.append((symbol, seconds + carry_time))
            carry_symbol, carry_time = "", 0.0
            continue
        out.append((carry_symbol + symbol, seconds + carry_time))
        carry_symbol, carry_time = "", 0.0
    if carry_time and out:
        out[-1] = (out[-1][0], out[-1][1] + carry_time)
    return out


#: Silence kept before a sentence's first sound (s); the rest of the voice's lead is cut.
LEAD_KEEP = 0.01


def trim_lead(
    samples: np.ndarray, raw: list[tuple[str, float]], rate: int, keep: float = LEAD_KEEP
) -> tuple[np.ndarray, list[tuple[str, float]]]:
    """Cut a sentence's leading pause to ``keep`` seconds, in the audio and its alignment.

    Piper starts every sentence with 40-70 ms of silence: before a reply's first sentence that
    is time the caller waits for nothing (voice-to-voice latency counts to the first sound)."""
    n = next((i for i, (symbol, _) in enumerate(raw) if symbol != PAUSE), len(raw))
    lead = sum(seconds for _, seconds in raw[:n])
    if n == 0 or n == len(raw) or lead <= keep:
        return samples, raw
    cut = min(int((lead - keep) * rate), len(samples))
    return samples[cut:], [(PAUSE, lead - cut / rate), *raw[n:]]


def build_timings(
    raw: list[tuple[str, float]], words: list[str]
) -> tuple[list[PhonemeTiming], list[WordTiming]]:
    """Phoneme and word timings from a contiguous ``[(symbol, seconds)]`` alignment.

    ``symbol`` is a phoneme, ``WORD_GAP`` between words, or ``PAUSE``. Phoneme runs between gaps
    and pauses are the spoken words. When their count equals ``len(words)`` they map one to one.
    Otherwise (espeak read "10:30" as two words, or an abbreviation as letters) the words are
    spread over the voiced time, skipping pauses, in proportion to their character length: word
    edges then fall roughly right and never inside a pause.
    """
    folded = fold_marks(raw)
    spans: list[tuple[float, float]] = []  # voiced runs (start, end)
    phonemes: list[PhonemeTiming] = []
    t = 0.0
    run_start: float | None = None
    for symbol, seconds in folded:
        if symbol in (WORD_GAP, PAUSE):
            if run_start is not None:
                spans.append((run_start, t))
                run_start = None
            if symbol == WORD_GAP and phonemes and phonemes[-1].phoneme != PAUSE:
                phonemes[-1].duration += seconds
            else:
                phonemes.append(PhonemeTiming(phoneme=PAUSE, start=t, duration=seconds))
        else:
            if run_start is None:
                run_start = t
            phonemes.append(PhonemeTiming(phoneme=symbol, start=t, duration=seconds))
        t += seconds
    if run_start is not None:
        spans.append((run_start, t))
    return _merge_pauses(phonemes), map_words(spans, words)


def _merge_pauses(phonemes: list[PhonemeTiming]) -> list[PhonemeTiming]:
    out: list[PhonemeTiming] = []
    for item in phonemes:
        if out and item.phoneme == PAUSE and out[-1].phoneme == PAUSE:
            out[-1].duration += item.duration
        elif item.duration > 0 or item.phoneme != PAUSE:
            out.append(item)
    return out


def map_words(spans: list[tuple[float, float]], words: list[str]) -> list[WordTiming]:
    """Assign text words to voiced spans (see ``build_timings`` for the fallback rule)."""
    if not words or not spans:
        return []
    if len(spans) == len(words):
        return [WordTiming(word=w, start=s, end=e) for w, (s, e) in zip(words, spans, strict=True)]
    voiced = sum(e - s for s, e in spans)
    weights = [max(len(w), 1) for w in words]
    total = float(sum(weights))

    def at_voiced(offset: float, is_start: bool = False) -> float:
        # Map "seconds of voiced time" back to media time by walking the spans; a word that
        # starts exactly at a span's end starts at the next span, not in the pause before it.
        for s, e in spans:
            if offset < e - s - 1e-9 or (not is_start and offset <= e - s + 1e-9):
                return s + offset
            offset -= e - s
        return spans[-1][1]

    out = []
    acc = 0.0
    for word, weight in zip(words, weights, strict=True):
        start = at_voiced(voiced * acc / total, is_start=True)
        acc += weight
        out.append(WordTiming(word=word, start=start, end=at_voiced(voiced * acc / total)))
    return out

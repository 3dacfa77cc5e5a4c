"""Medication names from the patient's discharge list, tolerant of aliases and ASR errors.

Only the discharge list is searched: matching against a closed list is what lets a fuzzy match
("metropolol", "meta pro lol") be trusted, and it never names a drug the patient was not given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rapidfuzz import fuzz

from visavis.mind.understanding.text import normalize

#: Below this similarity (0-100) a spoken word sequence is not taken for a drug name.
FUZZY_THRESHOLD = 82.0
#: The same, on consonant skeletons: recognizers get a drug name's consonants right far more
#: often than its vowels ("metaproal", "metapro wall" for metoprolol).
SKELETON_THRESHOLD = 85.0
#: Names this short are matched exactly: fuzzy matching them hits ordinary words.
MIN_FUZZY_LEN = 6


def find_medications(text: str, names: Mapping[str, Sequence[str]]) -> list[str]:
    """Canonical names mentioned in ``text``, in the order spoken.

    ``names`` maps each canonical (generic) name to its aliases: brand names, common names
    ("water pill"), spellings.
    """
    ws = normalize(text).split()
    found: list[tuple[int, str]] = []
    for canonical, aliases in names.items():
        best: tuple[float, int] | None = None
        for alias in {canonical, *aliases}:
            hit = _best_position(ws, normalize(alias))
            if hit and (best is None or hit[0] > best[0]):
                best = hit
        if best:
            found.append((best[1], canonical))
    return [name for _, name in sorted(found)]


def _best_position(ws: list[str], alias: str) -> tuple[float, int] | None:
    """(score, word index) of the best match of ``alias`` among ``ws``, or None."""
    alias_words = alias.split()
    if not alias_words:
        return None
    target = alias.replace(" ", "")
    best: tuple[float, int] | None = None
    size = len(alias_words)
    # ASR splits unfamiliar drug names into several words, so also try longer windows.
    for width in {size, size + 1, size + 2}:
        for i in range(0, max(0, len(ws) - width + 1)):
            window = ws[i : i + width]
            if window == alias_words:
                return (100.0, i)
            if len(target) < MIN_FUZZY_LEN or width != size and size > 1:
                continue
            joined = "".join(window)
            score = fuzz.ratio(joined, target)
            if score < FUZZY_THRESHOLD and joined[:1] == target[:1]:
                skeleton = fuzz.ratio(_skeleton(joined), _skeleton(target))
                if skeleton >= SKELETON_THRESHOLD:
                    score = FUZZY_THRESHOLD + (skeleton - SKELETON_THRESHOLD) / 10.0
            if score >= FUZZY_THRESHOLD and (best is None or score > best[0]):
                best = (score, i)
    return best


def _skeleton(word: str) -> str:
    """Consonants only, doubled letters collapsed: "metoprolol" -> "mtprll" -> "mtprl"."""
    consonants = [c for c in word if c.isalpha() and c not in "aeiouy"]
    return "".join(c for i, c in enumerate(consonants) if i == 0 or c != consonants[i - 1])

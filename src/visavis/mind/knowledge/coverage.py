"""Soft query coverage: how much of a question a passage (or one sentence of it) holds.

Each question word has a weight (its idf in the documents times its specificity in general
English). A word counts as covered when the text holds it (same stem) or, for an everyday word,
a word close to it in meaning ("wine" ~ "alcohol"); a word no document holds nor resembles is
*unknown* and weighs as much as the rarest known word, more when it is a rare word (several
word pieces: a drug or condition name the leaflet does not cover).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

#: A question word counts as present when its vector is this close to one of the text's words.
WORD_MATCH = 0.6
#: A soft match counts its similarity, not a whole word.
PARTIAL_CREDIT = True


@dataclass
class QueryWords:
    """Per question word: stem, weight, whether matched by meaning, similarity to doc words."""

    terms: list[str]
    weights: list[float]  # weight when the word is known to the documents
    unknown_weights: list[float]  # weight when it is not (rarity x highest idf x specificity)
    soft: list[bool]  # everyday word: may be matched by meaning
    known: list[bool]  # held by some document, or close to one of their words
    similar: np.ndarray | None  # question word x document word cosine (rows of soft words)


@dataclass(frozen=True)
class Coverage:
    covered: float
    total: float
    in_heading: float

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total > 0 else 0.0


def coverage(
    q: QueryWords,
    terms: Collection[str],
    words: np.ndarray,
    heading_terms: Collection[str] = (),
) -> Coverage:
    """Coverage of the question by a text with stems ``terms`` and document-word ids ``words``."""
    covered = total = in_heading = 0.0
    for n, term in enumerate(q.terms):
        weight = q.weights[n]
        if term in terms:
            covered += weight
            total += weight
            in_heading += weight if term in heading_terms else 0.0
            continue
        # Only everyday words are matched by meaning: names split into pieces look alike by
        # their pieces ("metformin" ~ "metoprolol" at 0.68).
        near = (
            float(q.similar[n, words].max())
            if q.soft[n] and q.similar is not None and len(words)
            else 0.0
        )
        if near >= WORD_MATCH:
            covered += weight * near if PARTIAL_CREDIT else weight
            total += weight
            continue
        total += weight if q.known[n] else q.unknown_weights[n]
    return Coverage(covered, total, in_heading)

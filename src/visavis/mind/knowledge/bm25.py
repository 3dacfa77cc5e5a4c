"""Okapi BM25 over chunks, in pure Python and numpy.

A knowledge base for one clinic holds tens to hundreds of chunks, so an exact lexical index is
both fast enough (each term's BM25 weights are precomputed at build time, a query is a handful
of numpy scatter-adds) and explainable: a passage matched because it shares these words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from visavis.mind.knowledge.chunking import Chunk

K1 = 1.5
B = 0.75

# Question words and function words: they say what kind of answer is wanted, not what about.
_STOP_WORDS = """
    a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing don down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just let me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    okay ok please tell know much many get got go going want need like really thing things
    im ive id ill dont doesnt didnt cant wont isnt arent
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# A word with an optional clitic ("what's", "don't", "patient's"): the clitic is split off so
# "what's" is the stop word "what", not a content term "whats" (stemmed to "what").
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
# Negations whose stem is not the word before "n't".
_NEGATIONS = {"can't": "can", "won't": "will", "shan't": "shall", "ain't": "is"}


def _base(token: str) -> str:
    """A word without its clitic: "what's" -> "what", "doesn't" -> "does", "I'm" -> "i"."""
    if "'" not in token:
        return token
    if token in _NEGATIONS:
        return _NEGATIONS[token]
    word, clitic = token.split("'", 1)
    # 's (is / has / possessive), 're, 've, 'll, 'd and 'm carry no topic; "n't" leaves "does".
    if clitic == "t" and word.endswith("n"):
        return word[:-1]
    return word


_VOWELS = frozenset("aeiouy")


def stem(word: str) -> str:
    """A light, conservative English stemmer: plurals, -ing and -ed, then a final e.

    Porter-style stemmers over-merge short medical words; this only folds the inflections a
    spoken question and a written leaflet disagree on ("pills"/"pill", "swelling"/"swell",
    "weighed"/"weigh", "take"/"taking"). Both sides go through it, so stems need not be words.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    stripped = False
    if w.endswith("ing") and len(w) > 5 and _VOWELS & set(w[:-3]):
        w, stripped = w[:-3], True
    elif w.endswith("ed") and len(w) > 4 and not w.endswith("eed") and _VOWELS & set(w[:-2]):
        w, stripped = w[:-2], True
    # "stopped" -> "stopp" -> "stop"; but "swelling" keeps its ll ("swell").
    if stripped and len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz" + "".join(_VOWELS):
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def tokenize_words(text: str) -> list[tuple[str, str]]:
    """(stem, word) pairs of the content words: the word is kept for embedding lookups."""
    raw = [_base(t) for t in _TOKEN.findall(text.lower().translate(_APOSTROPHES))]
    return [(stem(t), t) for t in raw if t not in STOP_WORDS and (len(t) > 1 or t.isdigit())]


def tokenize(text: str) -> list[str]:
    """Lowercased, stop-word-free, stemmed tokens; digits are kept ("2 g", "911")."""
    return [term for term, _ in tokenize_words(text)]


@dataclass(frozen=True)
class _Postings:
    docs: np.ndarray  # int32 chunk positions holding the term
    weights: np.ndarray  # float64 BM25 term weight (idf x saturated tf) in each of them


class BM25Index:
    """BM25 over chunks; heading tokens count ``heading_weight`` times in the chunk's text."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        *,
        k1: float = K1,
        b: float = B,
        heading_weight: int = 2,
    ) -> None:
        self.chunks: list[Chunk] = list(chunks)
        self.k1 = k1
        self.b = b
        self.heading_weight = heading_weight
        # The document-side token lists, kept for rescoring (coverage, bigrams) by retrieval.
        self.body_tokens: list[list[str]] = [tokenize(c.text) for c in self.chunks]
        self.heading_tokens: list[list[str]] = [tokenize(" ".join(c.heading_path)) for c in chunks]
        self.term_sets: list[frozenset[str]] = [
            frozenset(body) | frozenset(head)
            for body, head in zip(self.body_tokens, self.heading_tokens, strict=True)
        ]
        self._postings: dict[str, _Postings] = {}
        self._idf: dict[str, float] = {}
        self._build()

    def __len__(self) -> int:
        return len(self.chunks)

    def __contains__(self, term: object) -> bool:
        """Whether any chunk holds the (stemmed) term."""
        return term in self._idf

    def _build(self) -> None:
        n = len(self.chunks)
        if n == 0:
            return
        counts = [
            Counter(body + head * self.heading_weight)
            for body, head in zip(self.body_tokens, self.heading_tokens, strict=True)
        ]
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avgdl = max(float(lengths.mean()), 1.0)
        norm = self.k1 * (1.0 - self.b + self.b * lengths / avgdl)
        by_term: dict[str, tuple[list[int], list[int]]] = {}
        for position, counter in enumerate(counts):
            for term, tf in counter.items():
                docs, tfs = by_term.setdefault(term, ([], []))
                docs.append(position)
                tfs.append(tf)
        for term, (docs, tfs) in by_term.items():
            # Lucene's idf: never negative, so a term in most chunks still adds a little.
            idf = math.log(1.0 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            doc_arr = np.asarray(docs, dtype=np.int32)
            tf_arr = np.asarray(tfs, dtype=np.float64)
            weights = idf * tf_arr * (self.k1 + 1.0) / (tf_arr + norm[doc_arr])
            self._postings[term] = _Postings(doc_arr, weights)
            self._idf[term] = idf

    def idf(self, term: str) -> float:
        """A term's idf; a term no chunk holds counts as much as the rarest term held.

        An unseen word in a question is at least as telling as any indexed one ("ibuprofen"
        against a leaflet without it), but not infinitely so: one stray word ("knee") must not
        sink a question whose key words a passage does hold.
        """
        if term in self._idf:
            return self._idf[term]
        n = len(self.chunks)
        return math.log(1.0 + (n - 0.5) / 1.5)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """The BM25 score of every chunk for already-tokenized query terms (each counted once)."""
        total = np.zeros(len(self.chunks), dtype=np.float64)
        for term in dict.fromkeys(query_tokens):
            postings = self._postings.get(term)
            if postings is not None:
                np.add.at(total, postings.docs, postings.weights)
        return total

    def search(self, query: str, k: int = 3) -> list[tuple[Chunk, float]]:
        """The top ``k`` chunks with a positive score, best first."""
        if not self.chunks or k <= 0:
            return []
        scores = self.scores(tokenize(query))
        top = top_k(scores, k)
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0.0]


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` highest scores, best first; ties keep chunk order (determinism)."""
    if len(scores) == 0:
        return []
    k = min(k, len(scores))
    # A stable sort on the negated scores is exact and cheap at knowledge-base sizes.
    order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order[:k]]

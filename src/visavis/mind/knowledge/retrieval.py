"""The knowledge base: documents in, grounded passages (or nothing) out.

Returning nothing is the point as much as returning something: the agent may answer a question
only from a passage, so a question the documents do not cover must come back empty and the
agent says it will ask the care team. Every strategy therefore applies the same relevance test,
**query coverage**: the idf-weighted share of the question's content words that the passage
contains. Words no document holds count at the highest idf, so "Can I take ibuprofen for my
knee?" against a leaflet without ibuprofen or knees fails even though "take" matches.

Strategies (embeddings come later and will slot in as a rescoring step of ``quality``):

- ``speed``: BM25 top-k and the coverage test; no rescoring.
- ``balanced`` (default): BM25, boosted when the question's words are in the passage's
  heading path (headings name what a section answers), then the coverage test.
- ``quality``: ``balanced`` plus a phrase score: query bigrams ("follow up", "water pill")
  found as adjacent words in the passage raise it over passages with the words scattered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from visavis.mind.knowledge.bm25 import BM25Index, tokenize, top_k
from visavis.mind.knowledge.chunking import DEFAULT_MAX_WORDS, Chunk, chunk_document
from visavis.mind.knowledge.documents import Document

Strategy = Literal["speed", "balanced", "quality"]
STRATEGIES: tuple[str, ...] = ("speed", "balanced", "quality")

#: A passage must hold at least this idf-weighted share of the question's content words.
MIN_COVERAGE = 0.5
#: Passages after the first must score at least this fraction of the best one.
RELATIVE_FLOOR = 0.35
HEADING_BOOST = 0.5
PHRASE_BOOST = 0.5
#: How many BM25 candidates the rescoring strategies look at before cutting to k.
CANDIDATES = 20


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    document_id: str
    document_name: str
    heading: str
    text: str
    score: float


def _bigrams(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


class KnowledgeBase:
    """Documents chunked and indexed in memory; the index is rebuilt lazily after changes."""

    def __init__(
        self,
        documents: Iterable[Document] = (),
        *,
        max_words: int = DEFAULT_MAX_WORDS,
        overlap_sentences: int = 0,
        min_coverage: float = MIN_COVERAGE,
    ) -> None:
        self.max_words = max_words
        self.overlap_sentences = overlap_sentences
        self.min_coverage = min_coverage
        self._documents: dict[str, Document] = {}
        self._chunks: dict[str, list[Chunk]] = {}
        self._index: BM25Index | None = None
        self._bigrams: list[set[tuple[str, str]]] = []
        for document in documents:
            self.add(document)

    @property
    def documents(self) -> list[Document]:
        return list(self._documents.values())

    @property
    def chunks(self) -> list[Chunk]:
        return [c for chunks in self._chunks.values() for c in chunks]

    def add(self, document: Document) -> list[Chunk]:
        """Add or replace (same ``document_id``) a document; returns its chunks."""
        chunks = chunk_document(
            document, max_words=self.max_words, overlap_sentences=self.overlap_sentences
        )
        self._documents[document.document_id] = document
        self._chunks[document.document_id] = chunks
        self._index = None
        return chunks

    def remove(self, document_id: str) -> bool:
        """Remove a document; False when there was none with that id."""
        if self._documents.pop(document_id, None) is None:
            return False
        del self._chunks[document_id]
        self._index = None
        return True

    def _ensure_index(self) -> BM25Index:
        if self._index is None:
            self._index = BM25Index(self.chunks)
            self._bigrams = [_bigrams(tokens) for tokens in self._index.body_tokens]
        return self._index

    def search(self, query: str, k: int = 3, strategy: Strategy = "balanced") -> list[Passage]:
        """Up to ``k`` passages that answer ``query``, best first; [] when none is relevant."""
        if strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
        index = self._ensure_index()
        terms = list(dict.fromkeys(tokenize(query)))
        if not terms or not len(index) or k <= 0:
            return []
        scores = index.scores(terms)
        candidates = [i for i in top_k(scores, max(k, CANDIDATES)) if scores[i] > 0.0]
        if not candidates:
            return []
        idf = np.array([index.idf(t) for t in terms])
        total_idf = float(idf.sum())
        query_bigrams = _bigrams(tokenize(query)) if strategy == "quality" else set()

        ranked: list[tuple[float, int]] = []
        for i in candidates:
            present = np.array([t in index.term_sets[i] for t in terms])
            coverage = float(idf[present].sum()) / total_idf
            if coverage < self.min_coverage:
                continue
            score = float(scores[i])
            if strategy != "speed":
                in_heading = np.array([t in index.heading_tokens[i] for t in terms])
                score *= 1.0 + HEADING_BOOST * float(idf[in_heading].sum()) / total_idf
            if query_bigrams:
                found = len(query_bigrams & self._bigrams[i]) / len(query_bigrams)
                score *= 1.0 + PHRASE_BOOST * found
            ranked.append((score, i))
        if not ranked:
            return []
        # Sort by score, then chunk position, so equal scores come back in a stable order.
        ranked.sort(key=lambda pair: (-pair[0], pair[1]))
        best = ranked[0][0]
        kept = [(s, i) for s, i in ranked[:k] if s >= RELATIVE_FLOOR * best]
        return [self._passage(index.chunks[i], s) for s, i in kept]

    def _passage(self, chunk: Chunk, score: float) -> Passage:
        document = self._documents[chunk.document_id]
        return Passage(
            chunk_id=chunk.chunk_id,
            document_id=chunk.document_id,
            document_name=document.name,
            heading=chunk.heading or document.name,
            text=chunk.text,
            score=round(score, 4),
        )

"""Heading-aware chunking of a document's Markdown text into retrievable passages.

A chunk never crosses a heading: the heading path ("Medications > Water pill") tells the agent
(and the person auditing an answer) where a passage came from, and it is what a short spoken
question most often matches. Paragraphs are packed up to ``max_words`` so one passage is about
what the agent can read back in a breath or two; a long paragraph is split at sentence ends.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from visavis.mind.knowledge.documents import Document
from visavis.mind.knowledge.formats import Block, parse_markdown, title_of

DEFAULT_MAX_WORDS = 120

# A sentence ends at . ! or ? followed by space and a capital, digit or quote; "e.g. the" and
# "2.5 mg" stay whole because the next character is lowercase or there is no space.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9\"'(\[])")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    document_id: str
    heading_path: tuple[str, ...]
    text: str
    index: int

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
_HEADING = re.compile(r"^\s*#{1,6}\s+")


def speakable(text: str) -> str:
    """Text as it should be read aloud: no Markdown emphasis, links, bullets or headings."""
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _HEADING.sub("", _BULLET.sub("", text))
    return re.sub(r"\s+", " ", text).strip()


def sentences_of(text: str) -> list[str]:
    """A chunk's sentences, speakable, line by line (a list item is never joined to the next)."""
    return [s for line in text.split("\n") for s in split_sentences(speakable(line)) if s]


def _word_count(text: str) -> int:
    return len(text.split())


def _units(paragraph: str, max_words: int) -> list[str]:
    """A paragraph as units of at most ``max_words``: whole, by sentences, or by words."""
    if _word_count(paragraph) <= max_words:
        return [paragraph]
    units: list[str] = []
    for sentence in split_sentences(paragraph):
        words = sentence.split()
        # A run-on "sentence" (a list pasted without stops) is cut by words as a last resort.
        for start in range(0, len(words), max_words):
            units.append(" ".join(words[start : start + max_words]))
    return units


def _sections(blocks: list[Block]) -> list[tuple[tuple[str, ...], list[str]]]:
    """Group paragraphs under the full heading path above them."""
    # The title names the whole document (it becomes the document name), so repeating it in
    # every heading path would only add noise: "Medications > Water pill", not "Leaflet > ...".
    if title_of(blocks) is not None:
        blocks = blocks[1:]
    sections: list[tuple[tuple[str, ...], list[str]]] = []
    stack: list[tuple[int, str]] = []
    current: list[str] = []
    path: tuple[str, ...] = ()
    for block in blocks:
        if block.is_heading:
            if current:
                sections.append((path, current))
            current = []
            # A heading closes every open heading at its level or deeper.
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, block.text))
            path = tuple(text for _, text in stack)
        else:
            current.append(block.text)
    if current:
        sections.append((path, current))
    return sections


def _chunk_id(document_id: str, index: int, text: str) -> str:
    # Position plus a content hash: stable across re-indexing of the same text, and a changed
    # passage gets a new id so cached citations of the old text cannot point at the new one.
    digest = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
    return f"{document_id}:{index:04d}:{digest}"


def chunk_text(
    document_id: str,
    markdown: str,
    *,
    max_words: int = DEFAULT_MAX_WORDS,
    overlap_sentences: int = 0,
) -> list[Chunk]:
    """Chunk Markdown text; ``overlap_sentences`` repeats the tail of a chunk in the next one."""
    if max_words < 10:
        raise ValueError("max_words must be at least 10")
    chunks: list[Chunk] = []
    for path, paragraphs in _sections(parse_markdown(markdown)):
        units = [u for p in paragraphs for u in _units(p, max_words)]
        packed: list[list[str]] = [[]]
        for unit in units:
            size = sum(_word_count(u) for u in packed[-1])
            if packed[-1] and size + _word_count(unit) > max_words:
                tail = split_sentences(packed[-1][-1])[-overlap_sentences:]
                packed.append([" ".join(tail)] if overlap_sentences and tail else [])
            packed[-1].append(unit)
        for group in packed:
            text = "\n".join(group)
            if text.strip():
                n = len(chunks)
                chunks.append(Chunk(_chunk_id(document_id, n, text), document_id, path, text, n))
    return chunks


def chunk_document(
    document: Document, *, max_words: int = DEFAULT_MAX_WORDS, overlap_sentences: int = 0
) -> list[Chunk]:
    return chunk_text(
        document.document_id,
        document.text,
        max_words=max_words,
        overlap_sentences=overlap_sentences,
    )

"""The knowledge base: uploaded documents, chunked and indexed, for grounded answers."""

from visavis.mind.knowledge.bm25 import BM25Index, tokenize
from visavis.mind.knowledge.chunking import Chunk, chunk_document, chunk_text
from visavis.mind.knowledge.documents import (
    MAX_BYTES,
    Document,
    DocumentError,
    ParsedDocument,
    parse_document,
)
from visavis.mind.knowledge.retrieval import STRATEGIES, KnowledgeBase, Passage, Strategy

__all__ = [
    "MAX_BYTES",
    "STRATEGIES",
    "BM25Index",
    "Chunk",
    "Document",
    "DocumentError",
    "KnowledgeBase",
    "ParsedDocument",
    "Passage",
    "Strategy",
    "chunk_document",
    "chunk_text",
    "parse_document",
    "tokenize",
]

"""The knowledge base: uploaded documents, chunked and indexed, for grounded answers."""

from visavis.mind.knowledge import vectors
from visavis.mind.knowledge.answer import GroundedAnswer, answer_question, looks_like_question
from visavis.mind.knowledge.bm25 import BM25Index, tokenize
from visavis.mind.knowledge.chunking import Chunk, chunk_document, chunk_text
from visavis.mind.knowledge.documents import (
    MAX_BYTES,
    Document,
    DocumentError,
    ParsedDocument,
    parse_document,
)
from visavis.mind.knowledge.embeddings import Encoder, EncoderUnavailableError, load_encoder
from visavis.mind.knowledge.retrieval import STRATEGIES, KnowledgeBase, Passage, Strategy

__all__ = [
    "MAX_BYTES",
    "STRATEGIES",
    "BM25Index",
    "Chunk",
    "Document",
    "DocumentError",
    "Encoder",
    "EncoderUnavailableError",
    "GroundedAnswer",
    "KnowledgeBase",
    "ParsedDocument",
    "Passage",
    "Strategy",
    "answer_question",
    "chunk_document",
    "chunk_text",
    "load_encoder",
    "looks_like_question",
    "parse_document",
    "tokenize",
    "vectors",
]

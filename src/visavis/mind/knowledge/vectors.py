"""Embeddings of chunks, sentences and words, computed once per text and shared in-process.

A knowledge base is rebuilt whenever a call starts or a document is uploaded, and it is the same
few documents each time; keying vectors by a hash of the text means a second ``KnowledgeBase``
over the same documents embeds nothing. When the model is not installed, hybrid retrieval must
degrade to BM25 rather than fail a call, so ``shared_encoder`` logs one warning and returns None.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence

import numpy as np

from visavis.mind.knowledge.embeddings import DIM, Encoder, EncoderUnavailableError, load_encoder

log = logging.getLogger(__name__)

#: Entries kept (a vector is 1.5 KiB, so this bounds the cache at about 100 MiB).
MAX_ENTRIES = 65536

_cache: dict[bytes, np.ndarray] = {}
#: Keys of texts embedded for documents (chunks, sentences, words), kept by ``forget_queries``.
_document_keys: set[bytes] = set()
_lock = threading.Lock()
_warned = False


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def embed(encoder: Encoder, texts: Sequence[str], *, document: bool = False) -> np.ndarray:
    """Unit vectors of ``texts`` (n x 384): cached ones looked up, the rest encoded in one go.

    ``document`` marks document text (kept by ``forget_queries``); question words are not.
    """
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    keys = [_key(t) for t in texts]
    if document:
        with _lock:
            _document_keys.update(keys)
    with _lock:
        found = [_cache.get(k) for k in keys]
    missing = sorted({i for i, v in enumerate(found) if v is None}, key=lambda i: texts[i])
    if missing:
        unique = list(dict.fromkeys(texts[i] for i in missing))
        vectors = dict(zip(unique, encoder.encode(unique), strict=True))
        with _lock:
            if len(_cache) + len(unique) > MAX_ENTRIES:
                _cache.clear()  # a crude bound; the working set is rebuilt on the next add
                _document_keys.clear()
            for text, vector in vectors.items():
                _cache[_key(text)] = vector
        for i in missing:
            found[i] = vectors[texts[i]]
    return np.stack(found).astype(np.float32, copy=False)  # type: ignore[arg-type]


def embed_one(encoder: Encoder, text: str) -> np.ndarray:
    """One text's vector (cached until ``forget_queries``: ``answer_question`` embeds the
    question again after ``search`` did)."""
    return embed_query(encoder, text, [])[0]


def embed_query(
    encoder: Encoder, query: str, words: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """The question's vector and its ``words``' vectors (len(words) x 384), in one pass.

    Whatever is not cached (the question, the words no document holds) is encoded in a single
    packed forward pass (``Encoder.encode_packed``): one ~15-token question plus a few 3-token
    words cost about as much as the question alone, where separate calls cost twice as much.
    """
    texts = [query, *words]
    keys = [_key(t) for t in texts]
    with _lock:
        found = [_cache.get(k) for k in keys]
    missing = list(dict.fromkeys(t for t, v in zip(texts, found, strict=True) if v is None))
    if missing:
        computed = dict(zip(missing, encoder.encode_packed(missing), strict=True))
        with _lock:
            if len(_cache) + len(missing) > MAX_ENTRIES:
                _cache.clear()
                _document_keys.clear()
            for text, vector in computed.items():
                _cache[_key(text)] = vector
        found = [computed[t] if v is None else v for t, v in zip(texts, found, strict=True)]
    word_vectors = np.stack(found[1:]) if words else np.zeros((0, DIM), dtype=np.float32)
    return found[0], word_vectors  # type: ignore[return-value]


def shared_encoder() -> Encoder | None:
    """The process's encoder, or None (and one logged warning) when the model is missing."""
    global _warned
    try:
        return load_encoder()
    except EncoderUnavailableError as exc:
        if not _warned:
            _warned = True
            log.warning("knowledge retrieval falls back to BM25 only: %s", exc)
        return None


def forget_queries() -> None:
    """Drop cached vectors except the documents' (benchmarks time questions cold)."""
    with _lock:
        for key in [k for k in _cache if k not in _document_keys]:
            del _cache[key]


def cache_size() -> int:
    return len(_cache)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _document_keys.clear()

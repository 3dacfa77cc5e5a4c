"""Sentence embeddings with all-MiniLM-L6-v2, run as a plain numpy forward pass (no torch).

The model is a 6-layer BERT (384 hidden, 12 heads, 1536 intermediate, exact GELU, LayerNorm
eps 1e-12). sentence-transformers embeds a sentence as the mean of the last layer's token
vectors over the attention mask, L2-normalised, with at most 256 tokens; this module does the
same. The weights are read straight from ``model.safetensors`` (an 8-byte little-endian header
length, a JSON header of dtype/shape/offsets, then raw little-endian tensors), memory-mapped, so
loading takes well under a second. The files come from ``visavis models install``; nothing is
ever downloaded here.
"""

from __future__ import annotations

import json
import struct
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

MODEL_NAME = "text.all-minilm-l6-v2"
#: sentence-transformers' max_seq_length for this model (the tokenizer.json says 128).
MAX_TOKENS = 256
DIM = 384
#: Vocabulary ids (Zipf ranks) for ``Encoder.specificity``: up to ~2000 = everyday words.
COMMON_RANK = 2000.0
VOCAB_RANK = 30000.0
MIN_SPECIFICITY = 0.15

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class EncoderUnavailableError(RuntimeError):
    """The embedding model files are missing or damaged; the message says how to fix it."""


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """All tensors of a safetensors file as read-only numpy arrays over a memory map."""
    with path.open("rb") as handle:
        (header_len,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_len))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_len)
    tensors: dict[str, np.ndarray] = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        start, end = spec["data_offsets"]
        dtype = np.dtype(_DTYPES[spec["dtype"]]).newbyteorder("<")
        tensors[name] = raw[start:end].view(dtype).reshape(spec["shape"])
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (max error 1.5e-7, below float32 resolution of the
    # activations): BERT uses the exact erf GELU, and the tanh approximation drifts by ~1e-3.
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))).astype(np.float32)


def _array(tensor: np.ndarray) -> np.ndarray:
    return np.array(tensor, dtype=np.float32)  # a copy in memory: a plain ndarray


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class _Layer:
    """One transformer block; weights transposed once so a forward pass is x @ W + b."""

    def __init__(self, t: dict[str, np.ndarray], prefix: str) -> None:
        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            w = np.ascontiguousarray(t[f"{prefix}.{name}.weight"].T, dtype=np.float32)
            return w, np.asarray(t[f"{prefix}.{name}.bias"], dtype=np.float32)

        q, k, v = (linear(f"attention.self.{n}") for n in ("query", "key", "value"))
        # Q, K and V as one matmul: one pass over the activations instead of three.
        self.qkv_w = np.concatenate([q[0], k[0], v[0]], axis=1)
        self.qkv_b = np.concatenate([q[1], k[1], v[1]])
        self.out_w, self.out_b = linear("attention.output.dense")
        # Plain arrays, not memory-map views: numpy ops on a memmap carry subclass overhead.
        self.ln1 = (_array(t[f"{prefix}.attention.output.LayerNorm.weight"]),)
        self.ln1 += (_array(t[f"{prefix}.attention.output.LayerNorm.bias"]),)
        self.up_w, self.up_b = linear("intermediate.dense")
        self.down_w, self.down_b = linear("output.dense")
        self.ln2 = (_array(t[f"{prefix}.output.LayerNorm.weight"]),)
        self.ln2 += (_array(t[f"{prefix}.output.LayerNorm.bias"]),)


class Encoder:
    """all-MiniLM-L6-v2: ``encode(texts)`` gives unit-length float32 vectors of size 384."""

    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer  # the tokenizers package: fast, no torch

        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        t = read_safetensors(directory / "model.safetensors")
        self.word = t["embeddings.word_embeddings.weight"]
        self.position = np.asarray(t["embeddings.position_embeddings.weight"], dtype=np.float32)
        self.token_type = _array(t["embeddings.token_type_embeddings.weight"][0])
        self.ln = (_array(t["embeddings.LayerNorm.weight"]), _array(t["embeddings.LayerNorm.bias"]))
        self.layers = [
            _Layer(t, f"encoder.layer.{i}") for i in range(int(config["num_hidden_layers"]))
        ]
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        # Pad each batch to its longest member, not to the file's fixed 128.
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        # numpy's BLAS is not guaranteed re-entrant across our worker threads.
        self._lock = threading.Lock()
        self._threads = ThreadpoolController()

    def pieces(self, word: str) -> int:
        """How many WordPiece tokens a word takes: 1 for the model's common words."""
        return max(1, len(self.tokenizer.encode(word, add_special_tokens=False).ids))

    def specificity(self, word: str) -> float:
        """How informative a word is in general English, from 0.15 (very common) to 1 (rare).

        BERT's uncased vocabulary lists whole words roughly by corpus frequency (ids from 1996,
        "the"), so a word's id is a Zipf rank and log(rank) an idf from a general corpus: it
        tells a conversational filler ("supposed", "pretty") from a topic word ("potassium").
        A word split into pieces is outside the 30k most frequent ones: rare.
        """
        ids = self.tokenizer.encode(word, add_special_tokens=False).ids
        if len(ids) != 1:
            return 1.0
        span = np.log(ids[0] / COMMON_RANK) / np.log(VOCAB_RANK / COMMON_RANK)
        return float(np.clip(span, MIN_SPECIFICITY, 1.0))

    def encode(self, texts: list[str] | tuple[str, ...], batch_size: int = 32) -> np.ndarray:
        """Embeddings of ``texts`` (n x 384, unit length); batches of similar lengths together."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        # One BLAS thread: these matrices are small (tokens x 384), and waking OpenBLAS's
        # worker threads on a busy 2-core machine made a 12-token query take 300 ms, not 10.
        with self._lock, self._threads.limit(limits=1, user_api="blas"):
            for start in range(0, len(order), batch_size):
                batch = order[start : start + batch_size]
                out[batch] = self._encode_batch([texts[i] for i in batch])
        return out

    def encode_packed(self, texts: list[str] | tuple[str, ...]) -> np.ndarray:
        """Like ``encode``, but all texts in one forward pass of one packed sequence.

        The texts' tokens are laid end to end (positions restarting at each text) and attention
        is masked block-diagonally, so each text sees only itself: the same vectors as
        ``encode`` without padding, and the weights are streamed once rather than once per
        batch. For a handful of short texts (a question and its new words) it is the cheapest
        way; the attention matrix grows with the square of the total, so keep it small.
        """
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = [int(sum(e.attention_mask)) for e in encodings]
        ids = np.array([i for e, n in zip(encodings, lengths, strict=True) for i in e.ids[:n]])
        segment = np.repeat(np.arange(len(texts)), lengths)
        positions = np.concatenate([np.arange(n) for n in lengths])
        bias = np.where(segment[:, None] == segment[None, :], 0.0, -1e9).astype(np.float32)
        with self._lock, self._threads.limit(limits=1, user_api="blas"):
            hidden = self.forward(ids[None], None, positions=positions, bias=bias[None, None])[0]
        pooled = np.zeros((len(texts), DIM), dtype=np.float32)
        np.add.at(pooled, segment, hidden)
        pooled /= np.array(lengths, dtype=np.float32)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        hidden = self.forward(ids, mask)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(1), 1e-9)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def forward(
        self,
        ids: np.ndarray,
        mask: np.ndarray | None,
        *,
        positions: np.ndarray | None = None,
        bias: np.ndarray | None = None,
    ) -> np.ndarray:
        """The last hidden layer (batch x tokens x 384) for token ids and an attention mask.

        ``positions`` and an additive attention ``bias`` (instead of ``mask``) pack several
        texts into one sequence (``encode_packed``).
        """
        batch, length = ids.shape
        position = self.position[positions] if positions is not None else self.position[:length]
        x = self.word[ids] + position[None] + self.token_type
        x = _layer_norm(x.astype(np.float32), *self.ln, self.eps)
        head_dim = x.shape[-1] // self.heads
        if bias is None:
            assert mask is not None
            # Padding keys get a large negative score so softmax gives them no weight.
            bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head_dim))
        for layer in self.layers:
            qkv = x @ layer.qkv_w + layer.qkv_b
            qkv = qkv.reshape(batch, length, 3, self.heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            context = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
            x = _layer_norm(context @ layer.out_w + layer.out_b + x, *layer.ln1, self.eps)
            up = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(up @ layer.down_w + layer.down_b + x, *layer.ln2, self.eps)
        return x


def model_dir() -> Path:
    """The installed model directory, or EncoderUnavailableError naming the fix."""
    from visavis.models import ModelUnavailableError, locate

    try:
        return locate(MODEL_NAME)
    except ModelUnavailableError as exc:
        raise EncoderUnavailableError(
            f"the text embedding model is not installed ({exc}); "
            "run `visavis models install` (or `make models`)"
        ) from exc


@lru_cache(maxsize=1)
def load_encoder() -> Encoder:
    """The process-wide encoder, loaded on first use (~0.2 s: the weights are memory-mapped)."""
    return Encoder(model_dir())


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two (already unit-length) embeddings."""
    return float(np.dot(a, b))

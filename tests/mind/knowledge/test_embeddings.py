"""The numpy MiniLM encoder against published figures and semantic sanity checks.

Needs the installed model (``visavis models install``); torch is never involved.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from visavis.mind.knowledge import embeddings
from visavis.mind.knowledge.embeddings import (
    DIM,
    Encoder,
    EncoderUnavailableError,
    load_encoder,
    read_safetensors,
)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return load_encoder()


def test_published_similarities_of_all_minilm_l6_v2(encoder: Encoder) -> None:
    # sentence-transformers' quickstart prints these for all-MiniLM-L6-v2:
    # [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]],
    # and its semantic-similarity page 0.8939 for the movie pair.
    v = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    sims = v @ v.T
    assert sims[0, 1] == pytest.approx(0.6660, abs=2e-3)
    assert sims[0, 2] == pytest.approx(0.1046, abs=2e-3)
    assert sims[1, 2] == pytest.approx(0.1411, abs=2e-3)
    movie = encoder.encode(["The new movie is awesome", "The new movie is so great"])
    assert float(movie[0] @ movie[1]) == pytest.approx(0.8939, abs=2e-3)


def test_unit_vectors_and_batching_does_not_change_results(encoder: Encoder) -> None:
    texts = ["Take your water pill in the morning.", "Call 911 for chest pain.", "Hi"]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert together.shape == (3, DIM) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Padding to the longest sentence must not leak into the shorter ones' vectors.
    assert np.allclose(together, alone, atol=1e-5)
    assert encoder.encode([]).shape == (0, DIM)


def test_packed_encoding_matches_batched_encoding(encoder: Encoder) -> None:
    # One sequence with block-diagonal attention and restarting positions: no text sees
    # another, so the vectors are the batched ones.
    texts = ["What time of day am I supposed to take the Lasix?", "time", "supposed", "lasix"]
    packed = encoder.encode_packed(texts)
    assert packed.shape == (4, DIM) and packed.dtype == np.float32
    assert np.allclose(packed, encoder.encode(texts), atol=1e-5)
    assert encoder.encode_packed([]).shape == (0, DIM)


def test_paraphrases_score_above_unrelated_pairs(encoder: Encoder) -> None:
    pairs = [
        ("Can I have a glass of wine?", "Is it okay to drink alcohol?"),
        ("My ankles are swollen.", "I have swelling in my feet and legs."),
        ("I'm peeing less than usual.", "I urinate less often than normal."),
        ("What's the clinic's phone number?", "How do I call the clinic?"),
    ]
    v = encoder.encode([s for pair in pairs for s in pair]).reshape(len(pairs), 2, DIM)
    matched = [float(a @ b) for a, b in v]
    unrelated = [float(v[i, 0] @ v[j, 1]) for i in range(len(pairs)) for j in range(len(pairs))]
    unrelated = [s for n, s in enumerate(unrelated) if n % (len(pairs) + 1)]  # off-diagonal
    assert min(matched) > max(unrelated)


def test_intents_by_nearest_example(encoder: Encoder) -> None:
    # The reference's intent test, small: nearest labelled example decides the intent.
    intents = {
        "medication": ["When do I take my pills?", "What dose of my medicine?"],
        "diet": ["How much salt can I eat?", "What foods should I avoid?"],
        "emergency": ["I have crushing chest pain", "I can't breathe"],
        "appointment": ["When is my next visit?", "I need to reschedule my appointment"],
    }
    queries = {
        "Should I take the tablets before breakfast?": "medication",
        "Are potato chips bad for me?": "diet",
        "My chest hurts really badly right now": "emergency",
        "Can I move my checkup to Friday?": "appointment",
        "How many milligrams is my prescription?": "medication",
        "Is soy sauce too salty?": "diet",
    }
    labels = [label for label, examples in intents.items() for _ in examples]
    examples = encoder.encode([e for ex in intents.values() for e in ex])
    q = encoder.encode(list(queries))
    predicted = [labels[int(np.argmax(examples @ v))] for v in q]
    assert predicted == list(queries.values())


def test_single_query_latency(encoder: Encoder) -> None:
    encoder.encode(["warm up"])
    started = time.perf_counter()
    for _ in range(10):
        encoder.encode(["Can I have a glass of wine with dinner?"])
    assert (time.perf_counter() - started) / 10 < 0.05


def test_read_safetensors(tmp_path: Path) -> None:
    import json
    import struct

    data = np.arange(6, dtype="<f4").tobytes()
    header = json.dumps({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}})
    path = tmp_path / "t.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + data)
    assert np.array_equal(read_safetensors(path)["w"], np.arange(6).reshape(2, 3))


def test_missing_model_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISAVIS_MODELS_DIR", str(tmp_path))
    with pytest.raises(EncoderUnavailableError, match="visavis models install"):
        embeddings.model_dir()


def test_specificity_tells_fillers_from_topic_words(encoder: Encoder) -> None:
    assert encoder.specificity("the") == pytest.approx(0.15)
    assert encoder.specificity("supposed") < 0.4 < encoder.specificity("potassium")
    assert encoder.specificity("warfarin") == 1.0  # split into pieces: a rare word
    assert encoder.pieces("warfarin") == 3 and encoder.pieces("wine") == 1

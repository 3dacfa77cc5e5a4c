"""Hybrid retrieval (BM25 + MiniLM embeddings) on the example discharge instructions."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from visavis.mind.knowledge import Document, KnowledgeBase, answer_question, vectors
from visavis.mind.knowledge.embeddings import EncoderUnavailableError, load_encoder

EXAMPLE = (
    Path(__file__).resolve().parents[3]
    / "examples/post_discharge/documents/discharge_instructions.md"
)


@pytest.fixture(scope="module")
def discharge() -> Document:
    return Document.from_upload(EXAMPLE.read_bytes(), EXAMPLE.name, document_id="discharge")


@pytest.fixture(scope="module")
def kb(discharge: Document) -> KnowledgeBase:
    return KnowledgeBase([discharge])


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("Can I drink beer?", "Diet > Alcohol and smoking"),  # beer ~ alcohol
        ("Is it okay to drink wine?", "Diet > Alcohol and smoking"),
        (
            "I'm peeing a lot less than usual, is that a problem?",
            "Warning signs > Call the clinic the same day",
        ),  # noqa: E501
        (
            "My ankles are more swollen than yesterday, should I call?",
            "Warning signs > Call the clinic the same day",
        ),  # noqa: E501
    ],
)
def test_embeddings_bridge_vocabulary_gaps(kb: KnowledgeBase, question: str, heading: str) -> None:
    assert kb.search(question, strategy="speed") == []  # no shared words: BM25 cannot
    for strategy in ("balanced", "quality"):
        passages = kb.search(question, strategy=strategy)
        assert passages and passages[0].heading == heading, (strategy, passages)


@pytest.mark.parametrize(
    "question",
    [
        "Can I take my warfarin at the same time as my other pills?",  # speed leaks this one
        "Is it safe to have sex again?",  # and this one
        "Should I keep taking my metformin for my diabetes?",
        "Can I take aspirin for my headache?",
        "Who won the ball game last night?",
        # One shared topic word, the rest of the question unanswered: the evidence gate
        # (coverage plus the closest sentence's cosine) and salient common words.
        "Do I need to see a kidney specialist?",
        "Will the water pill make my hair fall out?",
        "Is there a support group for heart failure patients?",
    ],
)
def test_hybrid_gate_refuses_what_the_documents_do_not_cover(
    kb: KnowledgeBase, question: str
) -> None:
    for strategy in ("balanced", "quality"):
        assert kb.search(question, strategy=strategy) == [], strategy


def test_vectors_are_computed_once_per_text(
    discharge: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = load_encoder()
    KnowledgeBase([discharge]).search("salt", strategy="balanced")  # warm the shared cache
    calls: list[tuple[str, ...]] = []
    real, real_packed = type(encoder).encode, type(encoder).encode_packed

    def counting(self, texts, batch_size=32):  # type: ignore[no-untyped-def]
        calls.append(tuple(texts))
        return real(self, texts, batch_size)

    def counting_packed(self, texts):  # type: ignore[no-untyped-def]
        calls.append(tuple(texts))
        return real_packed(self, texts)

    monkeypatch.setattr(type(encoder), "encode", counting)
    monkeypatch.setattr(type(encoder), "encode_packed", counting_packed)
    again = KnowledgeBase([discharge])
    assert calls == []  # a second base over the same documents embeds nothing
    again.search("How much salt can I have?", strategy="balanced")
    assert calls == [("How much salt can I have?",)]  # the question, once ("salt" is cached)
    calls.clear()
    question = "Can I munch pretzels while gardening?"
    again.search(question, strategy="balanced")
    # One pass for the question and its everyday words the documents do not hold; a rare
    # word (several word pieces, "pretzels") is never matched by meaning, so needs no vector.
    assert len(calls) == 1 and calls[0][0] == question
    assert {"munch", "gardening"} <= set(calls[0]) and "pretzels" not in calls[0]
    calls.clear()
    again.search(question, strategy="quality")
    answer_question(again, question)
    assert calls == []  # the question and its words are cached until forget_queries


def test_missing_model_degrades_to_bm25_with_one_warning(
    discharge: Document, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable() -> None:
        raise EncoderUnavailableError("not installed; run `visavis models install`")

    monkeypatch.setattr(vectors, "load_encoder", unavailable)
    monkeypatch.setattr(vectors, "_warned", False)
    with caplog.at_level(logging.WARNING):
        first, second = KnowledgeBase([discharge]), KnowledgeBase([discharge])
    assert not first.hybrid and not second.hybrid
    warnings = [r for r in caplog.records if "falls back to BM25" in r.getMessage()]
    assert len(warnings) == 1 and "visavis models install" in warnings[0].getMessage()
    lexical = KnowledgeBase([discharge], embeddings=False)
    for strategy in ("balanced", "quality"):
        got = first.search("Can I eat salty food?", strategy=strategy)
        want = lexical.search("Can I eat salty food?", strategy=strategy)
        assert got == want and got[0].heading == "Diet > Low-salt diet"


def test_hybrid_search_latency(kb: KnowledgeBase) -> None:
    questions = [
        "What time of day am I supposed to take the Lasix?",
        "Can I carry my grocery bags, they're pretty heavy?",
        "Who do I call on the weekend if I have a question?",
    ]
    for question in questions:
        kb.search(question, strategy="quality")
    started = time.perf_counter()
    for question in questions * 3:
        kb.search(question, strategy="balanced")
    assert (time.perf_counter() - started) / 9 < 0.06

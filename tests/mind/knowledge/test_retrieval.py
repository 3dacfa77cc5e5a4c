from __future__ import annotations

import time
from pathlib import Path

import pytest

from visavis.mind.knowledge import STRATEGIES, BM25Index, Document, KnowledgeBase, tokenize
from visavis.mind.knowledge.bm25 import stem

EXAMPLE = (
    Path(__file__).resolve().parents[3]
    / "examples/post_discharge/documents/discharge_instructions.md"
)


@pytest.fixture(scope="module")
def discharge() -> Document:
    return Document.from_upload(EXAMPLE.read_bytes(), EXAMPLE.name, document_id="discharge")


@pytest.fixture
def kb(discharge: Document) -> KnowledgeBase:
    return KnowledgeBase([discharge])


ANSWERABLE = [
    ("How much weight gain should I report?", "Daily weight", "5 pounds in one week"),
    ("Can I eat salty food?", "Diet > Low-salt diet", "2 grams"),
    ("When is my follow-up appointment?", "Follow-up appointment", "within 7 days"),
    ("What is my water pill for?", "Medications > Water pill (furosemide)", "extra fluid"),
    ("Can I take ibuprofen for my knee?", "Medications > Medicines to avoid", "NSAIDs"),
    ("When should I call 911?", "Warning signs > Call 911 right away", "chest pain"),
    ("What is the clinic phone number?", "Contact the clinic", "(555) 010-4477"),
    ("How often should I weigh myself?", "Daily weight", "every morning"),
]
UNANSWERABLE = [
    "What is the capital of France?",
    "Can I take aspirin for my headache?",
    "How do I reset my Wi-Fi password?",
    "Is the hospital cafeteria open on Sunday?",
    "",
    "um, what?",
]


def test_example_document_is_chunked_by_section(discharge: Document) -> None:
    assert discharge.name == "Heart Failure Discharge Instructions"
    headings = [c.heading for c in KnowledgeBase([discharge]).chunks]
    assert "Medications > Water pill (furosemide)" in headings
    assert "Warning signs > Call the clinic the same day" in headings
    assert 600 <= len(discharge.text.split()) <= 950


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(("question", "heading", "snippet"), ANSWERABLE)
def test_answerable_questions_find_their_section(
    kb: KnowledgeBase, strategy: str, question: str, heading: str, snippet: str
) -> None:
    passages = kb.search(question, k=3, strategy=strategy)  # type: ignore[arg-type]
    assert passages, question
    best = passages[0]
    assert best.heading == heading
    assert snippet in best.text
    assert best.document_id == "discharge"
    assert best.document_name == "Heart Failure Discharge Instructions"
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("question", UNANSWERABLE)
def test_unanswerable_questions_return_nothing(
    kb: KnowledgeBase, strategy: str, question: str
) -> None:
    assert kb.search(question, strategy=strategy) == []  # type: ignore[arg-type]


def test_heading_boost_and_phrases_raise_the_right_passage(discharge: Document) -> None:
    # Without the embedding model every strategy is lexical; the boosts still apply.
    kb = KnowledgeBase([discharge], embeddings=False)
    question = "When is my follow-up appointment?"
    speed, balanced, quality = (kb.search(question, strategy=s)[0].score for s in STRATEGIES)
    assert speed < balanced < quality


def test_add_remove_and_replace(kb: KnowledgeBase) -> None:
    extra = Document("parking", "Parking", (), "## Parking\n\nVisitor parking is in garage B.\n")
    kb.add(extra)
    assert kb.search("Where can visitors park?")[0].document_id == "parking"
    kb.add(Document("parking", "Parking", (), "## Parking\n\nVisitor parking is in garage C.\n"))
    assert "garage C" in kb.search("Where can visitors park?")[0].text
    assert len(kb.documents) == 2
    assert kb.remove("parking") is True
    assert kb.remove("parking") is False
    assert kb.search("Where can visitors park?") == []


def test_unknown_strategy_and_empty_base() -> None:
    empty = KnowledgeBase()
    assert empty.search("anything at all") == []
    with pytest.raises(ValueError, match="unknown strategy"):
        empty.search("salt", strategy="fast")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("pills", "pill"),
        ("swelling", "swell"),
        ("stopped", "stop"),
        ("taking", "tak"),
        ("take", "tak"),
        ("weighed", "weigh"),
        ("arteries", "artery"),
        ("dizziness", "dizziness"),
        ("need", "need"),
        ("911", "911"),
    ],
)
def test_stem(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_tokenize_drops_stop_words_and_keeps_numbers() -> None:
    assert tokenize("Don't eat more than 2 g of salty foods!") == ["eat", "2", "salty", "food"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("What's the dose?", ["dos"]),  # not "whats" -> "what"
        ("What\u2019s my patient\u2019s dose?", ["patient", "dos"]),  # curly, possessive
        ("I can't, I won't, it doesn't, they're, I've, I'll, I'd", []),
        ("the doctor's orders", ["doctor", "order"]),
        ("rock'n'roll", ["rock", "roll"]),
    ],
)
def test_tokenize_splits_contractions_and_possessives(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


def test_bm25_search_is_fast(discharge: Document) -> None:
    # A few hundred chunks: the example document's sections, repeated under other ids.
    chunks = [
        c
        for i in range(25)
        for c in KnowledgeBase([Document(f"d{i}", "x", (), discharge.text)]).chunks
    ]
    index = BM25Index(chunks)
    assert len(index) >= 300
    start = time.perf_counter()
    for _ in range(20):
        results = index.search("How much weight gain should I report?", k=3)
    elapsed_ms = (time.perf_counter() - start) * 1000 / 20
    assert results and results[0][0].heading == "Daily weight"
    assert elapsed_ms < 5.0

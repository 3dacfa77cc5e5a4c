from __future__ import annotations

from visavis.mind.knowledge import Document, chunk_document, chunk_text
from visavis.mind.knowledge.chunking import split_sentences

LEAFLET = """# Discharge leaflet

Read this at home.

## Medications

Take them every day.

### Water pill

Furosemide removes fluid. Take it in the morning.

## Diet

Eat less salt.
"""


def test_heading_paths_follow_headings_without_the_title() -> None:
    chunks = chunk_text("leaflet", LEAFLET)
    assert [c.heading for c in chunks] == ["", "Medications", "Medications > Water pill", "Diet"]
    assert chunks[2].text == "Furosemide removes fluid. Take it in the morning."
    assert [c.index for c in chunks] == [0, 1, 2, 3]


def test_chunk_ids_are_deterministic_and_change_with_text() -> None:
    first = [c.chunk_id for c in chunk_text("leaflet", LEAFLET)]
    assert first == [c.chunk_id for c in chunk_text("leaflet", LEAFLET)]
    assert first[0].startswith("leaflet:0000:")
    edited = [c.chunk_id for c in chunk_text("leaflet", LEAFLET.replace("less salt", "no salt"))]
    assert edited[:3] == first[:3] and edited[3] != first[3]


def test_paragraphs_are_packed_up_to_the_word_limit() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} has exactly six words." for i in range(10))
    chunks = chunk_text("d", "## Section\n\n" + paragraphs, max_words=20)
    assert all(len(c.text.split()) <= 20 for c in chunks)
    assert [len(c.text.split("\n")) for c in chunks] == [3, 3, 3, 1]
    assert {c.heading for c in chunks} == {"Section"}


def test_long_paragraph_splits_at_sentence_ends() -> None:
    sentence = "The nurse checks your weight and blood pressure at every visit."  # 11 words
    chunks = chunk_text("d", " ".join([sentence] * 5), max_words=25)
    assert len(chunks) == 3
    for chunk in chunks:
        assert chunk.text.replace("\n", " ").startswith("The nurse")
        assert chunk.text.endswith("visit.")


def test_overlap_repeats_the_last_sentence() -> None:
    text = "\n\n".join(f"Sentence number {i} is here. It ends now {i}." for i in range(4))
    plain = chunk_text("d", text, max_words=20)
    overlapped = chunk_text("d", text, max_words=20, overlap_sentences=1)
    assert len(plain) == 2
    assert overlapped[1].text.startswith("It ends now 1.")


def test_run_on_text_is_cut_by_words() -> None:
    chunks = chunk_text("d", " ".join(["word"] * 250), max_words=100)
    assert [len(c.text.split()) for c in chunks] == [100, 100, 50]


def test_sentence_split_keeps_decimals_and_abbreviations() -> None:
    assert split_sentences("Take 2.5 mg, e.g. with food. Then rest.") == [
        "Take 2.5 mg, e.g. with food.",
        "Then rest.",
    ]


def test_chunk_document_uses_the_document_id() -> None:
    document = Document("doc-1", "Leaflet", ("hf",), LEAFLET)
    assert {c.document_id for c in chunk_document(document)} == {"doc-1"}

"""Grounded, extractive answers for speech, refusals, and telling questions from answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from visavis.mind.knowledge import (
    Document,
    GroundedAnswer,
    KnowledgeBase,
    answer_question,
    looks_like_question,
)
from visavis.mind.knowledge.chunking import speakable

EXAMPLE = (
    Path(__file__).resolve().parents[3]
    / "examples/post_discharge/documents/discharge_instructions.md"
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase([Document.from_upload(EXAMPLE.read_bytes(), EXAMPLE.name)])


@pytest.mark.parametrize(
    "text",
    [
        "Can I have a glass of wine with dinner?",
        "can I have a glass of wine with dinner",  # ASR writes no question mark
        "is it okay to skip my water pill today",
        "should I call the clinic",
        "what's the dose of my metoprolol",
        "how much salt am I allowed",
        "I was wondering whether I can drive again",
        "I wanted to ask about my weight",
        "so um when is my follow up",
        "I have a cold, can I take cold medicine",
        "do you know if coffee counts as fluid",
        "is Tylenol alright for a headache",
        "am I allowed to climb stairs",
    ],
)
def test_questions(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "yes I take it every morning",
        "I weighed 180 pounds this morning",
        "no, I haven't had any chest pain",
        "okay thank you",
        "I'm feeling much better today",
        "I take the water pill with breakfast",
        "I can walk about ten minutes now",  # "can" not opening a question
        "that is fine",
        "",
    ],
)
def test_not_questions(text: str) -> None:
    assert not looks_like_question(text)


@pytest.mark.parametrize(
    ("question", "must_say", "heading"),
    [
        ("How much lisinopril should I be taking?", "Take 10 mg once a day.", "Lisinopril"),
        ("What time of day am I supposed to take the Lasix?", "in the morning", "furosemide"),
        ("What's the phone number for the heart failure clinic?", "(555) 010-4477", "Contact"),
        ("Can I have a beer?", "Do not drink alcohol", "Alcohol"),
        ("My ankles are more swollen than yesterday, should I call?", "swelling", "same day"),
        ("What can I season my food with instead of salt?", "herbs, lemon", "Low-salt"),
    ],
)
def test_answers_quote_the_documents(
    kb: KnowledgeBase, question: str, must_say: str, heading: str
) -> None:
    answer = answer_question(kb, question)
    assert answer.text is not None and must_say in answer.text
    assert answer.text.startswith("Your Heart Failure Discharge Instructions say: ")
    assert answer.citations and heading in answer.citations[0].heading
    # Extractive: every sentence spoken is a sentence of the cited passage.
    quoted = answer.text.split(": ", 1)[1]
    assert quoted.split(". ")[0].rstrip(".") in answer.citations[0].text
    assert len(quoted.split()) <= 80  # short enough to say


@pytest.mark.parametrize(
    "question",
    [
        "Can I take my warfarin at the same time as my other pills?",
        "Is it safe to have sex again?",
        "Where do I park when I come to the hospital?",
        "What's the weather going to be like tomorrow?",
    ],
)
def test_refuses_when_nothing_is_relevant(kb: KnowledgeBase, question: str) -> None:
    answer = answer_question(kb, question)
    assert answer == GroundedAnswer(None, []) and answer.refused


def test_speed_strategy_answers_without_embeddings(kb: KnowledgeBase) -> None:
    answer = answer_question(kb, "How much fluid can I drink each day?", strategy="speed")
    assert answer.text is not None and "2 liters" in answer.text


def test_markdown_is_made_speakable() -> None:
    assert speakable("- **Take** it with [food](http://x.org) and `water`") == (
        "Take it with food and water"
    )
    assert speakable("## Heading") == "Heading"
    assert speakable("2. Weigh yourself *every* morning") == "Weigh yourself every morning"
    kb = KnowledgeBase(
        [Document("n", "Medication notes", (), "## Pills\n\n- **Take** the pill with food.\n")]
    )
    answer = answer_question(kb, "Should I take the pill with food?")
    assert answer.text == "Your Medication notes say: Take the pill with food."

"""A call's vocabulary: the prompt it makes and what it changes in what Whisper hears."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import soundfile

from visavis.mind.build import MindConfig, build_mind
from visavis.models import locate
from visavis.speech.asr.vocabulary import MAX_CHARS, vocabulary_prompt
from visavis.speech.asr.whisper import WhisperRecognizer

DATA = Path(__file__).parent / "data"


def test_prompt_joins_phrases_and_term_lists_as_sentences() -> None:
    prompt = vocabulary_prompt(
        "Maria Lopez", ["furosemide", "metoprolol", "Furosemide", " "], "", "chest pain, dizzy"
    )
    assert prompt == "Maria Lopez. Furosemide, metoprolol. Chest pain, dizzy."


def test_a_long_prompt_keeps_its_end() -> None:
    prompt = vocabulary_prompt("Maria Lopez", "word " * 200, "Tuesday or Wednesday.")
    assert len(prompt) <= MAX_CHARS and prompt.endswith("Tuesday or Wednesday.")
    assert not prompt.startswith(" ")


def test_the_flagship_mind_knows_its_patients_words(tmp_path: Path) -> None:
    mind = build_mind("robert-chen", tmp_path / "db.sqlite3", date(2025, 3, 17))
    assert mind.hotwords.startswith("Robert Chen. Amoxicillin, lisinopril, atorvastatin. ")
    assert "fainted" in mind.hotwords  # the persona's own hotwords
    own = build_mind(
        "robert-chen", tmp_path / "db2.sqlite3", date(2025, 3, 17), MindConfig(hotwords="Zestril")
    )
    assert own.hotwords == "Robert Chen. Amoxicillin, lisinopril, atorvastatin. Zestril."


@pytest.mark.usefixtures("models_installed")
def test_the_vocabulary_mends_a_misheard_visit_day(tmp_path: Path) -> None:
    # A fast espeak-ng voice (205 words a minute) from the evaluation cohort, which tiny.en
    # alone hears as "Two-day-modern works for me." and the slot question then cannot read.
    audio, rate = soundfile.read(DATA / "tuesday_morning_espeak_205wpm.wav", dtype="float32")
    assert rate == 16000
    recognizer = WhisperRecognizer(locate("asr.whisper-tiny.en"))
    mind = build_mind("aisha-patel", tmp_path / "db.sqlite3", date(2025, 3, 17))
    assert "tuesday" not in recognizer.transcribe(audio).text.lower()
    heard = recognizer.transcribe(audio, prompt=mind.hotwords).text.lower()
    assert "tuesday morning works for me" in heard

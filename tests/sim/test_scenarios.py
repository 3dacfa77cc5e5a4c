from pathlib import Path

import pytest

from visavis.paths import SCENARIOS_FILE as SCENARIOS
from visavis.sim.listening import match_intent
from visavis.sim.scenarios import ScenarioError, get_scenario, load_scenarios

REQUIRED = {"adherent_books", "missed_doses", "red_flag", "hesitant", "interrupter"}


def test_the_flagship_scenarios_load():
    scenarios = load_scenarios(SCENARIOS)
    assert set(scenarios) >= REQUIRED
    assert get_scenario(SCENARIOS, "interrupter").interruptions


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scenarios: [1, 2", "not valid YAML"),
        ("just a string", "must hold a mapping"),
        ("scenarios:\n  x: 3\n", "must be a mapping"),
        (
            "scenarios:\n  x:\n    description: d\n    patient_id: p\n"
            "    responses: {dob: [hi]}\n    gap: [2, 1]\n",
            "gap",
        ),
        (
            "scenarios:\n  x:\n    description: d\n    patient_id: p\n    responses: {dob: []}\n",
            "responses",
        ),
        ("scenarios:\n  x:\n    description: d\n    responses: {dob: [hi]}\n", "patient_id"),
        (
            "scenarios:\n  x:\n    description: d\n    patient_id: p\n    responses: {wat: [hi]}\n",
            "responses.wat",
        ),
    ],
)
def test_malformed_scenario_files_say_what_is_wrong(tmp_path: Path, text: str, message: str):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        load_scenarios(path)


def test_unknown_scenario_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="known scenarios: .*adherent_books"):
        get_scenario(SCENARIOS, "nope")


@pytest.mark.parametrize(
    ("heard", "intent"),
    [
        ("Hello, this is Joe from Riverside General. Am I speaking with Maria Lopez?", "identity"),
        ("Thank you. Could you please confirm your date of birth?", "dob"),
        ("Have you been taking your medications as prescribed?", "medications"),
        ("Which medication did you miss?", "which_medication"),
        ("Sorry, I didn't catch the year. What year were you born?", "dob_year"),
        (
            "Let's try another way. Could you tell me the last four digits of your phone number?",
            "phone",
        ),
        ("Sorry, that doesn't match. Could you say the last four digits again?", "phone"),
        (
            "Sorry, I didn't catch the name. Was it the one for fluid or heart rate?",
            "medication_purpose",
        ),
        ("How many doses did you miss?", "how_many"),
        ("How have you been feeling since you got home?", "symptoms"),
        ("I have Tuesday at 10 AM or Wednesday at 2:30 PM. Which works better?", "booking"),
        ("Is there anything else I can help with?", "anything_else"),
        ("Thank you, Maria. Take care. Goodbye.", "goodbye"),
        ("Hello, this is Joe calling from", "greeting"),
        ("The weather is nice.", "other"),
    ],
)
def test_the_patient_recognises_the_agents_questions(heard: str, intent: str):
    assert match_intent(heard) == intent

from __future__ import annotations

from datetime import date

import pytest

from visavis.mind.understanding.dates import (
    SpokenDate,
    parse_date,
    parse_date_parts,
    parse_time,
    parse_year,
)
from visavis.mind.understanding.medications import find_medications
from visavis.mind.understanding.numbers import parse_count, spoken_digits
from visavis.mind.understanding.symptoms import analyse
from visavis.mind.understanding.yesno import Answer, parse_yes_no

MEDS = {"furosemide": ["Lasix", "water pill"], "metoprolol": ["Toprol", "Lopressor"]}


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes, this is Maria.", Answer.YES),
        ("yeah", Answer.YES),
        ("Yep.", Answer.YES),
        ("That's right.", Answer.YES),
        ("Correct.", Answer.YES),
        ("This is she.", Answer.YES),
        ("I think so.", Answer.YES),
        ("Nope.", Answer.NO),
        ("Not all of them, no.", Answer.NO),
        ("How much salt can I have each day?", None),
        ("Yes, can I ask something?", Answer.YES),
        ("Not really.", Answer.NO),
        ("I don't think so.", Answer.NO),
        ("No, I missed a couple.", Answer.NO),
        ("No, that's all. Thank you.", Answer.NO),
        ("I'm not sure.", Answer.UNSURE),
        ("I don't know", Answer.UNSURE),
        ("I, um", None),
        ("Tuesday", None),
    ],
)
def test_yes_no(text: str, answer: Answer | None) -> None:
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Two.", 2),
        ("2", 2),
        ("twice", 2),
        ("a couple", 2),
        ("a few", 3),
        ("once", 1),
        ("three times", 3),
        ("none", 0),
        ("Saturday and Sunday", 2),
        ("um", None),
    ],
)
def test_count(text: str, value: int | None) -> None:
    c = parse_count(text)
    assert (c.value if c else None) == value


@pytest.mark.parametrize(
    "text",
    [
        "March 14th, 1952.",
        "3/14/1952",
        "fourteenth of March nineteen fifty-two",
        "March fourteen fifty two",
        "march 14 1952",
        "The 14th of March, 1952",
        "1952-03-14",
        "03-14-1952",
    ],
)
def test_date_of_birth(text: str) -> None:
    assert parse_date(text, date(2025, 3, 17)) == date(1952, 3, 14)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        # The year missing, or digits no year is said as ("nineteen fifty two" misheard).
        ("March 14.", SpokenDate(3, 14, None)),
        ("March 14. 9, 5, 2,", SpokenDate(3, 14, None)),
        # A year no living caller was born in is still heard as said; the reader judges it.
        ("March 14, 1352.", SpokenDate(3, 14, 1352)),
        ("3 14 52", SpokenDate(3, 14, 1952)),
        ("It's not March.", None),
    ],
)
def test_date_parts_keep_the_day_when_the_year_is_not_heard(
    text: str, parts: SpokenDate | None
) -> None:
    assert parse_date_parts(text, date(2025, 3, 17)) == parts


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("1952.", 1952),
        ("Nineteen fifty two.", 1952),
        ("In '52.", 1952),
        ("9 18 52.", 1952),  # "nineteen" mangled before the two digits that carry the year
        ("Nine.", None),
        ("March 40th.", None),  # a date misheard, not a year
        ("The 40th.", None),
    ],
)
def test_a_year_said_alone(text: str, year: int | None) -> None:
    assert parse_year(text, date(2025, 3, 17)) == year


@pytest.mark.parametrize(
    ("text", "hm"),
    [
        ("ten a.m.", (10, 0)),
        ("10 a.m.", (10, 0)),
        ("2:30", (14, 30)),
        ("two thirty in the afternoon", (14, 30)),
        ("10am", (10, 0)),
        ("at nine", (9, 0)),
        ("3 p.m.", (15, 0)),
        ("noon", (12, 0)),
    ],
)
def test_time(text: str, hm: tuple[int, int]) -> None:
    t = parse_time(text)
    assert t is not None and (t.hour, t.minute) == hm


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "I've been taking, um, the water pill, and the, uh, the metoprolol.",
            ["furosemide", "metoprolol"],
        ),
        ("the metropolol", ["metoprolol"]),
        ("meta pro lol", ["metoprolol"]),
        ("Lasix", ["furosemide"]),
        ("I missed the last one", []),
        ("all of them", []),
    ],
)
def test_medications(text: str, found: list[str]) -> None:
    assert find_medications(text, MEDS) == found


@pytest.mark.parametrize(
    ("text", "red", "worse"),
    [
        (
            "I've had some chest pain since last night and I'm short of breath.",
            {"chest_pain", "severe_shortness_of_breath"},
            False,
        ),
        ("no chest pain", set(), False),
        ("I don't have any shortness of breath.", set(), False),
        ("No chest pain or shortness of breath, just tired.", set(), False),
        ("I have no chest pain but I can't breathe", {"severe_shortness_of_breath"}, False),
        ("I passed out this morning", {"fainting"}, False),
        ("I'm coughing up blood", {"coughing_blood"}, False),
        ("My speech is slurred, slurred speech", {"stroke_signs"}, False),
        ("I feel a bit confused", {"confusion"}, False),
        ("My ankles are more swollen than yesterday.", set(), True),
        ("The swelling is getting worse.", set(), True),
        ("It's not getting worse.", set(), False),
        ("I feel dizzy when I stand up", set(), False),
    ],
)
def test_symptoms(text: str, red: set[str], worse: bool) -> None:
    report = analyse(text)
    assert set(report.red_flags) == red
    assert report.worsening is worse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sorry, what was that?", True),
        ("Pardon?", True),
        ("what?", True),
        ("I didn't catch that.", True),
        ("Could you repeat the question?", True),
        ("No, that's all.", False),
        ("What time is the appointment?", False),
        ("Sorry, I missed two doses.", False),
    ],
)
def test_requests_to_repeat(text: str, expected: bool) -> None:
    from visavis.mind.understanding.repeat import asks_to_repeat

    assert asks_to_repeat(text) is expected


@pytest.mark.parametrize("heard", ["The Metaproal.", "the Metapro wall", "metaproll"])
def test_asr_mangled_drug_names_still_match_by_their_consonants(heard: str) -> None:
    from visavis.mind.understanding.medications import find_medications

    names = {"metoprolol": ["toprol"], "furosemide": ["lasix", "water pill"]}
    assert find_medications(heard, names) == ["metoprolol"]
    assert find_medications("a motor pool and a metro card", names) == []


def test_a_medicine_named_by_what_it_is_for() -> None:
    from visavis.mind.patients import load_patients
    from visavis.paths import POST_DISCHARGE_DIR

    patients = {p.id: p for p in load_patients(POST_DISCHARGE_DIR / "patients.yaml").patients}
    robert = patients["robert-chen"].medication_names()
    assert find_medications("The cholesterol one, the statin.", robert) == ["atorvastatin"]
    assert find_medications("I forgot my blood pressure pill.", robert) == ["lisinopril"]
    # Aisha's two medicines are both for blood sugar: "the blood sugar one" names neither.
    aisha = patients["aisha-patel"].medication_names()
    assert find_medications("I missed the blood sugar one.", aisha) == []


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        # How Whisper tiny.en wrote "zero one zero two" from six synthetic voices.
        ("It's 0 1 0 2", "0102"),
        ("0.1, 0.2", "0102"),
        ("0-1-0-2.", "0102"),
        ("555 0 1 0 2", "5550102"),
        ("zero one oh two", "0102"),
        ("It's, um, nine eight seven six.", "9876"),
        ("I don't know it.", ""),
    ],
)
def test_spoken_digits(text: str, digits: str) -> None:
    assert spoken_digits(text) == digits

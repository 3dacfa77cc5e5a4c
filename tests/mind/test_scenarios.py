"""The simulated patients of the conversation loop, driven at the text level."""

from __future__ import annotations

import pytest

from visavis.runtime.events import CallCompleted, Escalation

from .helpers import Call

IDENTITY = ["Yes, this is Maria.", "March 14th, 1952."]


@pytest.mark.parametrize(
    "variant",
    [
        IDENTITY
        + [
            "Yes, I've been taking all of them every day.",
            "I'm feeling pretty good, just a little tired.",
            "Tuesday morning works for me.",
            "No, that's all. Thank you.",
        ],
        [
            "yes this is maria",
            "3/14/1952",
            "yeah all of them",
            "pretty good just a little tired",
            "tuesday morning works for me",
            "no thats all thank you",
        ],
        [
            "Yep, this is she.",
            "fourteenth of March nineteen fifty-two",
            "Yes.",
            "I feel fine.",
            "The first one.",
            "Nope.",
        ],
    ],
)
def test_adherent_books(make_mind, variant) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    assert "Maria Lopez" in call.last[-1]
    for line in variant:
        call.user(line)
    out = mind.outcome()
    assert mind.done and out["identity_confirmed"] and out["follow_up_booked"]
    assert not out["escalated"]
    assert out["booking"]["start"].startswith("2025-03-18")
    assert "wrap_up" in out["objectives_completed"]
    assert any(isinstance(e, CallCompleted) for e in call.events)


def test_missed_doses(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    for line in IDENTITY:
        call.user(line)
    assert "Which medication" in call.user("No, I missed a couple.")
    assert "How many doses" in call.user("The metoprolol. I forgot it on Saturday and Sunday.")
    call.user("Two.")
    call.user("I'm okay.")
    call.user("Tuesday at 10 a.m.")
    call.user("No.")
    meds = mind.outcome()["output_variables"]["check_medications"]
    assert meds == {"all_taken": False, "missed_medications": ["metoprolol"], "missed_doses": 2}
    assert mind.outcome()["follow_up_booked"]


def test_red_flag_escalates_at_once(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    for line in [*IDENTITY, "Yes, all of them."]:
        call.user(line)
    reply = call.user("I've had some chest pain since last night and I'm short of breath.")
    assert "nurse" in reply and "911" in reply
    out = mind.outcome()
    assert out["escalated"] and not out["follow_up_booked"] and mind.done
    assert "chest pain" in (out["escalation_reason"] or "")
    esc = [e for e in call.events if isinstance(e, Escalation)]
    assert esc and esc[0].severity == "urgent"
    store = mind.tools["escalate_to_nurse"].store  # type: ignore[attr-defined]
    assert store.escalations("maria-lopez")[0]["severity"] == "urgent"


def test_red_flag_during_identity_still_escalates(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    call.user("Yes, but I can't breathe very well.")
    assert mind.outcome()["escalated"] and mind.done


def test_negated_symptoms_do_not_escalate(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    for line in [*IDENTITY, "Yes."]:
        call.user(line)
    call.user("No chest pain, and I don't have any shortness of breath.")
    assert not mind.outcome()["escalated"]
    assert "two times" in call.last[-1]


def test_worsening_escalates(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    for line in [*IDENTITY, "Yes."]:
        call.user(line)
    call.user("My ankles are more swollen than yesterday.")
    out = mind.outcome()
    assert out["escalated"] and "worsening" in (out["escalation_reason"] or "")


def test_hesitant(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    assert "didn't quite catch" in call.user("I, um")
    for line in IDENTITY:
        call.user(line)
    call.user("I've been taking, um, the water pill, and the, uh, the metoprolol.")
    assert mind.outcome()["output_variables"]["check_medications"]["all_taken"] is True
    assert "didn't quite catch" in call.user("Uh, I, um")
    call.user("I'm, uh, okay I guess.")
    assert "two times" in call.last[-1]


def test_partial_medication_list_is_clarified(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind("robert-chen")
    call = Call(mind)
    call.user("Yes, this is Robert.")
    call.user("November 2nd, 1947.")
    reply = call.user("I take the antibiotic and the Lipitor.")
    assert "lisinopril" in reply
    call.user("No.")
    meds = mind.outcome()["output_variables"]["check_medications"]
    assert meds["all_taken"] is False and meds["missed_medications"] == ["lisinopril"]


def test_interrupter(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    assert "date of birth" in call.user(
        "Yes, this is Maria speaking.", heard="Hello, this is Joe from"
    )
    call.user("March 14th, 1952.")
    # An unheard question is asked again rather than a bare "yes" taken as the answer.
    assert "ask again" in call.user("Yes.", heard="Got it.")
    call.user("Yes.")
    call.user("Good.")
    call.user("Tuesday is fine.", heard="Thank you. I have two times available")
    assert mind.outcome()["booking"]["start"].startswith("2025-03-18")


def test_identity_not_confirmed_discloses_nothing(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    call.user("Yes, this is Maria.")
    for _ in range(3):
        reply = call.user("January 1st, 1960.")
    assert "last four digits of your phone number" in reply
    assert "doesn't match" in call.user("It's 1234.")
    # Digits lost on the line are asked for again and are no guess.
    assert "all four digits" in call.user("Zero one.")
    call.user("9876.")
    call.user("5555.")
    out = mind.outcome()
    assert mind.done and not out["identity_confirmed"]
    assert "check_medications" not in out["objectives_completed"]
    spoken = " ".join(call.said).lower()
    assert "medication" not in spoken and "heart" not in spoken
    mind2 = make_mind(db="other.db")
    call2 = Call(mind2)
    call2.user("No, this is her daughter.")
    assert mind2.done and not mind2.outcome()["identity_confirmed"]


def test_a_year_not_caught_is_asked_for_alone(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    call.user("Yes, this is Maria.")
    # "1352" is no year a caller was born in: the year was misheard, not wrong.
    reply = call.user("March 14, 1352.")
    assert "What year were you born?" in reply and "match" not in reply
    # Read as a year, not as 9/18/52: "nineteen fifty two" misheard.
    assert "Have you been taking" in call.user("9 18 52")
    assert mind.outcome()["identity_confirmed"]


def test_asking_for_the_year_reveals_nothing_about_the_day(make_mind) -> None:  # type: ignore[no-untyped-def]
    # A wrong day with no year heard is asked for its year too; the full date then fails.
    mind = make_mind()
    call = Call(mind)
    call.user("Yes, this is Maria.")
    assert "What year were you born?" in call.user("January 1st.")
    assert "doesn't match" in call.user("1952.")
    call.user("January 1st, 1952.")
    assert "phone number" in call.user("January 2nd, 1952.")


def test_a_misheard_year_is_no_wrong_guess(make_mind) -> None:  # type: ignore[no-untyped-def]
    # A bad line does not use up the identity check's guesses, up to two misheard years.
    mind = make_mind()
    call = Call(mind)
    call.user("Yes, this is Maria.")
    for misheard in ("March 14, 1352.", "1852."):
        assert "What year were you born?" in call.user(misheard)
    assert "doesn't match" in call.user("1932.")  # a guess: attempt 1
    # A third mishearing counts (attempt 2) but is still asked as a year.
    assert "What year were you born?" in call.user("March 14, 1852.")
    assert "Have you been taking" in call.user("March 14th, 1952.")
    # Misheard over and over, it ends like wrong guesses do.
    mind2 = make_mind(db="other.db")
    call2 = Call(mind2)
    call2.user("Yes, this is Maria.")
    for _ in range(4):
        call2.user("March 14, 1352.")
    assert "phone number" in call2.user("March 14, 1352.")
    assert not mind2.done and not mind2.outcome()["identity_confirmed"]


def test_the_phone_number_stands_in_for_a_date_never_heard(make_mind) -> None:  # type: ignore[no-untyped-def]
    # Whisper heard "nineteen forty seven" as 1949, then 1941, from one synthetic voice.
    mind = make_mind("robert-chen")
    call = Call(mind)
    call.user("Yes, this is Robert.")
    for heard in ("November 2nd, 1949.", "November 2nd, 1941.", "November 2nd, 1941."):
        reply = call.user(heard)
    assert "Could you tell me the last four digits of your phone number?" in reply
    assert "Have you been taking" in call.user("It's 0.1, 0.2")
    out = mind.outcome()
    assert out["identity_confirmed"]
    identity = out["output_variables"]["confirm_identity"]
    assert identity == {"name_confirmed": True, "dob_confirmed": False, "phone_confirmed": True}


def test_a_confirmed_date_asks_for_no_phone_number(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    call.user("Yes, this is Maria.")
    assert "Have you been taking" in call.user("March 14th, 1952.")
    identity = mind.outcome()["output_variables"]["confirm_identity"]
    assert identity == {"name_confirmed": True, "dob_confirmed": True, "phone_confirmed": None}


def test_a_medicine_not_caught_is_asked_for_by_purpose(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind("robert-chen")
    call = Call(mind)
    for line in ["Yes, this is Robert.", "November 2nd, 1947.", "Not all of them, no."]:
        call.user(line)
    # "The lisinopril." as a small recogniser heard it from a synthetic voice.
    reply = call.user("Valle ese hapro.")
    assert "Was it the one for infection, blood pressure or cholesterol?" in reply
    assert "How many doses" in call.user("The blood pressure one.")
    meds = mind.outcome()["output_variables"]["check_medications"]
    assert meds["missed_medications"] == ["lisinopril"]


def test_plan_is_pure_and_stale_plans_are_refused(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    Call(mind)
    before = mind.outcome()
    speculative = mind.plan("I've got chest pain")
    mind.reprompt()
    assert mind.outcome() == before
    real = mind.plan("Yes, this is Maria.")
    mind.commit(real)
    with pytest.raises(ValueError, match="stale"):
        mind.commit(speculative)


def test_reprompt_repeats_question(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    Call(mind)
    assert "Maria Lopez" in " ".join(mind.reprompt().sentences)


def test_slot_taken_meanwhile_is_reoffered(make_mind) -> None:  # type: ignore[no-untyped-def]
    mind = make_mind()
    call = Call(mind)
    for line in [*IDENTITY, "Yes.", "Fine."]:
        call.user(line)
    plan = mind.plan("The first one.")
    store = mind.tools["book_follow_up"].store  # type: ignore[attr-defined]
    store.book(plan.actions[0].data["slot"]["slot_id"], "someone-else")
    result = mind.commit(plan)
    assert "just taken" in " ".join(result.followup_sentences)
    call.user("The first one.")
    assert mind.outcome()["follow_up_booked"]


@pytest.mark.parametrize(
    "request_text", ["Sorry, what was that?", "Pardon?", "Could you repeat that?"]
)
def test_a_request_to_repeat_repeats_the_question(make_mind, request_text: str) -> None:
    call = Call(make_mind())
    call.user("Yes, this is Maria.")
    asked = call.user("March 14th, 1952.")
    again = call.user(request_text)
    assert "medications" in asked and "medications" in again
    assert "care team" not in again
    # Nothing was consumed: a plain answer still works afterwards.
    assert "feeling" in call.user("Yes, all of them.")


def test_a_question_at_the_end_is_still_passed_to_the_care_team(make_mind) -> None:
    call = Call(make_mind())
    for text in IDENTITY + ["Yes.", "I feel fine.", "The first one."]:
        call.user(text)
    reply = call.user("What time should I take the furosemide?")
    assert "care team" in reply


def test_a_misheard_caveat_is_asked_again_once(make_mind) -> None:  # type: ignore[no-untyped-def]
    # "Yes, but I fainted in the kitchen" as a small recogniser heard it: the "but" carries
    # something the engine could not read, and a missed red flag is the costly mistake.
    mind = make_mind()
    call = Call(mind)
    for line in IDENTITY:
        call.user(line)
    reply = call.user("Yes, but I've entered in the kitchen this morning.")
    assert reply == "Sorry, I didn't catch all of that. Could you say that again?"
    reply = call.user("Yes, but I fainted in the kitchen this morning.")
    assert "nurse" in reply and mind.outcome()["escalated"]
    # Asked once: the same unclear caveat twice is taken as the yes it started with.
    other = Call(make_mind())
    for line in IDENTITY:
        other.user(line)
    for _ in range(2):
        reply = other.user("Yes, but only on the weekend, the mornings mostly.")
    assert "feeling" in reply

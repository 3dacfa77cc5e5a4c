"""The end-of-turn fusion model: shipped parameters load, are documented, and behave sensibly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from visavis.turns.fusion import (
    ANSWER_WORDS,
    EXPECTATION_CUES,
    FEATURES,
    MODEL_PATH,
    NUMBER_WORDS,
    TERMS,
    VAD_STOP,
    EndOfTurnDetector,
    EndOfTurnModel,
    date_without_year,
    digits_short,
    expectation_from_prompt,
    prosody_features,
    silence_feature_set,
    term_value,
    text_features,
)


@pytest.fixture(scope="module")
def model() -> EndOfTurnModel:
    return EndOfTurnModel.load()


def _features(
    model: EndOfTurnModel, text: str, elapsed: float, prompt: str = ""
) -> dict[str, float]:
    base = {n: model.means[n] for n in FEATURES}
    return {
        **base,
        **model.text_features(text),
        "expectation": model.expectation(prompt),
        "elapsed": elapsed,
    }


def test_json_is_valid_and_documented() -> None:
    spec = json.loads(MODEL_PATH.read_text())
    assert spec["comment"]
    for key in ("weights", "means", "stds", "features"):
        assert set(spec[key]) == set(TERMS), key
    assert all(isinstance(spec["features"][n], str) and spec["features"][n] for n in TERMS)
    assert all(spec["stds"][n] > 0 for n in TERMS)
    assert all(np.isfinite(float(v)) for v in spec["weights"].values())
    assert spec["word_classes"]["conjunctions"] and spec["word_classes"]["fillers"]
    # Every interaction is a product of two input features.
    assert all(set(t.split("*")) <= set(FEATURES) for t in spec["interactions"])
    # The shipped copies of the word tables are the module's (one source of truth).
    assert spec["answer_words"] == list(ANSWER_WORDS)
    assert spec["number_words"] == list(NUMBER_WORDS)
    assert spec["expectation_cues"] == EXPECTATION_CUES
    # (d) is an input, not fitted yet: weight 0, documented as such; (e) is fitted.
    assert spec["weights"]["visual_cue"] == 0.0
    assert "NOT FITTED" in spec["features"]["visual_cue"]
    assert spec["fit"]["unfitted"] == ["visual_cue"]
    assert spec["weights"]["expectation"] != 0.0
    assert "NOT FITTED" not in spec["features"]["expectation"]


def test_model_loads(model: EndOfTurnModel) -> None:
    p = model.probability(_features(model, "I take it in the morning.", 0.3))
    assert 0.0 < p < 1.0


def test_probability_rises_with_elapsed_silence(model: EndOfTurnModel) -> None:
    ps = [model.probability(_features(model, "Yes.", t)) for t in (0.2, 0.4, 0.8, 1.6)]
    assert all(a < b for a, b in zip(ps, ps[1:], strict=False))


def test_trailing_and_the_lowers_probability(model: EndOfTurnModel) -> None:
    complete = model.probability(_features(model, "I take the water pill.", 0.3))
    cut = model.probability(_features(model, "I take the water pill and the", 0.3))
    assert cut < complete


def test_a_date_of_birth_without_its_year_is_unfinished() -> None:
    asked = "Before we go on, can you tell me your date of birth?"
    for text in ("It's March 4th.", "March fourteenth,", "The 14th of March."):
        assert date_without_year(text, asked)
    for text in ("March 14, 1952.", "March fourteenth nineteen fifty two", "It's um."):
        assert not date_without_year(text, asked)
    assert not date_without_year("It's March 4th.", "Which day suits you for a visit?")
    got = silence_feature_set(
        smart_turn_p=0.9, text="It's March 4th.", frames=[], speech_start=0.0,
        silence_start=1.5, prompt=asked,
    )  # fmt: skip
    assert got["trailing_incomplete"] == 1.0


def test_fewer_digits_than_asked_for_are_unfinished() -> None:
    asked = "Could you tell me the last four digits of your phone number?"
    for text in ("It's zero one,", "0 1.", "It's 0.1"):
        assert digits_short(text, asked)
    for text in ("It's 0 1 0 2", "0102.", "zero one zero two", "I don't know."):
        assert not digits_short(text, asked)
    assert not digits_short("It's zero one,", "How many doses did you miss?")


def test_text_features_word_classes(model: EndOfTurnModel) -> None:
    words = model.incomplete_words
    assert text_features("and the", words)["trailing_incomplete"] == 1.0
    assert text_features("Um,", words)["trailing_incomplete"] == 1.0
    # Stalling for time is unfinished, even closed with a full stop.
    assert model.text_features("Let me think.")["trailing_incomplete"] == 1.0
    assert model.text_features("Hmm, hold on.")["trailing_incomplete"] == 1.0
    assert model.text_features("Tuesday, I think.")["trailing_incomplete"] == 0.0
    assert text_features("Is it serious?", words) == {
        "trailing_incomplete": 0.0,
        "terminal_punct": 1.0,
        "question": 1.0,
        "n_words": pytest.approx(np.log(4)),
        "answer_word": 0.0,
        "ends_number": 0.0,
    }
    assert text_features("", words) == {
        "trailing_incomplete": 0.0,
        "terminal_punct": 0.0,
        "question": 0.0,
        "n_words": 0.0,
        "answer_word": 0.0,
        "ends_number": 0.0,
    }
    assert text_features("Um, no.", words)["answer_word"] == 1.0
    assert text_features("I think so, yes.", words)["answer_word"] == 0.0  # not in the first 3
    assert text_features("Furosemide 40 milligrams", words)["ends_number"] == 0.0
    assert text_features("It's a six", words)["ends_number"] == 1.0
    assert text_features("120 over 80.", words)["ends_number"] == 1.0


def test_expectation_from_prompt() -> None:
    # + a short answer: yes/no questions, one fact.
    assert expectation_from_prompt("Did you take your pills this morning?") == 1.0
    assert expectation_from_prompt("Is this the one with the yellow label?") == 1.0
    assert expectation_from_prompt("When is your next appointment?") == 0.5
    assert expectation_from_prompt("How many pillows do you sleep on?") == 0.5
    assert expectation_from_prompt("What time is the appointment?") == 0.5
    # - a list or a story.
    assert expectation_from_prompt("Which medications are you taking?") == -0.5
    assert expectation_from_prompt("What symptoms have you had?") == -0.5
    assert expectation_from_prompt("How have you been feeling?") == -1.0
    assert expectation_from_prompt("Can you tell me about your week?") == -1.0  # story first
    assert expectation_from_prompt("How is the cough?") == -0.5
    # Only the word which/what asks about counts: a verb after a singular noun is no plural.
    assert expectation_from_prompt("Which day suits you for a follow-up visit?") == 0.5
    assert expectation_from_prompt("Which time works best for you?") == 0.5
    assert expectation_from_prompt("What sounds good to you?") == 0.5
    assert expectation_from_prompt("Which of your medications have you taken?") == -0.5
    assert expectation_from_prompt("What other symptoms have you had?") == -0.5
    # The last question counts, not what came before it.
    assert expectation_from_prompt("Thanks, that helps. Did you weigh yourself?") == 1.0
    assert expectation_from_prompt("Did you take it? Just checking.") == 1.0
    assert expectation_from_prompt("Did you sleep? Tell me about last night.") == -1.0
    assert expectation_from_prompt("Tell me about last night.") == -1.0
    # Questions back to back are as open as the most open of them.
    symptoms = "How have you been feeling since you got home? Any new or worsening symptoms?"
    assert expectation_from_prompt(symptoms) == -1.0
    assert expectation_from_prompt("Did you take it? And did you eat?") == 1.0
    assert expectation_from_prompt("How are you? Good. Did you weigh yourself?") == 1.0
    # Unknown or no question: neutral.
    for prompt in ("", "   ", "...", "Okay.", "Right, thank you."):
        assert expectation_from_prompt(prompt) == 0.0
    for prompt in ("Is it?", "Tell me", "Which ones?", "What?", "Hm"):
        assert -1.0 <= expectation_from_prompt(prompt) <= 1.0


def test_term_value() -> None:
    assert term_value("n_words", {"n_words": 2.0}) == 2.0
    assert term_value("expectation*n_words", {"expectation": -0.5, "n_words": 2.0}) == -1.0
    assert term_value("expectation*n_words", {"n_words": 2.0}) is None


def test_expectation_changes_a_short_answer(model: EndOfTurnModel) -> None:
    # "Yes." after a yes/no question is more likely the end than after "tell me about ...".
    yes_no = model.probability(_features(model, "Yes.", 0.3, "Did you take your pills?"))
    story = model.probability(_features(model, "Yes.", 0.3, "Tell me about your week."))
    assert yes_no > story


def test_a_complete_answer_of_another_kind_is_not_driven_to_zero(model: EndOfTurnModel) -> None:
    # A name after a date question: complete, just not what was asked for.
    p = model.probability(_features(model, "This is Maria.", 0.5, "What is your date of birth?"))
    assert p > 0.05


def test_a_filler_late_in_a_turn_is_not_an_end(model: EndOfTurnModel) -> None:
    # However long the turn has run, "... and the uh." is less likely over than a finished one.
    prompt = "Have you been taking all of your medications?"
    late = {"turn_seconds": float(np.log(5.0))}
    cut = model.probability(
        {**_features(model, "I take the water pill and the uh.", 0.8, prompt), **late}
    )
    done = model.probability(
        {**_features(model, "I take the water pill and the metoprolol.", 0.8, prompt), **late}
    )
    assert cut < done


def test_trailing_word_is_the_last_token() -> None:
    # A number after a preposition ends the transcript: "out of 10." is not unfinished.
    assert text_features("It's a six out of 10.", {"of"})["trailing_incomplete"] == 0.0
    assert text_features("It's a six out of", {"of"})["trailing_incomplete"] == 1.0


class _FakeSmartTurn:
    def __init__(self) -> None:
        self.calls = 0

    def probability(self, audio: np.ndarray) -> float:
        self.calls += 1
        return 0.9


class _FakeRecognizer:
    def __init__(self) -> None:
        self.heard = 0

    def transcribe(self, samples: np.ndarray, prompt: str | None = None):  # noqa: ANN201
        self.heard = len(samples)
        return type("T", (), {"text": "Yes, that's right."})()


def test_detector_is_causal_and_asks_once_per_silence(model: EndOfTurnModel) -> None:
    st, asr = _FakeSmartTurn(), _FakeRecognizer()
    det = EndOfTurnDetector(model, smart_turn=st, recognizer=asr)
    t = np.arange(320) / 16000
    for _ in range(50):  # 1 s of a 150 Hz tone, then silence
        det.push((0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32))
        t = t + 0.02
    ps = []
    for k in range(1, 30):
        det.push(np.zeros(320, np.float32))
        ps.append(det.end_probability(1.0, 1.0 + 0.02 * k))
    assert ps[: int(VAD_STOP / 0.02) - 1] == [0.0] * (int(VAD_STOP / 0.02) - 1)
    assert st.calls == 1
    assert asr.heard == 16000  # the audio up to the silence's start, nothing after
    later = [p for p in ps if p > 0]
    assert later and all(a <= b for a, b in zip(later, later[1:], strict=False))


def test_prosody_features_need_speech() -> None:
    assert prosody_features([], 1.0) == {
        "final_movement": 0.0,
        "energy_drop": 0.0,
        "lengthening": 0.0,
    }


def _tone_then_silence(det: EndOfTurnDetector, seconds: float = 1.0) -> None:
    t = np.arange(320) / 16000
    for _ in range(int(seconds / 0.02)):  # a 150 Hz tone, then 0.6 s of silence
        det.push((0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32))
        t = t + 0.02
    for _ in range(30):
        det.push(np.zeros(320, np.float32))


def test_silence_feature_set_is_what_the_detector_uses(model: EndOfTurnModel) -> None:
    det = EndOfTurnDetector(model, smart_turn=_FakeSmartTurn(), recognizer=_FakeRecognizer())
    det.prompt = "Did you take the water pill?"
    _tone_then_silence(det)
    got = det.silence_features(1.0)
    assert set(got) == set(FEATURES) - {"elapsed", "visual_cue"}
    same = silence_feature_set(
        smart_turn_p=0.9,
        text="Yes, that's right.",
        frames=det._frames,
        speech_start=det._speech_start,
        silence_start=1.0,
        prompt="Did you take the water pill?",
        model=model,
    )
    assert got == same
    assert got["expectation"] == 1.0 and got["answer_word"] == 1.0
    assert got["smart_turn_logit"] > 0  # p = 0.9


def test_detector_prompt_and_expectation_override(model: EndOfTurnModel) -> None:
    det = EndOfTurnDetector(model, smart_turn=_FakeSmartTurn(), recognizer=_FakeRecognizer())
    _tone_then_silence(det)
    neutral = det.end_probability(1.0, 1.3)
    det.prompt = "Did you take the water pill?"
    short = det.end_probability(1.0, 1.3)
    det.prompt = "Tell me how the week went."
    story = det.end_probability(1.0, 1.3)
    assert story < neutral < short
    det.expectation = 0.0  # set directly: overrides the prompt
    assert det.end_probability(1.0, 1.3) == pytest.approx(neutral)
    det.expectation = None
    det.reset()  # a new user turn keeps the agent's question
    assert det.prompt == "Tell me how the week went."

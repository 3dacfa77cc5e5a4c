"""The end-of-turn fusion model: shipped parameters load, are documented, and behave sensibly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from visavis.turns.fusion import (
    FEATURES,
    MODEL_PATH,
    VAD_STOP,
    EndOfTurnDetector,
    EndOfTurnModel,
    prosody_features,
    text_features,
)


@pytest.fixture(scope="module")
def model() -> EndOfTurnModel:
    return EndOfTurnModel.load()


def _features(model: EndOfTurnModel, text: str, elapsed: float) -> dict[str, float]:
    base = {n: model.means[n] for n in FEATURES}
    return {**base, **model.text_features(text), "elapsed": elapsed}


def test_json_is_valid_and_documented() -> None:
    spec = json.loads(MODEL_PATH.read_text())
    assert spec["comment"]
    for key in ("weights", "means", "stds", "features"):
        assert set(spec[key]) == set(FEATURES), key
    assert all(isinstance(spec["features"][n], str) and spec["features"][n] for n in FEATURES)
    assert all(spec["stds"][n] > 0 for n in FEATURES)
    assert all(np.isfinite(float(v)) for v in spec["weights"].values())
    assert spec["word_classes"]["conjunctions"] and spec["word_classes"]["fillers"]
    # (d) and (e) are inputs, not fitted yet: weight 0, documented as such.
    for n in ("visual_cue", "expectation"):
        assert spec["weights"][n] == 0.0
        assert "NOT FITTED" in spec["features"][n]


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


def test_text_features_word_classes(model: EndOfTurnModel) -> None:
    words = model.incomplete_words
    assert text_features("and the", words)["trailing_incomplete"] == 1.0
    assert text_features("Um,", words)["trailing_incomplete"] == 1.0
    assert text_features("Is it serious?", words) == {
        "trailing_incomplete": 0.0,
        "terminal_punct": 1.0,
        "question": 1.0,
    }
    assert text_features("", words) == {
        "trailing_incomplete": 0.0,
        "terminal_punct": 0.0,
        "question": 0.0,
    }


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

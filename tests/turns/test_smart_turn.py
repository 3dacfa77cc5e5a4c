"""Smart Turn v3.2 on real (Piper) speech: finished sentences score high, cut ones lower.

Clips end with 0.2 s of silence, as in pipecat, which asks the model once its VAD has heard a
short pause. Absolute thresholds are only asserted where the model is sure; elsewhere the test
checks that each complete sentence outscores the same speech cut off.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from visavis.runtime.media import SPEECH_RATE, resample
from visavis.turns.smart_turn import (
    N_FRAMES,
    N_MELS,
    WINDOW_SAMPLES,
    DecisionCost,
    SmartTurn,
    decision_cost_ms,
    window,
)

TAIL = 0.2

#: (complete sentence, the longer sentence it is cut from, how many words survive the cut).
PAIRS = [
    (
        "I have been taking all my medications every morning.",
        "I have been taking all my medications every morning and the pharmacist told me "
        "to keep going.",
        11,  # "... every morning and the"
    ),
    (
        "My daughter drives me to the clinic on Tuesdays.",
        "My daughter drives me to the clinic on Tuesdays because the bus is too slow for me.",
        11,  # "... on Tuesdays because the"
    ),
    (
        "The pain in my knee started about two weeks ago.",
        "The pain in my knee started about two weeks ago when I was walking to the store.",
        12,  # "... two weeks ago when I"
    ),
    (
        "I would like to book an appointment for next Friday.",
        "I would like to book an appointment for next Friday or maybe the Monday after that.",
        12,  # "... next Friday or maybe"
    ),
    # The model is unsure here (a cut after "but" scored ~0.8): only the order is checked.
    (
        "Yes, that sounds good to me.",
        "Yes, that sounds good to me but I need to check with my husband first.",
        7,  # "... good to me but"
    ),
]


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SPEECH_RATE), dtype=np.float32)


@pytest.fixture(scope="module")
def smart_turn(models_installed: None) -> SmartTurn:
    return SmartTurn()


@pytest.fixture(scope="module")
def clips(engines):
    """For each pair: complete, cut after a word, and cut halfway through the next word."""

    def speak(text: str):
        speech = engines.synthesizer.synthesize(text)
        return resample(speech.samples, speech.sample_rate, SPEECH_RATE), speech.words

    out = []
    for complete_text, long_text, keep in PAIRS:
        complete, _ = speak(complete_text)
        long, words = speak(long_text)
        assert len(words) > keep, [w.word for w in words]
        after_word = long[: int(words[keep - 1].end * SPEECH_RATE)]
        nxt = words[keep]
        mid_word = long[: int((nxt.start + nxt.end) / 2 * SPEECH_RATE)]
        out.append(
            {
                "text": complete_text,
                "complete": np.concatenate([complete, silence(TAIL)]),
                "after_word": np.concatenate([after_word, silence(TAIL)]),
                "mid_word": np.concatenate([mid_word, silence(TAIL)]),
            }
        )
    return out


@pytest.fixture(scope="module")
def scores(smart_turn: SmartTurn, clips):
    table = [
        {k: smart_turn.probability(v) for k, v in clip.items() if k != "text"} for clip in clips
    ]
    for clip, row in zip(clips, table, strict=True):
        print(
            f"complete {row['complete']:.3f}  cut after word {row['after_word']:.3f}  "
            f"cut mid-word {row['mid_word']:.3f}  :: {clip['text']}"
        )
    return table


def test_model_input_and_output_shapes(smart_turn: SmartTurn):
    (inp,) = smart_turn._session.get_inputs()
    (out,) = smart_turn._session.get_outputs()
    assert inp.name == "input_features"
    assert list(inp.shape[1:]) == [N_MELS, N_FRAMES]
    assert list(out.shape[1:]) == [1]
    features = smart_turn.features(silence(1.0))
    assert features.shape == (N_MELS, N_FRAMES)
    assert features.dtype == np.float32


def test_complete_sentences_score_as_finished(scores):
    for row in scores:
        assert row["complete"] > 0.5, scores


def test_cut_sentences_score_lower_than_their_complete_versions(scores):
    for row in scores:
        assert row["complete"] - row["after_word"] > 0.1, scores
        assert row["complete"] > row["mid_word"], scores
    # The model is sure about a sentence ending in "and the" ...
    assert scores[0]["after_word"] < 0.5, scores
    # ... and on the whole, cut speech is called unfinished.
    assert np.mean([row["after_word"] for row in scores]) < 0.5, scores
    assert sum(row["after_word"] < 0.5 for row in scores) >= 3, scores


def test_window_keeps_the_last_8_seconds_and_pads_at_the_start():
    short = np.ones(SPEECH_RATE, dtype=np.float32)
    padded = window(short)
    assert len(padded) == WINDOW_SAMPLES
    assert not padded[: WINDOW_SAMPLES - SPEECH_RATE].any()
    assert (padded[-SPEECH_RATE:] == 1.0).all()
    long = np.arange(WINDOW_SAMPLES + 5000, dtype=np.float32)
    assert np.array_equal(window(long), long[-WINDOW_SAMPLES:])


def test_longer_than_8_seconds_uses_the_last_8_seconds(smart_turn: SmartTurn, clips):
    turn = np.concatenate([clip["complete"] for clip in clips])  # ~12 s, ends complete
    assert len(turn) > WINDOW_SAMPLES
    last = turn[-WINDOW_SAMPLES:]
    assert smart_turn.probability(turn) == smart_turn.probability(last)
    # What came before the window makes no difference at all.
    other = np.concatenate([clips[0]["after_word"], last])
    assert smart_turn.probability(other) == smart_turn.probability(turn)
    # Ending the long turn mid-sentence still scores lower than ending it complete.
    cut = np.concatenate([clip["complete"] for clip in clips[:-1]] + [clips[-1]["after_word"]])
    assert smart_turn.probability(cut) < smart_turn.probability(turn)


def test_silence_short_and_odd_input_do_not_crash(smart_turn: SmartTurn):
    assert smart_turn.probability(np.zeros(0, dtype=np.float32)) == 0.0
    results = []
    for audio in (
        silence(1.0),
        silence(12.0),
        np.zeros(1, dtype=np.float32),
        np.full(160, 0.1, dtype=np.float32),
        np.zeros((2, 800), dtype=np.float64),  # any shape and dtype is flattened to float32
        np.array([np.nan, np.inf, -np.inf, 0.5], dtype=np.float32),
    ):
        p = smart_turn.probability(audio)
        assert isinstance(p, float)
        assert 0.0 <= p <= 1.0
        results.append(p)
    # Digital silence always gives the same features, whatever its length.
    assert results[0] == results[1] == results[2] == results[4]


def test_decision_cost_is_reported(smart_turn: SmartTurn):
    cost = smart_turn.cost_ms(n=5)
    assert isinstance(cost, DecisionCost)
    assert 0.0 < cost.p50 <= cost.p95
    assert cost.p50 < 2000.0  # generous: the box may be busy
    assert smart_turn.last_ms > 0.0
    assert decision_cost_ms(2).p50 > 0.0


def _pipecat_features():
    """pipecat's own preprocessing, if its sources are at $VISAVIS_PIPECAT_SRC (an unzipped
    pipecat-ai wheel); numpy-only, so it runs without installing pipecat."""
    root = os.environ.get("VISAVIS_PIPECAT_SRC")
    if not root:
        return None
    base = Path(root) / "pipecat" / "audio" / "turn" / "smart_turn"
    spec = importlib.util.spec_from_file_location("_pc_features", base / "_whisper_features.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The truncate/pad step is a function nested in LocalSmartTurnAnalyzerV3._predict_endpoint.
    tree = ast.parse((base / "local_smart_turn_v3.py").read_text())
    (fn,) = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "truncate_audio_to_last_n_seconds"
    ]
    namespace = {"np": np, "_MODEL_SAMPLE_RATE": SPEECH_RATE}
    exec(compile(ast.Module([fn], []), "pipecat_truncate", "exec"), namespace)
    truncate = namespace["truncate_audio_to_last_n_seconds"]

    def features(audio: np.ndarray) -> np.ndarray:
        return module.compute_whisper_log_mel_features(truncate(audio, n_seconds=8))

    return features


def test_preprocessing_matches_pipecat(smart_turn: SmartTurn, clips):
    reference = _pipecat_features()
    if reference is None:
        pytest.skip("set VISAVIS_PIPECAT_SRC to an unzipped pipecat-ai 1.14.0 wheel")
    long = np.concatenate([clip["complete"] for clip in clips])
    for audio in (clips[0]["complete"], clips[0]["after_word"], long):
        ours = smart_turn.features(audio)
        theirs = reference(audio)
        assert np.array_equal(ours, theirs), np.abs(ours - theirs).max()
        (out,) = smart_turn._session.run(None, {"input_features": theirs[None]})
        assert smart_turn.probability(audio) == float(out.reshape(-1)[0])

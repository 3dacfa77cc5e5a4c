"""The overlap classifier on real parts: Piper speech in a caller's voice, real Whisper."""

from __future__ import annotations

import time

import numpy as np
import pytest

from visavis.runtime.media import resample
from visavis.turns.overlap import (
    OverlapClassifier,
    echo_match,
    is_backchannel_text,
    speech_band_fraction,
)

RATE = 16000


@pytest.fixture(scope="module")
def speak(engines):
    """Text -> 16 kHz audio: the agent's voice (0 st) or a caller's (Piper shifted 3 st)."""
    from visavis.speech.tts.shift import ShiftedVoice

    base = engines.synthesizer
    factor = 2.0 ** (3 / 12)
    caller = ShiftedVoice(base.variant(factor), 3.0)

    def render(text: str, agent: bool = False) -> np.ndarray:
        speech = (base if agent else caller).synthesize(text)
        audio = resample(speech.samples, speech.sample_rate, RATE)
        return (0.6 * audio / np.max(np.abs(audio))).astype(np.float32)

    return render


@pytest.fixture(scope="module")
def classifier(engines) -> OverlapClassifier:
    return OverlapClassifier(engines.recognizer)


def _lowpass(audio: np.ndarray, cutoff: float = 3000.0) -> np.ndarray:
    n = np.arange(31) - 15
    h = np.sinc(2 * cutoff / RATE * n) * np.hamming(31)
    return np.convolve(audio, h / h.sum())[: len(audio)].astype(np.float32)


def _with_lead(audio: np.ndarray, lead: float = 0.1) -> np.ndarray:
    """The mic as ``BargeIn`` reads it: from 100 ms before the onset, a little room noise."""
    out = np.concatenate([np.zeros(int(lead * RATE), np.float32), audio])
    return out + np.random.default_rng(0).normal(0, 3e-4, len(out)).astype(np.float32)


def test_backchannel_text() -> None:
    for text in ("Yeah.", "Mm-hmm.", "Uh-huh, yeah.", "Oh, I see.", "Ha ha.", "Yeah. Yeah. Yeah."):
        assert is_backchannel_text(text), text
    for text in ("Wait, I have a question.", "No.", "Stop.", "Okay, but", "I", "", "(coughs)"):
        assert not is_backchannel_text(text), text


def test_yeah_is_a_backchannel(speak, classifier: OverlapClassifier) -> None:
    mic = _with_lead(speak("Yeah."))
    played = np.zeros(len(mic) + int(0.3 * RATE), np.float32)
    verdict = classifier.classify(
        mic, played, speech_seconds=len(mic) / RATE - 0.1, still_speaking=False
    )
    assert verdict is not None and verdict.kind == "backchannel", verdict


def test_a_question_is_a_barge_in_before_it_ends(speak, classifier: OverlapClassifier) -> None:
    speech = speak("Wait, I have a question about that.")
    played = np.zeros(len(speech) + int(0.5 * RATE), np.float32)
    # Asked as the live loop would, 0.6 s into the speech, while it goes on.
    mic = _with_lead(speech[: int(0.6 * RATE)])
    verdict = None
    for _ in range(3):  # the first answer may be None (transcribed, not yet conclusive)
        verdict = classifier.classify(
            mic, played[: len(mic) + int(0.3 * RATE)], speech_seconds=0.6, still_speaking=True
        )
        if verdict is not None:
            break
    assert verdict is not None and verdict.kind == "barge_in", verdict


def test_delayed_attenuated_agent_audio_is_echo(speak, classifier: OverlapClassifier) -> None:
    agent = speak("Have you been taking all of your medications since you got home?", agent=True)
    delay, n = int(0.09 * RATE), int(0.5 * RATE)
    echo = np.concatenate([np.zeros(delay, np.float32), agent])[: len(agent)]
    echo = _lowpass(echo) * np.float32(10 ** (-22 / 20))
    echo += np.random.default_rng(1).normal(0, 0.003, len(echo)).astype(np.float32)
    start = int(1.0 * RATE)
    mic, played = echo[start : start + n], agent[start - int(0.3 * RATE) : start + n]
    began = time.perf_counter()
    assert classifier.is_echo(mic, played)
    assert time.perf_counter() - began < 0.05
    # The low-pass filter adds its own 15-sample group delay.
    assert abs(echo_match(mic, played, RATE, 0.3).lag - delay - 15) <= 2
    verdict = classifier.classify(mic, played, speech_seconds=0.4, still_speaking=True)
    assert verdict is not None and verdict.kind == "echo"
    # The caller talking over that echo (double talk) is not echo.
    words = speak("No, that's wrong, it was Tuesday.")[:n]
    assert not classifier.is_echo(mic + words, played)


def test_noise_burst_and_knock_are_noise(classifier: OverlapClassifier) -> None:
    rng = np.random.default_rng(2)
    burst = (0.3 * rng.normal(0, 1, int(0.4 * RATE))).astype(np.float32)
    t = np.arange(int(0.15 * RATE)) / RATE
    knock = np.sin(2 * np.pi * 120 * t) * np.exp(-t / 0.03)
    knocks = np.concatenate([knock, knock, knock]).astype(np.float32) * 0.5
    for sound in (burst, knocks):
        mic = _with_lead(sound)
        assert speech_band_fraction(mic) < classifier.settings.min_speech_band
        played = np.zeros(len(mic) + int(0.3 * RATE), np.float32)
        verdict = classifier.classify(
            mic, played, speech_seconds=len(sound) / RATE, still_speaking=False
        )
        assert verdict is not None and verdict.kind == "noise", verdict


def test_undecided_while_short_and_still_speaking(classifier: OverlapClassifier) -> None:
    mic = _with_lead(np.zeros(int(0.1 * RATE), np.float32))
    played = np.zeros(len(mic) + int(0.3 * RATE), np.float32)
    assert classifier.classify(mic, played, speech_seconds=0.1, still_speaking=True) is None

"""Piper and espeak synthesis: audio, phoneme timings covering it, words in order."""

from __future__ import annotations

import numpy as np
import pytest

from visavis.models import locate
from visavis.speech.tts import load_synthesizer
from visavis.speech.tts.base import SynthesizedSpeech
from visavis.speech.tts.espeak import EspeakSynthesizer
from visavis.speech.tts.normalize import normalize_text
from visavis.speech.tts.piper import PiperSynthesizer
from visavis.speech.tts.timing import LEAD_KEEP, trim_lead

TEXT = "Hello, my name is Alex and I will call you tomorrow morning."
WORDS = [
    "Hello",
    "my",
    "name",
    "is",
    "Alex",
    "and",
    "I",
    "will",
    "call",
    "you",
    "tomorrow",
    "morning",
]


def _check_timings(speech: SynthesizedSpeech) -> None:
    assert speech.samples.dtype == np.float32 and speech.duration > 1.0
    assert np.max(np.abs(speech.samples)) > 0.1
    total = sum(p.duration for p in speech.phonemes)
    assert total == pytest.approx(speech.duration, rel=0.03)
    starts = [p.start for p in speech.phonemes]
    assert starts == sorted(starts)
    assert all(p.duration >= 0 for p in speech.phonemes)
    assert len([p for p in speech.phonemes if p.phoneme != "_"]) > 20
    assert [w.word for w in speech.words] == WORDS
    for a, b in zip(speech.words, speech.words[1:], strict=False):
        assert a.start < a.end <= b.start + 1e-6
    assert speech.words[-1].end <= speech.duration + 1e-6


@pytest.fixture(scope="module")
def piper(models_installed: None) -> PiperSynthesizer:
    return PiperSynthesizer(locate("tts.piper-joe"))


def test_piper_speech_with_timings(piper: PiperSynthesizer) -> None:
    speech = piper.synthesize(TEXT)
    assert speech.sample_rate == piper.sample_rate == 22050
    _check_timings(speech)


def test_piper_starts_sounding_at_once(piper: PiperSynthesizer) -> None:
    # The voice's own lead silence (40-70 ms) is cut to LEAD_KEEP: the caller hears the reply
    # that much sooner, and the first phoneme's timing moves with the audio.
    speech = piper.synthesize("Thank you.")
    rate = speech.sample_rate
    first = next(p for p in speech.phonemes if p.phoneme != "_")
    assert first.start <= LEAD_KEEP + 1 / rate
    head = speech.samples[: int((first.start + 0.03) * rate)]
    assert np.max(np.abs(head)) > 0.01  # sound within 30 ms of the first phoneme


def test_trim_lead_keeps_audio_and_timings_together() -> None:
    rate = 1000
    samples = np.arange(300, dtype=np.float32)
    raw = [("_", 0.04), ("_", 0.06), ("a", 0.2)]
    cut, timing = trim_lead(samples, raw, rate, keep=0.01)
    assert len(cut) == 210 and cut[0] == 90
    assert timing == [("_", pytest.approx(0.01)), ("a", 0.2)]
    # Nothing to cut: a sentence that starts sounding, or all pause.
    assert trim_lead(samples, [("a", 0.3)], rate)[1] == [("a", 0.3)]
    assert len(trim_lead(samples, [("_", 0.3)], rate)[0]) == 300


def test_piper_words_survive_mismatched_phonemization(piper: PiperSynthesizer) -> None:
    # espeak reads "10:30" as two words: the character-length fallback must still give
    # one ordered timing per text word inside the audio.
    speech = piper.synthesize("Come back at 10:30 tomorrow.")
    assert [w.word for w in speech.words] == ["Come", "back", "at", "10:30", "tomorrow"]
    assert all(0 <= w.start < w.end <= speech.duration for w in speech.words)


def test_empty_text_gives_empty_speech(piper: PiperSynthesizer) -> None:
    assert piper.synthesize("  ").duration == 0.0
    assert EspeakSynthesizer().synthesize("").duration == 0.0


def test_espeak_speech_with_timings() -> None:
    speech = EspeakSynthesizer().synthesize(TEXT)
    assert speech.sample_rate == 22050
    _check_timings(speech)


def _pitch(samples: np.ndarray, rate: int) -> float:
    """Median F0 of loud frames by autocorrelation (good enough to tell voices apart)."""
    estimates = []
    for i in range(0, len(samples) - 1024, 512):
        frame = samples[i : i + 1024] - np.mean(samples[i : i + 1024])
        if np.sqrt(np.mean(frame**2)) < 0.05:
            continue
        corr = np.correlate(frame, frame, "full")[1023:]
        lo, hi = rate // 400, rate // 70
        estimates.append(rate / (lo + int(np.argmax(corr[lo:hi]))))
    return float(np.median(estimates))


def test_two_espeak_voices_differ_and_interleave() -> None:
    agent = EspeakSynthesizer("en-us")
    patient = EspeakSynthesizer("en-us", variant="f3", pitch=70)
    a1 = agent.synthesize("How are you feeling today?")
    p1 = patient.synthesize("How are you feeling today?")
    a2 = agent.synthesize("How are you feeling today?")
    # espeak varies a few ms between identical calls, so compare pitch, not samples: the agent's
    # voice must come back unchanged after the patient's (settings are per call, not global).
    agent_pitch = _pitch(a1.samples, a1.sample_rate)
    assert _pitch(a2.samples, a2.sample_rate) == pytest.approx(agent_pitch, rel=0.05)
    assert _pitch(p1.samples, p1.sample_rate) > 1.2 * agent_pitch


def test_unknown_espeak_voice_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no voice"):
        EspeakSynthesizer("xx-nonexistent")


def test_factory(models_installed: None) -> None:
    assert load_synthesizer("espeak", voice="en-us").name == "espeak"
    with pytest.raises(ValueError, match="unknown TTS engine"):
        load_synthesizer("nope")


def test_factory_falls_back_to_espeak_without_piper(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "piper" else real(name, *a)
    )
    assert load_synthesizer("piper", threads=1, pitch=60).name == "espeak"


def test_normalize_text() -> None:
    assert normalize_text("**Take** 10mg at 3pm & rest.") == "Take 10 milligrams at 3 P M and rest."
    assert normalize_text("BP 120/80, Dr. Smith") == "BP 120 over 80, Doctor Smith"
    assert normalize_text(normalize_text("10:30 am")) == "10:30 A M"

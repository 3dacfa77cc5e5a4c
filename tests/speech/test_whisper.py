"""Whisper recognizer: round trip through Piper speech, real recorded speech, edge cases."""

from __future__ import annotations

import jiwer
import numpy as np
import pytest

from visavis.models import locate
from visavis.models.manifest import get_entry
from visavis.runtime.media import SPEECH_RATE, read_audio, resample
from visavis.speech.asr import load_recognizer
from visavis.speech.asr.whisper import WhisperRecognizer

pytestmark = pytest.mark.usefixtures("models_installed")


def _norm(text: str) -> str:
    return " ".join(jiwer.RemovePunctuation()(text.lower()).split())


@pytest.fixture(scope="module")
def recognizer(models_installed: None) -> WhisperRecognizer:
    return WhisperRecognizer(locate("asr.whisper-tiny.en"))


def test_short_or_silent_audio_skips_the_model(recognizer: WhisperRecognizer) -> None:
    assert recognizer.transcribe(np.zeros(0, np.float32)).text == ""
    assert recognizer.transcribe(np.ones(SPEECH_RATE // 20, np.float32) * 0.1).text == ""
    result = recognizer.transcribe(np.zeros(SPEECH_RATE, np.float32))
    assert result.text == "" and result.compute_ms == 0.0


@pytest.mark.slow
def test_piper_speech_round_trip(recognizer: WhisperRecognizer) -> None:
    from visavis.speech.tts.piper import PiperSynthesizer

    piper = PiperSynthesizer(locate("tts.piper-joe"))
    texts = [
        "Could you tell me what the weather will be like tomorrow morning?",
        "Remind me to call my mother when I get home.",
    ]
    hypotheses = []
    for text in texts:
        speech = piper.synthesize(text)
        result = recognizer.transcribe(resample(speech.samples, speech.sample_rate, SPEECH_RATE))
        assert result.compute_ms > 0
        hypotheses.append(_norm(result.text))
    assert jiwer.wer([_norm(t) for t in texts], hypotheses) <= 0.1


@pytest.mark.slow
def test_real_recorded_speech() -> None:
    entry = get_entry("data.speech.beckett")
    recognizer = load_recognizer({"engine": "whisper"})
    result = recognizer.transcribe(read_audio(locate(entry)))
    assert entry.transcript is not None
    assert jiwer.wer(_norm(entry.transcript), _norm(result.text)) <= 0.15


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="unknown ASR engine"):
        load_recognizer({"engine": "nope"})

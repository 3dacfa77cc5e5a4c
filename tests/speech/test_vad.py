"""Silero VAD with hysteresis, on real synthesized speech separated by silence."""

from __future__ import annotations

import time

import numpy as np
import pytest

from visavis.models import locate
from visavis.runtime.media import SPEECH_RATE, AudioChunk, resample
from visavis.speech.vad import FRAME, SileroVAD, VadSettings, VoiceActivityDetector

pytestmark = pytest.mark.usefixtures("models_installed")

SENTENCES = ["Could you tell me what the weather will be like tomorrow", "Thank you very much"]


@pytest.fixture(scope="module")
def silero() -> SileroVAD:
    return SileroVAD(locate("vad.silero"))


@pytest.fixture(scope="module")
def speech_track() -> tuple[np.ndarray, list[tuple[float, float]]]:
    """1 s silence, sentence, 1.5 s silence, sentence, 1.5 s silence; with true speech spans."""
    from visavis.speech.tts.piper import PiperSynthesizer

    piper = PiperSynthesizer(locate("tts.piper-joe"))
    parts = [np.zeros(SPEECH_RATE, np.float32)]
    truth = []
    t = 1.0
    for text in SENTENCES:
        speech = piper.synthesize(text)
        voiced = [p for p in speech.phonemes if p.phoneme != "_"]
        truth.append((t + voiced[0].start, t + voiced[-1].start + voiced[-1].duration))
        audio = resample(speech.samples * 0.5, speech.sample_rate, SPEECH_RATE)
        parts += [audio, np.zeros(int(1.5 * SPEECH_RATE), np.float32)]
        t += len(audio) / SPEECH_RATE + 1.5
    return np.concatenate(parts), truth


def _run(vad: VoiceActivityDetector, audio: np.ndarray, chunk: int, start: float = 0.0) -> list:
    out = []
    for i in range(0, len(audio), chunk):
        piece = audio[i : i + chunk]
        out += vad.push(AudioChunk(piece, SPEECH_RATE, start + i / SPEECH_RATE))
    return out


@pytest.mark.parametrize("chunk", [160, 512, 1000, 4800])
def test_start_and_stop_times_match_the_speech(silero: SileroVAD, speech_track, chunk: int):
    audio, truth = speech_track
    vad = VoiceActivityDetector(silero)
    events = _run(vad, audio, chunk, start=10.0)
    assert [e.kind for e in events] == ["start", "stop"] * len(truth)
    for (begin, end), start_ev, stop_ev in zip(truth, events[::2], events[1::2], strict=True):
        assert start_ev.at == pytest.approx(10.0 + begin, abs=0.1)
        assert stop_ev.at == pytest.approx(10.0 + end, abs=0.1)
        # Detection lags by the confirmation window (plus at most one frame of buffering).
        assert 0.064 - 1e-6 <= start_ev.detected_at - start_ev.at <= 0.064 + 0.1
        assert stop_ev.detected_at - stop_ev.at == pytest.approx(0.096, abs=0.033)
    assert not vad.in_speech
    assert vad.silence_since == pytest.approx(events[-1].at)


def test_silence_and_white_noise_are_not_speech(silero: SileroVAD) -> None:
    rng = np.random.default_rng(0)
    vad = VoiceActivityDetector(silero)
    assert _run(vad, np.zeros(3 * SPEECH_RATE, np.float32), 800) == []
    noise = rng.normal(0, 0.1, 5 * SPEECH_RATE).astype(np.float32)
    assert _run(vad, noise, 800, start=3.0) == []
    assert vad.silence_since == 0.0 and not vad.in_speech


def test_clipped_and_broken_input_does_not_crash(silero: SileroVAD, speech_track) -> None:
    audio, _truth = speech_track
    loud = audio * 20.0  # heavily clipped speech is still speech
    loud[100:110] = np.nan
    vad = VoiceActivityDetector(silero)
    kinds = [e.kind for e in _run(vad, loud, 700)]
    assert kinds[:2] == ["start", "stop"]


def test_other_sample_rates_and_flush(silero: SileroVAD, speech_track) -> None:
    audio, truth = speech_track
    audio48 = resample(audio, SPEECH_RATE, 48000)
    vad = VoiceActivityDetector(silero, VadSettings(min_silence=0.5))
    cut = int(48000 * (truth[0][0] + 0.5))  # stop feeding in the middle of the first sentence
    events = []
    for i in range(0, cut, 960):
        events += vad.push(AudioChunk(audio48[i : min(i + 960, cut)], 48000, i / 48000))
    assert [e.kind for e in events] == ["start"]
    assert events[0].at == pytest.approx(truth[0][0], abs=0.1)
    assert vad.in_speech
    (stop,) = vad.flush()
    assert stop.kind == "stop" and not vad.in_speech


def test_frame_cost(silero: SileroVAD) -> None:
    frame = np.zeros(FRAME, np.float32)
    silero.reset()
    began = time.perf_counter()
    for _ in range(200):
        silero.probability(frame)
    per_frame_ms = (time.perf_counter() - began) / 200 * 1000
    print(f"silero VAD: {per_frame_ms:.3f} ms per 32 ms frame")
    assert per_frame_ms < 5.0

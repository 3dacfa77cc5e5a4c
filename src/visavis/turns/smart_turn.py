"""Smart Turn v3.2: is the user done speaking, judged from the audio of their turn alone.

Smart Turn (Daily / pipecat, BSD-2) is a Whisper-tiny encoder with a small classification head,
quantised to int8 ONNX (8.7 MB). It reads the last 8 s of a user turn as an 80 x 800 log-mel
spectrogram and outputs P(turn complete) through a final sigmoid (the ONNX output is called
``logits`` but already holds a probability). Only onnxruntime and numpy run here (plus
faster-whisper's mel filterbank, identical to the reference's). The features are bit-identical to
pipecat's on real speech, and so are the probabilities.

Preprocessing, as pipecat 1.14.0 does it (``pipecat/audio/turn/smart_turn/local_smart_turn_v3.py``
and ``_whisper_features.py``, the numpy copy of ``transformers.WhisperFeatureExtractor``):

1. 16 kHz mono float in [-1, 1]. Keep the **last** 8 s (128,000 samples); a shorter turn is
   zero-padded at the **start** so that the end of the audio always sits at the end of the window.
2. Normalise the whole padded 8 s waveform (padding included) to zero mean and unit variance:
   ``(x - mean) / sqrt(var + 1e-7)``.
3. Whisper log-mel: 400-sample periodic Hann window, hop 160, centred reflect-padded STFT, power,
   80 Slaney mel bins (0-8 kHz), ``log10(max(mel, 1e-10))``, drop the last frame (801 -> 800),
   clamp at (max - 8), then ``(x + 4) / 4``. No extra padding to 30 s.
4. Input ``input_features`` float32 [1, 80, 800]; output ``logits`` float32 [1, 1] = probability.

What audio to give it: pipecat passes the turn from 0.5 s (plus the VAD start delay) before speech
began up to the moment of the decision, which it takes after its VAD reported a short silence, so
the clip normally ends with a fraction of a second of trailing silence. pipecat's threshold is 0.5.
Measured on Piper speech: with 0.2 s of trailing silence, speech cut after "and the" scored
~0.01 against ~0.98 complete; with 0.5 s, cut speech drifted up (0.3-0.97), so ask early. Pure
silence scores ~0.99 (nobody is speaking): ask only once the VAD has heard speech.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from visavis.runtime.media import SPEECH_RATE

MODEL_NAME = "turn.smart-turn-v3.2"
#: The model's window: the last 8 s of the turn.
WINDOW_SECONDS = 8
WINDOW_SAMPLES = WINDOW_SECONDS * SPEECH_RATE
N_MELS = 80
N_FRAMES = 800
N_FFT = 400
HOP = 160
#: pipecat's decision threshold: probability above it means "complete".
THRESHOLD = 0.5
_NORM_EPS = 1e-7


class DecisionCost(NamedTuple):
    """Wall-clock milliseconds of one decision (features + inference)."""

    p50: float
    p95: float


def window(audio: np.ndarray) -> np.ndarray:
    """The model's 8 s window: the last 8 s of ``audio``, zero-padded at the start if shorter."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    if len(samples) >= WINDOW_SAMPLES:
        return samples[len(samples) - WINDOW_SAMPLES :].copy()
    out = np.zeros(WINDOW_SAMPLES, dtype=np.float32)
    if len(samples):
        out[WINDOW_SAMPLES - len(samples) :] = samples
    return out


@functools.cache
def _mel_filters() -> np.ndarray:
    """[80, 201] Slaney mel filterbank, 0-8 kHz, in float64 (faster-whisper's, = librosa's)."""
    from faster_whisper.feature_extractor import FeatureExtractor

    return FeatureExtractor.get_mel_filters(SPEECH_RATE, N_FFT, n_mels=N_MELS)


@functools.cache
def _hann() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1]  # periodic Hann, as torch.hann_window


def log_mel(window_samples: np.ndarray) -> np.ndarray:
    """Smart Turn's input for one 8 s window: float32 [80, 800].

    Waveform normalised to zero mean / unit variance (in float32, over the whole padded window),
    then Whisper's log-mel computed in float64 like the reference: the int8 model is sensitive
    enough that float32 spectra (faster-whisper's ``FeatureExtractor``, ~4e-6 off) moved a
    probability by 0.03 on one clip.
    """
    x = np.asarray(window_samples, dtype=np.float32).reshape(-1)
    x = (x - x.mean()) / np.sqrt(x.var() + _NORM_EPS)
    half = N_FFT // 2
    padded = np.pad(x.astype(np.float64), (half, half), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _hann(), axis=-1)) ** 2  # [801, 201]
    mel = _mel_filters() @ power[:-1].T  # drop the last frame -> [80, 800]
    spec = np.log10(np.maximum(mel, 1e-10))
    spec = np.maximum(spec, spec.max() - 8.0)
    return ((spec + 4.0) / 4.0).astype(np.float32)


class SmartTurn:
    """Smart Turn v3.2 on onnxruntime. ``probability(audio)`` is P(the speaker has finished).

    Thread-safe (onnxruntime sessions and the feature extractor keep no per-call state).
    """

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        if model_path is None:
            from visavis.models.store import locate

            model_path = locate(MODEL_NAME)
        self.model_path = Path(model_path)
        options = ort.SessionOptions()
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = max(1, int(threads))
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(self.model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or list(inputs[0].shape[1:]) != [N_MELS, N_FRAMES]:
            shapes = [(i.name, i.shape) for i in inputs]
            raise ValueError(f"{self.model_path} is not a Smart Turn v3 model (inputs {shapes})")
        self._input = inputs[0].name
        #: Milliseconds the last ``probability`` call took.
        self.last_ms = 0.0

    def features(self, audio: np.ndarray) -> np.ndarray:
        """The model input for ``audio`` (16 kHz float): float32 [80, 800] normalised log-mel."""
        return log_mel(window(audio))

    def probability(self, audio: np.ndarray) -> float:
        """P(turn complete) for the current user turn's audio so far (16 kHz mono float32).

        Longer than 8 s: only the last 8 s count. Empty audio returns 0.0 without running the
        model; silence and very short clips run the model as they are (it scores them low).
        """
        started = time.perf_counter()
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
        if samples.size == 0:
            self.last_ms = 0.0
            return 0.0
        samples = np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0)
        features = self.features(samples)[None]
        (output,) = self._session.run(None, {self._input: features})
        self.last_ms = (time.perf_counter() - started) * 1000.0
        return float(np.clip(np.asarray(output).reshape(-1)[0], 0.0, 1.0))

    def is_complete(self, audio: np.ndarray, threshold: float = THRESHOLD) -> bool:
        """Whether the turn scores as finished at ``threshold`` (pipecat uses 0.5)."""
        return self.probability(audio) > threshold

    def cost_ms(self, n: int = 20, seconds: float = 4.0) -> DecisionCost:
        """p50/p95 wall time of one decision (features + inference) over ``n`` timed runs.

        The input length hardly matters (the window is always 8 s); run with ``threads=1`` to
        measure one core.
        """
        rng = np.random.default_rng(0)
        audio = (0.05 * rng.standard_normal(int(seconds * SPEECH_RATE))).astype(np.float32)
        self.probability(audio)  # warm-up
        times = []
        for _ in range(max(1, n)):
            self.probability(audio)
            times.append(self.last_ms)
        p50, p95 = np.percentile(times, [50, 95])
        return DecisionCost(float(p50), float(p95))


@functools.lru_cache(maxsize=1)
def load_smart_turn() -> SmartTurn:
    """The process's one Smart Turn (an ONNX session is safe to share across threads)."""
    return SmartTurn()


def decision_cost_ms(n: int = 20, model_path: Path | None = None) -> DecisionCost:
    """p50/p95 milliseconds of one Smart Turn decision on one thread."""
    return SmartTurn(model_path, threads=1).cost_ms(n)

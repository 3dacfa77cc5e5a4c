"""Voice activity detection: Silero VAD v6 run directly with onnxruntime, plus hysteresis.

The silero-vad package's own wrapper imports torch, so we feed the ONNX model ourselves. Each
call takes 64 samples of context (the tail of the previous frame) followed by one 512-sample
frame at 16 kHz, plus the recurrent state ``[2, 1, 128]``; it returns the speech probability and
the next state.

``VoiceActivityDetector`` turns per-frame probabilities into start/stop transitions on the media
clock (from sample counts, never wall time), with two thresholds (start above 0.5, stop below
0.35) so one noisy frame neither starts nor ends a turn.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import onnxruntime as ort

from visavis.runtime.media import SPEECH_RATE, AudioChunk, AudioFormatError, StreamResampler

FRAME = 512  # samples per model call at 16 kHz (32 ms), what Silero v5/v6 is trained on
CONTEXT = 64  # samples of the previous frame the model expects in front of each frame


class SileroVAD:
    """Speech probability of 512-sample frames; keeps the model's recurrent state between calls.

    Not safe for concurrent use: one instance per audio stream (they can share nothing but the
    file; a session is small and loads in a few ms).
    """

    def __init__(self, model_path: Path, rate: int = SPEECH_RATE) -> None:
        if rate != SPEECH_RATE:
            # The 8 kHz mode needs 256-sample frames; the loop only ever runs at 16 kHz.
            raise ValueError(f"SileroVAD runs at {SPEECH_RATE} Hz; resample {rate} Hz audio first")
        options = ort.SessionOptions()
        # One thread: a 32 ms frame costs ~0.1 ms, and spare cores belong to ASR and TTS.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        names = {i.name for i in self._session.get_inputs()}
        if names != {"input", "state", "sr"}:
            raise ValueError(f"{model_path} is not a Silero VAD v5/v6 model (inputs: {names})")
        self.rate = rate
        self._sr = np.array(rate, dtype=np.int64)
        self._input = np.zeros((1, CONTEXT + FRAME), dtype=np.float32)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._input[:] = 0.0

    def probability(self, frame: np.ndarray) -> float:
        """Speech probability of exactly 512 mono float32 samples."""
        if frame.shape != (FRAME,):
            raise ValueError(f"a VAD frame is {FRAME} samples; got shape {frame.shape}")
        # Shift the last 64 samples of the previous frame into the context slot.
        self._input[0, :CONTEXT] = self._input[0, -CONTEXT:]
        self._input[0, CONTEXT:] = frame
        out, self._state = self._session.run(
            None, {"input": self._input, "state": self._state, "sr": self._sr}
        )
        return float(out[0, 0])


@dataclass(frozen=True, slots=True)
class VadSettings:
    start_threshold: float = 0.5
    stop_threshold: float = 0.35
    #: Speech must stay above ``start_threshold`` this long before a start is reported.
    min_speech: float = 0.064
    #: Hangover: silence must last this long before a stop is reported.
    min_silence: float = 0.096


@dataclass(frozen=True, slots=True)
class VadTransition:
    """Speech started or stopped.

    For "start", ``at`` is where speech began (start of the first frame above the start
    threshold) and ``detected_at`` the end of the frame that confirmed it. For "stop", ``at`` is
    the end of the last speech frame and ``detected_at`` the end of the hangover.
    """

    kind: Literal["start", "stop"]
    at: float
    detected_at: float


class VoiceActivityDetector:
    """Streaming VAD with hysteresis over chunks of any length (media time from sample counts)."""

    def __init__(self, vad: SileroVAD, settings: VadSettings | None = None) -> None:
        self.vad = vad
        self.settings = settings or VadSettings()
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._buffer = np.zeros(0, dtype=np.float32)
        self._origin: float | None = None  # media time of the first sample pushed
        self._samples = 0  # samples consumed into frames since the origin
        self._resampler: StreamResampler | None = None
        self.in_speech = False
        self.last_probability = 0.0
        self._run_start: float | None = None  # candidate speech start / pending silence start
        self._run_length = 0.0
        self._silence_since: float | None = None

    @property
    def silence_since(self) -> float | None:
        """Media time the current silence began; None while speech is going on.

        Before any speech this is the start of the stream; during the hangover it is the end of
        the last speech frame, which is what turn-taking measures pauses from.
        """
        return self._silence_since

    @property
    def now(self) -> float:
        """Media time up to which frames have been analysed."""
        return (self._origin or 0.0) + self._samples / SPEECH_RATE

    def push(self, chunk: AudioChunk) -> list[VadTransition]:
        """Feed audio; returns the transitions completed by this chunk, in time order."""
        with self._lock:
            if self._origin is None:
                self._origin = chunk.start
                self._silence_since = chunk.start
            samples = self._prepare(chunk)
            self._buffer = np.concatenate([self._buffer, samples]) if len(self._buffer) else samples
            transitions: list[VadTransition] = []
            offset = 0
            while len(self._buffer) - offset >= FRAME:
                frame = self._buffer[offset : offset + FRAME]
                offset += FRAME
                transition = self._step(self.vad.probability(frame))
                if transition:
                    transitions.append(transition)
            self._buffer = self._buffer[offset:].copy()
            return transitions

    def flush(self) -> list[VadTransition]:
        """End of stream: close an ongoing utterance at the last analysed frame."""
        with self._lock:
            if not self.in_speech:
                return []
            end = self._run_start if self._run_start is not None else self.now
            self.in_speech = False
            self._silence_since = end
            self._run_start, self._run_length = None, 0.0
            return [VadTransition("stop", end, self.now)]

    def _prepare(self, chunk: AudioChunk) -> np.ndarray:
        samples = np.asarray(chunk.samples)
        if samples.ndim != 1:
            raise AudioFormatError(f"VAD expects mono audio; got shape {samples.shape}")
        samples = samples.astype(np.float32, copy=False)
        if chunk.sample_rate != SPEECH_RATE:
            if self._resampler is None or self._resampler.rate_in != chunk.sample_rate:
                self._resampler = StreamResampler(chunk.sample_rate, SPEECH_RATE)
            samples = self._resampler.push(samples)
        # Clipped or broken microphone input must not crash the loop: limit and zero NaNs.
        return np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)

    def _step(self, p: float) -> VadTransition | None:
        s = self.settings
        frame_start = self.now
        self._samples += FRAME
        frame_end = self.now
        frame_len = FRAME / SPEECH_RATE
        self.last_probability = p
        # A tiny epsilon so 2 x 0.032 s counts as reaching 0.064 s despite float rounding.
        eps = 1e-6
        if not self.in_speech:
            if p >= s.start_threshold:
                if self._run_start is None:
                    self._run_start, self._run_length = frame_start, 0.0
                self._run_length += frame_len
                if self._run_length >= s.min_speech - eps:
                    start = self._run_start
                    self.in_speech = True
                    self._silence_since = None
                    self._run_start, self._run_length = None, 0.0
                    return VadTransition("start", start, frame_end)
            else:
                self._run_start, self._run_length = None, 0.0
            return None
        if p < s.stop_threshold:
            if self._run_start is None:
                self._run_start, self._run_length = frame_start, 0.0
                self._silence_since = frame_start
            self._run_length += frame_len
            if self._run_length >= s.min_silence - eps:
                end = self._run_start
                self.in_speech = False
                self._run_start, self._run_length = None, 0.0
                return VadTransition("stop", end, frame_end)
        else:
            self._run_start, self._run_length = None, 0.0
            self._silence_since = None
        return None


def load_vad(settings: VadSettings | None = None) -> VoiceActivityDetector:
    """A streaming detector on the installed Silero model (raises if models are not installed)."""
    from visavis.models import locate

    return VoiceActivityDetector(SileroVAD(locate("vad.silero")), settings)

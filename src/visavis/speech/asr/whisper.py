"""Whisper (tiny.en by default) through faster-whisper / CTranslate2, tuned for turn latency.

Each call transcribes one finished utterance. Everything that costs time without helping short
English turns is off: language detection, timestamps, temperature fallback, beam search, the
built-in VAD (our own VAD has already cut the utterance), conditioning on earlier text.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from visavis.runtime.media import SPEECH_RATE
from visavis.speech.asr.base import Transcript

#: Shorter buffers hold no word worth a model call (and Whisper hallucinates on them).
MIN_DURATION = 0.1


class WhisperRecognizer:
    """Blocking transcription of whole 16 kHz buffers; calls are serialised by a lock."""

    name = "whisper"

    def __init__(
        self,
        model_dir: Path,
        cpu_threads: int = 2,
        beam_size: int = 1,
        compute_type: str = "int8",
    ) -> None:
        from faster_whisper import WhisperModel

        # local_files_only: a directory path never goes to the hub, and this makes sure of it.
        self._model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
        self.beam_size = beam_size
        self._lock = threading.Lock()

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> Transcript:
        audio = np.asarray(samples, dtype=np.float32).reshape(-1)
        if len(audio) < MIN_DURATION * SPEECH_RATE or not np.any(audio):
            return Transcript(text="", compute_ms=0.0)
        started = time.perf_counter()
        with self._lock:
            segments, _info = self._model.transcribe(
                np.clip(audio, -1.0, 1.0),
                language="en",
                task="transcribe",
                beam_size=self.beam_size,
                best_of=1,
                temperature=0.0,
                condition_on_previous_text=False,
                without_timestamps=True,
                word_timestamps=False,
                vad_filter=False,
                initial_prompt=prompt or None,
            )
            # The generator does the decoding: consume it while holding the lock.
            text = " ".join(segment.text.strip() for segment in segments).strip()
        return Transcript(text=text, compute_ms=(time.perf_counter() - started) * 1000.0)

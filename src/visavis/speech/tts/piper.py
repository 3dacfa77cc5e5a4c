"""Piper neural TTS (the default voice) with per-phoneme alignments for lip-sync.

piper-tts 1.8 can report how many audio samples each phoneme produced, if the ONNX graph is
patched to expose the duration tensor; ``PiperVoice.load(include_alignments=True)`` does that in
memory with the ``onnx`` package. We build the session ourselves (same patch) so the thread count
is ours to choose rather than onnxruntime's default of every core.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from visavis.speech.tts.base import SynthesizedSpeech
from visavis.speech.tts.normalize import normalize_text, text_words
from visavis.speech.tts.timing import PAUSE, WORD_GAP, build_timings, trim_lead

log = logging.getLogger(__name__)

# Piper's sentence markers and the punctuation espeak keeps in its phoneme stream: all pauses.
_PAUSE_SYMBOLS = frozenset('^$.,;:!?¡¿—–-…"()')


class PiperSynthesizer:
    """Blocking Piper synthesis; one caller at a time (a lock serialises concurrent calls)."""

    name = "piper"

    def __init__(
        self,
        model_path: Path,
        config_path: Path | None = None,
        alignments: bool = True,
        threads: int | None = None,
        length_scale: float | None = None,
        deterministic: bool = False,
    ) -> None:
        """``deterministic`` turns off Piper's sampling noise (phoneme durations and the
        waveform), so the same text always gives the same audio: the virtual clock's calls are
        then reproducible. The noise lives inside the ONNX graph and cannot be seeded."""
        try:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "Piper TTS needs the piper-tts package: pip install 'visavis[piper]'"
            ) from exc
        # Piper's convention: the config sits beside the model as "<model>.onnx.json".
        config_path = config_path or model_path.with_name(model_path.name + ".json")
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        model: str | bytes = str(model_path)
        self.alignments = False
        if alignments:
            model, self.alignments = _patched_model(model_path)
        options = onnxruntime.SessionOptions()
        # onnxruntime's arena keeps the largest buffers a sentence ever needed: one 700-character
        # sentence left the process ~680 MB larger for good. Without it memory follows the
        # sentence being spoken, at the same speed (507 vs 511 ms per sentence, best of 5).
        options.enable_cpu_mem_arena = False
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._voice = PiperVoice(session=session, config=config)
        self.deterministic = deterministic
        self._syn_config = self._config(length_scale)
        self.sample_rate = int(config.sample_rate)
        self._lock = threading.Lock()
        self.last_compute_ms = 0.0

    def _config(self, length_scale: float | None) -> Any:
        from piper import SynthesisConfig

        if self.deterministic:
            return SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
        return SynthesisConfig(length_scale=length_scale)

    def variant(self, length_scale: float) -> PiperSynthesizer:
        """The same voice at another speaking rate, sharing the loaded model (and its lock)."""
        other = copy.copy(self)
        other._syn_config = self._config(length_scale)
        return other

    def synthesize(self, text: str) -> SynthesizedSpeech:
        spoken = normalize_text(text)
        if not spoken:
            return SynthesizedSpeech(np.zeros(0, dtype=np.float32), self.sample_rate)
        started = time.perf_counter()
        with self._lock:
            chunks = list(
                self._voice.synthesize(spoken, self._syn_config, include_alignments=self.alignments)
            )
        audio_parts: list[np.ndarray] = []
        raw: list[tuple[str, float]] = []
        for chunk in chunks:
            audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
            audio_parts.append(audio)
            raw.extend(self._chunk_alignment(chunk, len(audio)))
        samples = np.concatenate(audio_parts) if audio_parts else np.zeros(0, dtype=np.float32)
        samples, raw = trim_lead(samples, raw, self.sample_rate)
        phonemes, words = build_timings(raw, text_words(spoken))
        self.last_compute_ms = (time.perf_counter() - started) * 1000.0
        return SynthesizedSpeech(samples, self.sample_rate, phonemes, words)

    def _chunk_alignment(self, chunk: object, n_samples: int) -> list[tuple[str, float]]:
        """``[(symbol, seconds)]`` covering exactly one sentence chunk's audio."""
        rate = float(self.sample_rate)
        alignments = getattr(chunk, "phoneme_alignments", None)
        if alignments:
            raw = [(_label(a.phoneme), int(a.num_samples) / rate) for a in alignments]
            counted = sum(int(a.num_samples) for a in alignments)
            if counted != n_samples and raw:
                # Piper's alignment sums to the audio length; if a version ever differs, the
                # remainder goes to the final pause so timings still cover the audio exactly.
                raw[-1] = (raw[-1][0], raw[-1][1] + (n_samples - counted) / rate)
            return raw
        # No alignments (onnx missing or Piper could not align this sentence): spread the
        # sentence evenly over its phonemes, which keeps the face moving, if less precisely.
        symbols = [_label(p) for p in getattr(chunk, "phonemes", [])] or [PAUSE]
        return [(s, n_samples / rate / len(symbols)) for s in symbols]


def _label(symbol: str) -> str:
    if symbol == " ":
        return WORD_GAP
    if symbol in _PAUSE_SYMBOLS:
        return PAUSE
    return symbol


_warned_no_onnx = False


def _patched_model(model_path: Path) -> tuple[str | bytes, bool]:
    """The model with its alignment output exposed, or the plain path if that is impossible."""
    global _warned_no_onnx
    try:
        import onnx
        from piper.patch_voice_with_alignment import add_alignment_output
    except ImportError:
        if not _warned_no_onnx:
            _warned_no_onnx = True
            log.warning(
                "the onnx package is not installed: Piper runs without phoneme alignments "
                "(lip-sync is approximate). Install it with: pip install 'visavis[piper]'"
            )
        return str(model_path), False
    model = onnx.load(str(model_path))
    try:
        add_alignment_output(model)
    except ValueError:
        # Already patched on disk (or no duration tensor): use the graph as it is.
        log.debug("not patching %s for alignments", model_path)
    return model.SerializeToString(), True

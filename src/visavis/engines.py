"""The embedded engines, loaded once per process and shared by calls.

Models are read-only after loading, so one recognizer and one synthesizer serve every call; each
call gets its own (stateful) voice activity detector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

from visavis.speech.asr.base import SpeechRecognizer
from visavis.speech.tts.base import SpeechSynthesizer
from visavis.speech.vad import SileroVAD, VadSettings, VoiceActivityDetector


@dataclass
class Engines:
    recognizer: SpeechRecognizer
    synthesizer: SpeechSynthesizer
    vad_model: SileroVAD
    #: Seconds each model took to load, for the load-time figure.
    load_seconds: dict[str, float] = field(default_factory=dict)
    _voices: dict[tuple[str, str, int, int], SpeechSynthesizer] = field(default_factory=dict)

    def new_vad(self, settings: VadSettings | None = None) -> VoiceActivityDetector:
        """A fresh streaming detector for one call (the ONNX session is shared)."""
        return VoiceActivityDetector(SileroVAD(self.vad_model.model_path), settings)

    def voice(self, engine: str, name: str, rate_wpm: int, pitch: int) -> SpeechSynthesizer:
        """Another voice (a simulated patient's): espeak-ng voices, or the agent's Piper one."""
        key = (engine, name, rate_wpm, pitch)
        if key not in self._voices:
            from visavis.speech.tts import load_synthesizer

            if engine == "espeak":
                self._voices[key] = load_synthesizer(
                    "espeak", voice=name, rate_wpm=rate_wpm, pitch=pitch
                )
            else:
                self._voices[key] = self.synthesizer
        return self._voices[key]


@lru_cache(maxsize=2)
def load_engines(tts_engine: str = "piper") -> Engines:
    """Load VAD, ASR and TTS from the model cache (``ModelUnavailableError`` if missing)."""
    from visavis.models import locate
    from visavis.speech.asr.whisper import WhisperRecognizer
    from visavis.speech.tts import load_synthesizer

    timings: dict[str, float] = {}
    started = time.perf_counter()
    vad_model = SileroVAD(locate("vad.silero"))
    timings["vad"] = time.perf_counter() - started
    started = time.perf_counter()
    recognizer = WhisperRecognizer(locate("asr.whisper-tiny.en"))
    timings["asr"] = time.perf_counter() - started
    started = time.perf_counter()
    synthesizer = load_synthesizer(tts_engine)
    timings["tts"] = time.perf_counter() - started
    return Engines(recognizer, synthesizer, vad_model, {k: round(v, 3) for k, v in timings.items()})

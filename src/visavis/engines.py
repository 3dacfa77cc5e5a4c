"""The embedded engines, loaded once per process and shared by calls.

Models are read-only after loading, so one recognizer and one synthesizer serve every call; each
call gets its own (stateful) voice activity detector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from visavis.perception.kit import PerceptionKit, load_perception
from visavis.perception.layer import PerceptionLayer
from visavis.speech.asr.base import SpeechRecognizer
from visavis.speech.tts.base import SpeechSynthesizer
from visavis.speech.vad import SileroVAD, VadSettings, VoiceActivityDetector


@dataclass
class Engines:
    recognizer: SpeechRecognizer
    synthesizer: SpeechSynthesizer
    vad_path: Path
    #: Seconds each model took to load, for the load-time figure.
    load_seconds: dict[str, float] = field(default_factory=dict)
    _voices: dict[tuple[str, str, int, float], SpeechSynthesizer] = field(default_factory=dict)

    def new_vad(self, settings: VadSettings | None = None) -> VoiceActivityDetector:
        """A fresh streaming detector for one call (the ONNX session is shared)."""
        return VoiceActivityDetector(SileroVAD(self.vad_path), settings)

    def voice(self, engine: str, name: str, rate_wpm: int, pitch: float) -> SpeechSynthesizer:
        """Another voice, for a simulated caller: an espeak-ng voice (``name``, ``rate_wpm``,
        ``pitch`` 0-99), or the Piper voice shifted by ``pitch`` semitones (a different-sounding
        speaker that a recognizer still understands)."""
        key = (engine, name, rate_wpm, pitch)
        if key not in self._voices:
            from visavis.speech.tts import load_synthesizer

            if engine == "espeak":
                self._voices[key] = load_synthesizer(
                    "espeak", voice=name, rate_wpm=rate_wpm, pitch=int(pitch)
                )
            else:
                from visavis.speech.tts.piper import PiperSynthesizer
                from visavis.speech.tts.shift import ShiftedVoice

                factor = 2.0 ** (pitch / 12.0)
                if isinstance(self.synthesizer, PiperSynthesizer):
                    inner: SpeechSynthesizer = self.synthesizer.variant(factor)
                else:
                    inner = load_synthesizer("piper", length_scale=factor)
                self._voices[key] = ShiftedVoice(inner, pitch)
        return self._voices[key]

    def new_perception(self, layer: PerceptionLayer | None = None) -> PerceptionKit:
        """Perception for one call: the face analyser (its interpreters are not thread-safe,
        so each call gets its own; they load in milliseconds) and a prosody tracker (it keeps
        the speaker's pitch baseline), set up by the persona's perception ``layer``. Without
        the face model files, the camera is analysed by OpenCV's Haar cascade only."""
        layer = layer or PerceptionLayer()
        if not layer.enabled:
            return PerceptionKit(settings=layer.settings())
        return load_perception(layer.settings())


@lru_cache(maxsize=2)
def load_engines(tts_engine: str = "piper", deterministic: bool = True) -> Engines:
    """Load VAD, ASR and TTS from the model cache (``ModelUnavailableError`` if missing).

    ``deterministic`` (for the virtual clock) makes Piper speak without sampling noise, so a
    call replays identically; live calls keep Piper's natural variation."""
    from visavis.mind.build import example_documents
    from visavis.mind.knowledge import KnowledgeBase
    from visavis.models import locate
    from visavis.speech.asr.whisper import WhisperRecognizer
    from visavis.speech.tts import load_synthesizer
    from visavis.turns.smart_turn import load_smart_turn

    timings: dict[str, float] = {}
    started = time.perf_counter()
    vad_path = locate("vad.silero")
    SileroVAD(vad_path)  # fail early on a damaged model
    timings["vad"] = time.perf_counter() - started
    started = time.perf_counter()
    recognizer = WhisperRecognizer(locate("asr.whisper-tiny.en"))
    timings["asr"] = time.perf_counter() - started
    started = time.perf_counter()
    options = {"deterministic": deterministic} if tts_engine == "piper" else {}
    synthesizer = load_synthesizer(tts_engine, **options)
    timings["tts"] = time.perf_counter() - started
    started = time.perf_counter()
    load_smart_turn()  # the end-of-turn model's audio half, shared by every call
    timings["turn"] = time.perf_counter() - started
    started = time.perf_counter()
    # The text encoder, and the example documents' vectors in its cache: the first call's
    # knowledge base is then built in milliseconds instead of seconds.
    KnowledgeBase(example_documents())
    timings["knowledge"] = time.perf_counter() - started
    return Engines(recognizer, synthesizer, vad_path, {k: round(v, 3) for k, v in timings.items()})

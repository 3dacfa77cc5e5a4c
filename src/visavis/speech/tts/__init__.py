"""Text-to-speech engines behind one interface (``SpeechSynthesizer``)."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from visavis.speech.tts.base import SpeechSynthesizer, SynthesizedSpeech

log = logging.getLogger(__name__)

ENGINES = ("piper", "espeak")
_warned_fallback = False


def load_synthesizer(engine: str = "piper", **options: Any) -> SpeechSynthesizer:
    """A synthesizer by engine name.

    "piper" (default) loads the voice named by ``model`` (default ``tts.piper-joe``) from the
    model cache; if piper-tts is not installed it falls back to "espeak" with one warning, so a
    minimal install still talks. Piper options: ``alignments``, ``threads``, ``length_scale``.
    "espeak" options: ``voice``, ``rate_wpm``, ``pitch``, ``variant``.
    """
    global _warned_fallback
    if engine == "piper":
        if importlib.util.find_spec("piper") is None:
            if not _warned_fallback:
                _warned_fallback = True
                log.warning(
                    "piper-tts is not installed; using the espeak voice instead "
                    "(pip install 'visavis[piper]' for the neural voice)"
                )
            espeak_keys = {"voice", "rate_wpm", "pitch", "variant"}
            return load_synthesizer(
                "espeak", **{k: v for k, v in options.items() if k in espeak_keys}
            )
        from visavis.models import locate
        from visavis.speech.tts.piper import PiperSynthesizer

        model = options.pop("model", "tts.piper-joe")
        return PiperSynthesizer(locate(model), **options)
    if engine == "espeak":
        from visavis.speech.tts.espeak import EspeakSynthesizer

        return EspeakSynthesizer(**options)
    raise ValueError(f"unknown TTS engine {engine!r}; available: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "SpeechSynthesizer", "SynthesizedSpeech", "load_synthesizer"]

"""Speech recognition engines behind one interface (``SpeechRecognizer``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from visavis.speech.asr.base import SpeechRecognizer, Transcript

ENGINES = ("whisper",)


def load_recognizer(config: Mapping[str, Any] | None = None) -> SpeechRecognizer:
    """A recognizer from configuration: ``{"engine": "whisper", "model": ..., **options}``.

    ``model`` is a manifest name (default ``asr.whisper-tiny.en``) located in the local model
    cache; other keys go to the engine's constructor (``cpu_threads``, ``beam_size``...).
    """
    options = dict(config or {})
    engine = options.pop("engine", "whisper")
    if engine == "whisper":
        from visavis.models import locate
        from visavis.speech.asr.whisper import WhisperRecognizer

        model = options.pop("model", "asr.whisper-tiny.en")
        return WhisperRecognizer(locate(model), **options)
    raise ValueError(f"unknown ASR engine {engine!r}; available: {', '.join(ENGINES)}")


__all__ = ["ENGINES", "SpeechRecognizer", "Transcript", "load_recognizer"]

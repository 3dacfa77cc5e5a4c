"""espeak-ng through ctypes: the instant fallback voice, and distinct voices for simulations.

We use the shared library and data shipped by the ``espeakng_loader`` wheel, so nothing has to be
installed system-wide. espeak-ng keeps one global engine per process (one voice, one callback),
so every call takes a module-level lock and sets voice, rate and pitch afresh: two
``EspeakSynthesizer`` instances with different voices can then be used from different threads.

Timings come from the engine's own events: a PHONEME event per phoneme and a WORD event per
word, each with the sample offset where it starts.
"""

from __future__ import annotations

import ctypes
import threading
import time
from pathlib import Path

import numpy as np

from visavis.runtime.events import PhonemeTiming, WordTiming
from visavis.speech.tts.base import SynthesizedSpeech
from visavis.speech.tts.normalize import normalize_text
from visavis.speech.tts.timing import PAUSE, fold_marks

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_PARAM_RATE = 1
_PARAM_PITCH = 3


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class _Engine:
    """The process-wide espeak-ng engine; all access goes through ``LOCK``."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise ImportError(
                "the espeak voice needs the espeakng-loader package "
                "(pip install espeakng-loader, or pip install 'visavis[espeak]')"
            ) from exc
        lib = ctypes.CDLL(str(espeakng_loader.get_library_path()))
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.POINTER(ctypes.c_uint),
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        data = str(Path(espeakng_loader.get_data_path()).parent).encode()
        options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 200, data, options)
        if rate <= 0:
            raise RuntimeError(f"espeak-ng failed to initialise with data in {data.decode()}")
        self.lib = lib
        self.sample_rate = int(rate)
        self._samples: list[np.ndarray] = []
        self._events: list[tuple[int, int, int, int, str]] = []
        # Keep a reference: ctypes callbacks are freed with their Python object.
        self._callback = _CALLBACK(self._on_synth)
        lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav: ctypes.Array, count: int, events: ctypes.Array) -> int:
        if count > 0 and wav:
            self._samples.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            ev = events[i]
            if ev.type == _EVENT_PHONEME:
                label = bytes(ev.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
            else:
                label = ""
            self._events.append((ev.type, ev.sample, ev.text_position, ev.length, label))
            i += 1
        return 0

    def synth(
        self, text: str, voice: str, rate_wpm: int, pitch: int
    ) -> tuple[np.ndarray, list[tuple[int, int, int, int, str]]]:
        """Int16 samples and ``(type, sample, text_position, length, phoneme)`` events."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"espeak-ng has no voice {voice!r} (try 'en-us' or 'en-us+f3')")
        self.lib.espeak_SetParameter(_PARAM_RATE, int(rate_wpm), 0)
        self.lib.espeak_SetParameter(_PARAM_PITCH, int(pitch), 0)
        self._samples, self._events = [], []
        encoded = text.encode("utf-8") + b"\0"
        buf = ctypes.create_string_buffer(encoded)
        status = self.lib.espeak_Synth(
            buf, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        if status != 0:
            raise RuntimeError(f"espeak_Synth failed with status {status}")
        samples = np.concatenate(self._samples) if self._samples else np.zeros(0, np.int16)
        return samples, self._events


LOCK = threading.Lock()
_engine: _Engine | None = None


def _get_engine() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


class EspeakSynthesizer:
    """espeak-ng formant voice. ``voice`` may carry a variant ("en-us+f3"), or pass ``variant``."""

    name = "espeak"

    def __init__(
        self, voice: str = "en-us", rate_wpm: int = 175, pitch: int = 50, variant: str | None = None
    ) -> None:
        self.voice = f"{voice}+{variant}" if variant else voice
        self.rate_wpm = rate_wpm
        self.pitch = pitch
        with LOCK:
            engine = _get_engine()
            # Fail now, not on the first sentence of a call, if the voice does not exist.
            if engine.lib.espeak_SetVoiceByName(self.voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {self.voice!r} (try 'en-us+f3')")
        self.sample_rate = engine.sample_rate
        self.last_compute_ms = 0.0

    def synthesize(self, text: str) -> SynthesizedSpeech:
        spoken = normalize_text(text)
        if not spoken:
            return SynthesizedSpeech(np.zeros(0, dtype=np.float32), self.sample_rate)
        started = time.perf_counter()
        with LOCK:
            pcm, events = _get_engine().synth(spoken, self.voice, self.rate_wpm, self.pitch)
        samples = pcm.astype(np.float32) / 32768.0
        phonemes, words = _timings(spoken, events, len(samples), self.sample_rate)
        self.last_compute_ms = (time.perf_counter() - started) * 1000.0
        return SynthesizedSpeech(samples, self.sample_rate, phonemes, words)


def _timings(
    text: str, events: list[tuple[int, int, int, int, str]], n_samples: int, rate: int
) -> tuple[list[PhonemeTiming], list[WordTiming]]:
    """Phoneme timings from PHONEME events (each lasts until the next) and words from WORD events.

    espeak numbers characters from 1 in ``text_position``; the audio before the first phoneme
    and after the last becomes a pause.
    """
    phone_events = sorted((s, label) for kind, s, _, _, label in events if kind == _EVENT_PHONEME)
    raw: list[tuple[str, float]] = []
    if phone_events and phone_events[0][0] > 0:
        raw.append((PAUSE, phone_events[0][0] / rate))
    for i, (start, label) in enumerate(phone_events):
        end = phone_events[i + 1][0] if i + 1 < len(phone_events) else n_samples
        symbol = PAUSE if not label or label.startswith("_") else label
        raw.append((symbol, max(end - start, 0) / rate))
    if not raw:
        raw.append((PAUSE, n_samples / rate))
    phonemes: list[PhonemeTiming] = []
    t = 0.0
    for symbol, seconds in fold_marks(raw):
        if phonemes and symbol == PAUSE and phonemes[-1].phoneme == PAUSE:
            phonemes[-1].duration += seconds
        elif seconds > 0:
            phonemes.append(PhonemeTiming(phoneme=symbol, start=t, duration=seconds))
        t += seconds

    word_events = sorted(
        (s, pos, length) for kind, s, pos, length, _ in events if kind == _EVENT_WORD
    )
    words: list[WordTiming] = []
    pauses = [(p.start, p.start + p.duration) for p in phonemes if p.phoneme == PAUSE]
    for i, (sample, pos, length) in enumerate(word_events):
        start = sample / rate
        # espeak reports a word where its leading pause begins; the word starts after it.
        start = next((pe for ps, pe in pauses if ps <= start < pe), start)
        nxt = word_events[i + 1][0] / rate if i + 1 < len(word_events) else n_samples / rate
        # A word ends where the next begins, or earlier at the start of a pause between them.
        end = min([nxt, *(ps for ps, _ in pauses if start < ps < nxt)])
        word = text[max(pos - 1, 0) : max(pos - 1, 0) + length].strip(" ,.;:!?\"'()")
        if word:
            words.append(WordTiming(word=word, start=start, end=end))
    return phonemes, words

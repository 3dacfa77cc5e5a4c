"""Whisper (tiny.en by default) through faster-whisper / CTranslate2, tuned for turn latency.

Each call transcribes one finished utterance. Everything that costs time without helping short
English turns is off: language detection, temperature fallback, beam search, the built-in VAD
(our own VAD has already cut the utterance), conditioning on earlier text.

**Short encoder context.** Whisper's encoder always reads a 30 s window, and on this CPU that
costs ~0.3 s however short the turn: most of a turn's ASR time. CTranslate2 accepts fewer mel
frames, so utterances up to ``SHORT_CONTEXT_MAX`` seconds are encoded over a 10 s window (or
their own length plus 2 s of silence), the trick whisper.cpp calls ``audio_ctx``: the encoder's
attention cost falls with the square of the window. Much shorter windows (3 s) made Whisper loop
("yes this is maria yes this is maria..."). Short utterances decode without timestamp tokens,
longer ones with them (without, Whisper may end the text at the first pause), and a result that
looks truncated or repetitive is retried the other way, then on the full window. On 123 test
utterances (Piper and espeak-ng voices) the word error rate was 13.8% either way, at p50 120 ms
against 390 ms for the full window; ``bench/asr_wer.py`` measures both paths on real speech.
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


#: Utterances up to this long (seconds) use the short encoder context.
SHORT_CONTEXT_MAX = 20.0
#: Silence margin (mel frames, 10 ms each) after the audio, and the smallest context.
CONTEXT_MARGIN = 200
MIN_CONTEXT = 1000
#: A short-context transcript with fewer words per second of audio than this is retried on
#: the full window (Whisper can stop after a first phrase such as "Thank you.").
MIN_WORDS_PER_SECOND = 0.6
#: Utterances longer than this (seconds) are decoded with timestamp tokens first.
TIMESTAMPS_FROM = 3.0


class WhisperRecognizer:
    """Blocking transcription of whole 16 kHz buffers; calls are serialised by a lock."""

    name = "whisper"

    def __init__(
        self,
        model_dir: Path,
        cpu_threads: int = 2,
        beam_size: int = 1,
        compute_type: str = "int8",
        short_context: bool = True,
    ) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        # local_files_only: a directory path never goes to the hub, and this makes sure of it.
        self._model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )
        self.beam_size = beam_size
        self.short_context = short_context
        multilingual = self._model.model.is_multilingual
        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer,
            multilingual,
            task="transcribe",
            language="en" if multilingual else None,
        )
        self._suppress = get_suppressed_tokens(self._tokenizer, (-1,))
        self._lock = threading.Lock()
        #: Which path served the last call ("short", "short+ts" or "full"), for benchmarks.
        self.last_path = ""

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> Transcript:
        audio = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
        if len(audio) < MIN_DURATION * SPEECH_RATE or not np.any(audio):
            return Transcript(text="", compute_ms=0.0)
        started = time.perf_counter()
        seconds = len(audio) / SPEECH_RATE
        with self._lock:
            text: str | None = None
            if self.short_context and seconds <= SHORT_CONTEXT_MAX:
                # Without timestamp tokens Whisper sometimes ends the text at the first pause
                # of a long utterance; with them it sometimes loops on a short one ("bye bye
                # bye"). Lead with the mode that suits the length, and try the other (then the
                # full window) when the result looks wrong.
                first = seconds > TIMESTAMPS_FROM
                for timestamps in (first, not first):
                    text = self._short(audio, prompt, timestamps)
                    if not _looks_wrong(text, seconds):
                        self.last_path = "short+ts" if timestamps else "short"
                        break
                    text = None
            if text is None:
                self.last_path = "full"
                text = self._full(audio, prompt)
        return Transcript(text=text, compute_ms=(time.perf_counter() - started) * 1000.0)

    def transcribe_snippet(self, samples: np.ndarray, prompt: str | None = None) -> str:
        """A few words said over the agent ("yeah", "wait, no"): one decode over the short
        window, no retries, ~6 tokens a second and no 3-token phrase repeated. ``transcribe``
        lets a short clip loop ("Stop. Stop. Stop. ...") and then retries it up to the full
        window (~0.85 s here), while the agent waits, paused, for the verdict."""
        audio = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
        if len(audio) < MIN_DURATION * SPEECH_RATE or not np.any(audio):
            return ""
        with self._lock:
            return self._short(audio, prompt, timestamps=False, snippet=True)

    def _short(
        self, audio: np.ndarray, prompt: str | None, timestamps: bool, snippet: bool = False
    ) -> str:
        import ctranslate2

        features = self._model.feature_extractor(audio)
        frames = features.shape[-1]
        context = min(3000, max(MIN_CONTEXT, -(-(frames + CONTEXT_MARGIN) // 100) * 100))
        padded = np.zeros((features.shape[0], context), dtype=np.float32)
        padded[:, : min(frames, context)] = features[:, :context]
        encoded = self._model.model.encode(
            ctranslate2.StorageView.from_array(padded[None]), to_cpu=False
        )
        tok = self._tokenizer
        tokens: list[int] = []
        if prompt:
            tokens = [tok.sot_prev, *tok.encode(" " + prompt.strip())[-100:]]
        tokens += [*tok.sot_sequence] if timestamps else [*tok.sot_sequence, tok.no_timestamps]
        # Room for ~8 text tokens a second of speech plus the timestamp tokens (a snippet: ~6).
        room = 4 + int(frames / 100 * 6) if snippet else 16 + int(frames / 100 * 12)
        result = self._model.model.generate(
            encoded,
            [tokens],
            beam_size=1 if snippet else self.beam_size,
            max_length=min(448, len(tokens) + room),
            no_repeat_ngram_size=3 if snippet else 0,
            suppress_blank=True,
            suppress_tokens=self._suppress,
            max_initial_timestamp_index=50,
        )[0]
        # Text tokens only: timestamps and special tokens all sit above end-of-text.
        ids = [t for t in result.sequences_ids[0] if t < tok.eot]
        return tok.decode(ids).strip()

    def _full(self, audio: np.ndarray, prompt: str | None) -> str:
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            task="transcribe",
            beam_size=self.beam_size,
            best_of=1,
            temperature=0.0,
            condition_on_previous_text=False,
            # Timestamp tokens let Whisper go on after a pause instead of ending the text.
            without_timestamps=False,
            word_timestamps=False,
            vad_filter=False,
            initial_prompt=prompt or None,
        )
        # The generator does the decoding: consume it while holding the lock.
        return " ".join(segment.text.strip() for segment in segments).strip()


def _looks_wrong(text: str, seconds: float) -> bool:
    """Too few words for the audio's length, or a phrase repeating itself."""
    words = text.lower().replace(",", " ").replace(".", " ").split()
    if seconds > 2.5 and len(words) < MIN_WORDS_PER_SECOND * (seconds - 1.0):
        return True
    return _repeats(words)


def _repeats(words: list[str]) -> bool:
    """A word or short phrase said three times running, or a 3+ word phrase twice running:
    Whisper's decoding loop, rare in real answers ("no, no, no" is retried, harmlessly)."""
    for n in range(1, 7):
        for i in range(len(words) - 2 * n + 1):
            once, twice = words[i : i + n], words[i + n : i + 2 * n]
            if once != twice:
                continue
            if n >= 3 or words[i + 2 * n : i + 3 * n] == once:
                return True
    return False

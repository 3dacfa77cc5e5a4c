"""What speech over the agent is: a real barge-in, a backchannel, noise, or our own echo.

``BargeIn`` pauses the agent at the VAD's onset and asks ``OverlapClassifier.classify`` every
few tens of milliseconds, with the microphone since just before the onset and what the agent
played over that span (plus up to 300 ms before, the echo path's delay), until it answers:

1. **Echo**: the microphone is a delayed, attenuated, filtered copy of what we played. A
   normalized cross-correlation over lags 0-300 ms (numpy, ~1 ms) finds it; the user's own
   speech on top of the echo (double talk) lowers the correlation, so it is not taken for echo.
2. **Long speech** still going on is a barge-in without waiting for words: a backchannel is a
   syllable or two ("yeah", "mm-hm", "I see" last 0.3-0.7 s), a question or correction is not.
3. **Words**: a short burst that has stopped (or speech long enough to hold a few words) is
   transcribed, echo first subtracted: only backchannel words ("yeah", "right", "uh-huh",
   "haha") -> backchannel; any other word -> barge-in; no words -> noise (a cough, a door, keys).

Whisper is blocking (~0.1-0.2 s a call on two cores); the caller runs ``classify`` on a worker
thread. Transcripts of a still-growing overlap are memoised so polling every 20 ms does not
re-run Whisper each time.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from visavis.speech.asr.base import SpeechRecognizer

OverlapKind = Literal["barge_in", "backchannel", "echo", "noise"]

#: What people say to show they are listening without taking the turn (``backchannels.json``:
#: lower case, no punctuation; multi-word entries match as phrases, "I see" but not "I").
BACKCHANNEL_PHRASES: frozenset[str] = frozenset(
    json.loads((Path(__file__).with_name("backchannels.json")).read_text(encoding="utf-8"))[
        "phrases"
    ]
)
#: Vocal sounds Whisper spells many ways ("mm", "hm", "uh-h-h", "ahh", "mhm", "ha ha").
_FILLER = re.compile(r"^(?:[mhn]+|[aou]+h*|[aou]*h+[aou]*|u+m+|m+h+m+|(?:h[aeiou]){1,4}h?)$")
#: Whisper's usual inventions on non-speech: a lone "you", bracketed tags, music notes.
_NON_SPEECH = frozenset({"you", "bye", "the", "a", "so"})
_TAG = re.compile(r"[\[(*♪][^\])*♪]*[\])*♪]?")
_WORD = re.compile(r"[a-z']+")


def _words(text: str) -> list[str]:
    """Lower-case words, hyphenated vocal sounds split ("uh-h-h" -> "uh", "h", "h")."""
    text = _TAG.sub(" ", text.lower()).replace("-", " ")
    return _WORD.findall(text)


def _other_words(words: list[str]) -> list[str]:
    """The words left once backchannel phrases and vocal sounds are taken out."""
    i, other = 0, []
    while i < len(words):
        for n in (3, 2, 1):
            if i + n <= len(words) and " ".join(words[i : i + n]) in BACKCHANNEL_PHRASES:
                i += n
                break
        else:
            if not _FILLER.match(words[i]) and words[i] not in _NON_SPEECH:
                other.append(words[i])
            i += 1
    return other


def is_backchannel_text(text: str) -> bool:
    """Whether a transcript is only a backchannel ("Yeah.", "Mm-hmm.", "Oh, I see.").

    Repeats do not count against it: Whisper often loops a short word ("Yeah. Yeah. Yeah.").
    """
    words = _words(text)
    return 0 < len(set(words)) <= 6 and not _other_words(words) and has_words(text)


_PHRASE_STARTS = frozenset(p.split()[0] for p in BACKCHANNEL_PHRASES)


def _maybe_backchannel(words: list[str]) -> bool:
    """Whether words cut off mid-phrase may still be a backchannel ("I" of "I see")."""
    if not words or not has_words(" ".join(words)):
        return False
    if not _other_words(words):
        return True
    return not _other_words(words[:-1]) and words[-1] in _PHRASE_STARTS


def has_words(text: str) -> bool:
    """Whether a transcript holds any word, as opposed to silence tags or a hallucinated "you"."""
    words = _words(text)
    return bool(words) and not all(w in _NON_SPEECH for w in words)


@dataclass(frozen=True)
class OverlapVerdict:
    kind: OverlapKind
    reason: str
    text: str = ""
    #: Seconds of overlap (from the VAD onset) the verdict was reached at.
    decided_after: float = 0.0


@dataclass
class OverlapSettings:
    #: Speech still going on after this long (s) is a barge-in without waiting for words,
    #: unless what has been transcribed so far is all backchannel.
    long_speech: float = 0.55
    #: A backchannel still going on after this long (s) has become a turn ("yeah, so ...").
    long_backchannel: float = 1.4
    #: From this much speech (s) on, what has been said so far is transcribed; two words that
    #: are no backchannel confirm a barge-in before the long-speech rule.
    partial_from: float = 0.3
    #: A still-growing overlap is re-transcribed after this much more audio (s).
    refresh: float = 0.15
    #: Shorter speech (s) that has stopped is noise, without a transcript (a click, a knock).
    min_speech: float = 0.08
    #: Peak normalized cross-correlation with what we played above which the mic is echo.
    echo_correlation: float = 0.55
    #: Below this correlation no echo is subtracted before transcription.
    subtract_correlation: float = 0.2
    #: Less than this share of loud frames with vowel-like spectra is noise, not speech.
    min_speech_band: float = 0.08
    #: Echo path delays searched (s).
    max_echo_lag: float = 0.3
    #: Whisper's prompt: backchannels spelt the way the lexicon expects ("Mm-hmm", not "and
    #: the HMM"); barge-in words are transcribed the same with or without it.
    prompt: str = "Mm-hmm. Uh-huh. Yeah. Okay."


@dataclass(frozen=True)
class EchoMatch:
    correlation: float
    lag: int  # samples the mic lags what was played
    gain: float  # least-squares scale of the played audio in the mic


def echo_match(mic: np.ndarray, played: np.ndarray, rate: int, max_lag: float) -> EchoMatch:
    """Peak normalized cross-correlation of ``mic`` with ``played`` delayed 0-``max_lag`` s.

    ``played[-len(mic):]`` is simultaneous with ``mic``; earlier samples are the lookback. Both
    are halved in rate first (averaging pairs): speech echo has little above 4 kHz, and it
    halves the cost.
    """
    mic = np.asarray(mic, dtype=np.float32).reshape(-1)
    played = np.asarray(played, dtype=np.float32).reshape(-1)
    n = len(mic)
    if n < rate // 50 or len(played) < n:
        return EchoMatch(0.0, 0, 0.0)
    step = 2 if rate >= 16000 else 1
    m = (n // step) * step
    a = mic[-m:].reshape(-1, step).mean(axis=1) if m else mic
    lags = min(int(max_lag * rate), len(played) - n) // step
    seg_len = len(a) + lags
    end = len(played)
    seg_raw = played[end - seg_len * step : end]
    seg = seg_raw.reshape(-1, step).mean(axis=1)
    size = 1 << int(np.ceil(np.log2(len(seg) + len(a))))
    corr = np.fft.irfft(np.fft.rfft(seg, size) * np.conj(np.fft.rfft(a, size)), size)[: lags + 1]
    energy = np.concatenate([[0.0], np.cumsum(np.square(seg, dtype=np.float64))])
    windows = energy[len(a) : len(a) + lags + 1] - energy[: lags + 1]
    mic_energy = float(np.dot(a, a))
    if mic_energy <= 1e-10:
        return EchoMatch(0.0, 0, 0.0)
    ncc = corr / np.sqrt(np.maximum(windows, 1e-10) * mic_energy)
    ncc[windows < 1e-8] = 0.0
    j = int(np.argmax(ncc))
    gain = float(corr[j] / max(windows[j], 1e-10))
    return EchoMatch(float(ncc[j]), (lags - j) * step, gain)


def speech_band_fraction(audio: np.ndarray, rate: int = 16000) -> float:
    """Share of the loud 32 ms frames with most of their energy in 300-4000 Hz.

    Vowels put their formants there; a knock, a door's thump or a hum is mostly below 300 Hz
    (on the set's speech this is 0.17 or more over the first 0.5 s; knocks score 0).
    """
    n = int(0.032 * rate)
    k = len(audio) // n
    if k == 0:
        return 0.0
    frames = audio[-k * n :].reshape(k, n) * np.hanning(n).astype(np.float32)
    spectrum = np.square(np.abs(np.fft.rfft(frames, axis=1)))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    energy = spectrum.sum(axis=1)
    loud = energy > 0.05 * energy.max()
    band = spectrum[:, (freqs >= 300) & (freqs <= 4000)].sum(axis=1) / np.maximum(energy, 1e-12)
    return float(np.mean(band[loud] > 0.5)) if np.any(loud) else 0.0


class OverlapClassifier:
    """Judges speech over the agent; thread-safe and stateless apart from a transcript memo."""

    def __init__(
        self, recognizer: SpeechRecognizer | None = None, settings: OverlapSettings | None = None
    ) -> None:
        self.recognizer = recognizer
        self.settings = settings or OverlapSettings()
        self._lock = threading.Lock()
        # Recent transcripts: (digest of the mic's first n samples, n, text). An overlap's mic
        # grows from the same start, so its earlier audio is a prefix of what comes next.
        self._memo: list[tuple[bytes, int, str]] = []

    def is_echo(self, mic: np.ndarray, played: np.ndarray, rate: int = 16000) -> bool:
        """Whether the microphone holds nothing but our own voice coming back."""
        s = self.settings
        return echo_match(mic, played, rate, s.max_echo_lag).correlation >= s.echo_correlation

    def classify(
        self,
        mic: np.ndarray,
        played: np.ndarray,
        *,
        speech_seconds: float,
        still_speaking: bool,
        rate: int = 16000,
    ) -> OverlapVerdict | None:
        """A verdict on the overlap so far, or None while it is too early to tell."""
        s = self.settings
        mic = np.asarray(mic, dtype=np.float32).reshape(-1)
        played = np.asarray(played, dtype=np.float32).reshape(-1)
        after = round(speech_seconds, 3)
        match = echo_match(mic, played, rate, s.max_echo_lag)
        if match.correlation >= s.echo_correlation:
            return OverlapVerdict("echo", f"echo correlation {match.correlation:.2f}", "", after)
        if not still_speaking and speech_seconds < s.min_speech:
            return OverlapVerdict("noise", "too short for a word", "", after)
        if still_speaking and speech_seconds < s.partial_from:
            return None
        if self.recognizer is None:
            # Without words, only length tells: long speech is a turn, a short burst is not.
            if still_speaking and speech_seconds < s.long_speech:
                return None
            long = speech_seconds >= s.long_speech
            return OverlapVerdict("barge_in" if long else "backchannel", "length", "", after)
        clean = self._without_echo(mic, played, match)
        if speech_band_fraction(clean, rate) < s.min_speech_band:
            # No vowel-like frame: never worth Whisper, which invents words for thumps.
            return None if still_speaking else OverlapVerdict("noise", "no speech band", "", after)
        if not still_speaking:
            text = self._transcribe(clean, mic, rate, final=True)
            if is_backchannel_text(text):
                return OverlapVerdict("backchannel", "backchannel words", text, after)
            if has_words(text):
                return OverlapVerdict("barge_in", "words", text, after)
            return OverlapVerdict("noise", "no words", text, after)
        # Past the long-speech mark the last transcript decides, without a new (slow) one,
        # unless it looks like the start of a backchannel.
        memo = self._recall(mic) if speech_seconds >= s.long_speech else None
        heard = memo[1] if memo is not None else None
        text = heard if heard is not None else self._transcribe(clean, mic, rate, final=False)
        words = _words(text)
        # Two different real words mid-speech: Whisper's guesses at a hum ("H f. H f.",
        # "Mm-h-in") are single letters, "in", or one word looped, which this leaves out.
        if len({w for w in _other_words(words) if len(w) > 1}) >= 2:
            return OverlapVerdict("barge_in", "words so far", text, after)
        if speech_seconds >= s.long_backchannel:
            return OverlapVerdict("barge_in", "long speech", text, after)
        if speech_seconds >= s.long_speech and not _maybe_backchannel(words):
            return OverlapVerdict("barge_in", "long speech", text, after)
        if heard is not None:  # a backchannel so far: hold on, with a fresh transcript
            text = self._transcribe(clean, mic, rate, final=False)
            if not _maybe_backchannel(_words(text)):
                return OverlapVerdict("barge_in", "long speech", text, after)
        return None

    def _recall(self, mic: np.ndarray) -> tuple[int, str] | None:
        """The latest transcript of an earlier part of this same overlap, if any."""
        with self._lock:
            memos = list(self._memo)
        for digest, n, text in sorted(memos, key=lambda m: -m[1]):
            if n <= len(mic) and hashlib.sha1(mic[:n].tobytes()).digest() == digest:
                return n, text
        return None

    def _without_echo(self, mic: np.ndarray, played: np.ndarray, match: EchoMatch) -> np.ndarray:
        """The mic minus the best single-delay estimate of our echo (a crude canceller)."""
        if match.correlation < self.settings.subtract_correlation or match.gain <= 0:
            return mic
        n = len(mic)
        end = len(played) - match.lag
        ref = played[end - n : end]
        return (mic - np.float32(match.gain) * ref).astype(np.float32)

    def _transcribe(self, audio: np.ndarray, mic: np.ndarray, rate: int, final: bool) -> str:
        """Whisper's text, or the memo's while the overlap has grown by less than a refresh."""
        assert self.recognizer is not None
        memo = None if final else self._recall(mic)
        if memo is not None and len(mic) - memo[0] < self.settings.refresh * rate:
            return memo[1]
        if rate != 16000:
            from visavis.runtime.media import resample

            audio = resample(audio, rate, 16000)
        text = _quick_text(self.recognizer, audio, self.settings.prompt)
        with self._lock:
            # A few live overlaps at a time; older entries are done with.
            self._memo = [*self._memo[-15:], (hashlib.sha1(mic.tobytes()).digest(), len(mic), text)]
        return text


def _quick_text(recognizer: SpeechRecognizer, audio: np.ndarray, prompt: str) -> str:
    """One quick decode of an overlap: the recognizer's ``transcribe_snippet`` when it has one
    (Whisper: one short-window decode, no loops or retries, so the agent's pause stays short);
    other recognizers are called as they are."""
    snippet = getattr(recognizer, "transcribe_snippet", None)
    if snippet is None or len(audio) > 8 * 16000:
        return recognizer.transcribe(audio, prompt=prompt).text
    return str(snippet(audio, prompt))

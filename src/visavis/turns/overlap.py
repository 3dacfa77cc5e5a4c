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

import re
import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np

from visavis.speech.asr.base import SpeechRecognizer

OverlapKind = Literal["barge_in", "backchannel", "echo", "noise"]

#: What people say to show they are listening without taking the turn (lower case, no
#: punctuation). Multi-word entries are matched as phrases, so "I see" passes but "I" does not.
BACKCHANNEL_PHRASES: frozenset[str] = frozenset(
    {
        "yeah", "yes", "yep", "yup", "ya", "yah", "yea", "right", "okay", "ok", "sure",
        "alright", "all right", "i see", "got it", "gotcha", "oh", "ah", "aha", "wow", "cool",
        "great", "good", "nice", "fine", "true", "exactly", "absolutely", "definitely",
        "indeed", "understood", "i know", "thanks", "thank you", "makes sense",
        "that makes sense", "of course", "sounds good", "perfect", "totally", "uh huh",
        "mm hmm", "um hum", "hmm", "huh", "haha", "ha", "hehe", "heh", "lol", "oh okay",
        "oh i see", "oh right", "oh yeah", "okay okay", "i understand", "that's right",
        "that's true", "very good", "all good", "no problem",
    }
)  # fmt: skip
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


def _other_words(words: list[str]) -> int:
    """How many words are left once backchannel phrases and vocal sounds are taken out."""
    i = other = 0
    while i < len(words):
        for n in (3, 2, 1):
            if i + n <= len(words) and " ".join(words[i : i + n]) in BACKCHANNEL_PHRASES:
                i += n
                break
        else:
            other += not _FILLER.match(words[i]) and words[i] not in _NON_SPEECH
            i += 1
    return other


def is_backchannel_text(text: str) -> bool:
    """Whether a transcript is only a backchannel ("Yeah.", "Mm-hmm.", "Oh, I see.").

    Repeats do not count against it: Whisper often loops a short word ("Yeah. Yeah. Yeah.").
    """
    words = _words(text)
    return 0 < len(set(words)) <= 6 and _other_words(words) == 0 and has_words(text)


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
    long_speech: float = 0.6
    #: A backchannel still going on after this long (s) has become a turn ("yeah, so ...").
    long_backchannel: float = 1.2
    #: From this much speech (s) on, what has been said so far is transcribed; two words that
    #: are no backchannel confirm a barge-in before the long-speech rule.
    partial_from: float = 0.35
    #: A still-growing overlap is re-transcribed after this much more audio (s).
    refresh: float = 0.15
    #: Shorter speech (s) that has stopped is noise, without a transcript (a click, a knock).
    min_speech: float = 0.08
    #: Peak normalized cross-correlation with what we played above which the mic is echo.
    echo_correlation: float = 0.55
    #: Below this correlation no echo is subtracted before transcription.
    subtract_correlation: float = 0.2
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


class OverlapClassifier:
    """Judges speech over the agent; thread-safe and stateless apart from a transcript memo."""

    def __init__(
        self, recognizer: SpeechRecognizer | None = None, settings: OverlapSettings | None = None
    ) -> None:
        self.recognizer = recognizer
        self.settings = settings or OverlapSettings()
        self._lock = threading.Lock()
        # fingerprint of the overlap's first samples -> (samples transcribed, text)
        self._memo: dict[bytes, tuple[int, str]] = {}

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
        text = self._transcribe(clean, mic[:800].tobytes(), rate, final=not still_speaking)
        words = _words(text)
        backchannel = is_backchannel_text(text)
        if not still_speaking:
            if backchannel:
                return OverlapVerdict("backchannel", "backchannel words", text, after)
            if has_words(text):
                return OverlapVerdict("barge_in", "words", text, after)
            return OverlapVerdict("noise", "no words", text, after)
        if _other_words(words) >= 2:
            return OverlapVerdict("barge_in", "words so far", text, after)
        if speech_seconds >= s.long_backchannel:
            return OverlapVerdict("barge_in", "long speech", text, after)
        if speech_seconds >= s.long_speech and not backchannel:
            return OverlapVerdict("barge_in", "long speech", text, after)
        return None

    def _without_echo(self, mic: np.ndarray, played: np.ndarray, match: EchoMatch) -> np.ndarray:
        """The mic minus the best single-delay estimate of our echo (a crude canceller)."""
        if match.correlation < self.settings.subtract_correlation or match.gain <= 0:
            return mic
        n = len(mic)
        end = len(played) - match.lag
        ref = played[end - n : end]
        return (mic - np.float32(match.gain) * ref).astype(np.float32)

    def _transcribe(self, audio: np.ndarray, key: bytes, rate: int, final: bool) -> str:
        """Whisper's text, or the memo's while the overlap has grown by less than a refresh."""
        assert self.recognizer is not None
        if rate != 16000:
            from visavis.runtime.media import resample

            audio = resample(audio, rate, 16000)
        with self._lock:
            memo = self._memo.get(key)
        if memo is not None and not final and len(audio) - memo[0] < self.settings.refresh * 16000:
            return memo[1]
        text = _quick_text(self.recognizer, audio, self.settings.prompt)
        with self._lock:
            if len(self._memo) > 64:  # one entry per live overlap; old ones are done with
                self._memo.clear()
            self._memo[key] = (len(audio), text)
        return text


def _quick_text(recognizer: SpeechRecognizer, audio: np.ndarray, prompt: str) -> str:
    """One short-window Whisper decode, without the recognizer's retries.

    ``WhisperRecognizer.transcribe`` retries a repetitive text ("Yeah. Yeah. Yeah.") up to the
    full 30 s window (~0.85 s here); on an overlap of a second or two a repeat changes nothing
    the lexicon cares about, and the delay would hold the agent's pause. Other recognizers
    are called as they are.
    """
    short = getattr(recognizer, "_short", None)
    lock = getattr(recognizer, "_lock", None)
    if short is None or lock is None or len(audio) > 5 * 16000:
        return recognizer.transcribe(audio, prompt=prompt).text
    if len(audio) < 0.1 * 16000 or not np.any(audio):
        return ""
    with lock:
        return str(short(np.clip(audio, -1.0, 1.0), prompt, False))

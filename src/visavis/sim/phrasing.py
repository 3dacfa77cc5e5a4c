"""A scripted line spoken with its marked pauses: said in one breath, then cut where they fall.

Scripted patient lines mark a mid-turn silence as ``[pause 0.8]`` ("No, [pause 0.7] I forgot
it this morning."). Synthesizing each stretch between markers on its own made every stretch a
finished utterance: the voice closed "No," with the falling pitch and final lengthening of a
whole answer, so a held pause sounded exactly like an end. Real speakers who stop mid-sentence
keep the sentence's melody going. Here the whole line is synthesized at once and the audio is
cut between the words where each marker sits, so each stretch keeps the prosody it has inside
the sentence; the marker alone sets how long the speaker is silent there (the voice's own
comma pause at the cut is dropped). A sentence that ends before a marker ("Let me think.
[pause 1.0] Tuesday morning.") still ends as a sentence: the voice says it that way.

When the synthesizer's word timings cannot be matched to the line's words, the stretches are
synthesized one by one as before (the cut would land at the wrong place otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from visavis.runtime.media import resample
from visavis.speech.tts.base import SpeechSynthesizer
from visavis.speech.tts.normalize import normalize_text, text_words

PAUSE = re.compile(r"\[pause\s+([0-9.]+)\]")
#: A 10 ms window quieter than this is silence (-46 dBFS).
SILENT = 0.005
#: Audio kept on each side of a cut beyond the last/first voiced window (seconds).
KEEP = 0.02
#: Fade at a cut, so a cut inside a sound does not click (seconds).
FADE = 0.005


@dataclass(slots=True)
class SpokenLine:
    """Mono float32 audio at the requested rate, and where the marked pauses are (seconds)."""

    audio: np.ndarray
    pauses: list[tuple[float, float]]


def plain(line: str) -> str:
    """The line as a listener would write it: each marker becomes "..."."""
    return PAUSE.sub("...", line)


def trim_silence(audio: np.ndarray, rate: int, head: bool, tail: bool) -> np.ndarray:
    """Cut leading and/or trailing silence (10 ms windows below -46 dBFS), keeping 20 ms."""
    win = rate // 100
    n = len(audio) // win
    if n == 0:
        return audio
    levels = np.sqrt(np.mean(np.square(audio[: n * win].reshape(n, win)), axis=1))
    voiced = np.flatnonzero(levels > SILENT)
    if len(voiced) == 0:
        return audio
    keep = int(KEEP * rate)
    start = max(0, voiced[0] * win - keep) if head else 0
    end = min(len(audio), (voiced[-1] + 1) * win + keep) if tail else len(audio)
    return audio[start:end]


def speak_line(voice: SpeechSynthesizer, line: str, rate: int) -> SpokenLine:
    """``line`` in ``voice`` at ``rate`` Hz, its ``[pause s]`` markers rendered as silences.

    The audio before the first word and after the last is the voice's own (callers trim it as
    they need); at each marker, the speech on both sides is trimmed to ``KEEP`` of silence."""
    parts = PAUSE.split(line)
    texts = [p.strip() for p in parts[0::2]]
    gaps = [float(p) for p in parts[1::2]]
    if not gaps:
        return SpokenLine(_speech(voice, line.strip(), rate), [])
    stretches = _in_one_breath(voice, texts, rate)
    if stretches is None:
        stretches = [_speech(voice, t, rate) if t else _empty() for t in texts]
    return _join(stretches, gaps, rate)


def _speech(voice: SpeechSynthesizer, text: str, rate: int) -> np.ndarray:
    if not text:
        return _empty()
    speech = voice.synthesize(text)
    return resample(speech.samples, speech.sample_rate, rate).astype(np.float32)


def _empty() -> np.ndarray:
    return np.zeros(0, dtype=np.float32)


def _in_one_breath(
    voice: SpeechSynthesizer, texts: list[str], rate: int
) -> list[np.ndarray] | None:
    """The stretches between markers, cut from one synthesis of the whole line; ``None`` when
    the voice's word timings do not line up with the line's words."""
    counts = [len(text_words(normalize_text(t))) if t else 0 for t in texts]
    speech = voice.synthesize(" ".join(t for t in texts if t))
    words = speech.words
    if sum(counts) != len(words) or sum(counts) == 0:
        return None
    audio = resample(speech.samples, speech.sample_rate, rate).astype(np.float32)
    cuts: list[int] = []
    before = 0
    for count in counts[:-1]:
        before += count
        if before == 0 or before == len(words):
            # A marker before the first word or after the last: nothing to cut there.
            cuts.append(0 if before == 0 else len(audio))
            continue
        # Midway between the two words: inside the voice's own pause when it made one.
        seconds = (words[before - 1].end + words[before].start) / 2.0
        cuts.append(min(len(audio), max(0, int(round(seconds * rate)))))
    bounds = [0, *cuts, len(audio)]
    return [audio[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _join(stretches: list[np.ndarray], gaps: list[float], rate: int) -> SpokenLine:
    fade = max(1, int(FADE * rate))
    pieces: list[np.ndarray] = []
    pauses: list[tuple[float, float]] = []
    at = 0
    last = len(stretches) - 1
    for i, stretch in enumerate(stretches):
        piece = trim_silence(stretch, rate, head=i > 0, tail=i < last)
        if len(piece) > 2 * fade:
            piece = piece.copy()
            ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
            if i > 0:
                piece[:fade] *= ramp
            if i < last:
                piece[-fade:] *= ramp[::-1]
        pieces.append(piece)
        at += len(piece)
        if i < len(gaps):
            silence = np.zeros(int(gaps[i] * rate), dtype=np.float32)
            pauses.append((at / rate, (at + len(silence)) / rate))
            pieces.append(silence)
            at += len(silence)
    audio = np.concatenate(pieces) if pieces else _empty()
    return SpokenLine(audio.astype(np.float32), pauses)

"""A different-sounding voice made from an existing one by shifting pitch and formants.

Playing audio faster raises its pitch and formants together, which is what makes a voice sound
like another (smaller or larger) speaker; synthesizing it that much slower first keeps the
speaking rate. Used for simulated callers, whose voice must differ from the agent's yet stay
intelligible to a recognizer (espeak-ng's voices often are not, on names of medicines).
"""

from __future__ import annotations

from visavis.runtime.events import PhonemeTiming, WordTiming
from visavis.runtime.media import resample

from .base import SpeechSynthesizer, SynthesizedSpeech


class ShiftedVoice:
    """Wraps a synthesizer made with ``length_scale = factor``; plays it ``factor`` faster."""

    def __init__(self, inner: SpeechSynthesizer, semitones: float) -> None:
        self.inner = inner
        self.factor = 2.0 ** (semitones / 12.0)
        self.name = f"{inner.name}{semitones:+g}st"
        self.sample_rate = inner.sample_rate

    def synthesize(self, text: str) -> SynthesizedSpeech:
        speech = self.inner.synthesize(text)
        rate = self.sample_rate
        # Treat the samples as recorded at rate*factor, then bring them back to ``rate``.
        samples = resample(speech.samples, int(round(rate * self.factor)), rate)
        f = self.factor
        return SynthesizedSpeech(
            samples,
            rate,
            phonemes=[
                PhonemeTiming(phoneme=p.phoneme, start=p.start / f, duration=p.duration / f)
                for p in speech.phonemes
            ],
            words=[WordTiming(word=w.word, start=w.start / f, end=w.end / f) for w in speech.words],
        )

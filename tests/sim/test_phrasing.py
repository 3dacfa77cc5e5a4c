"""A scripted line's marked pauses: cut into the line said in one breath."""

from __future__ import annotations

import numpy as np
import pytest

from visavis.runtime.media import resample
from visavis.sim.phrasing import plain, speak_line, trim_silence
from visavis.speech.tts.base import SynthesizedSpeech

RATE = 16000


@pytest.fixture(scope="module")
def voice(engines):
    # Deterministic Piper: the same text gives the same samples, so stretches can be compared.
    from visavis.engines import load_engines

    return load_engines(deterministic=True).synthesizer


def _level(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio)))) if len(audio) else 0.0


def test_a_line_without_markers_is_the_voice_itself(voice) -> None:
    spoken = speak_line(voice, "Yes, that's right.", RATE)
    speech = voice.synthesize("Yes, that's right.")
    assert spoken.pauses == []
    assert np.allclose(spoken.audio, resample(speech.samples, speech.sample_rate, RATE))


def test_each_marker_is_a_silence_of_its_length_between_speech(voice) -> None:
    spoken = speak_line(voice, "No, [pause 0.7] I forgot it this morning.", RATE)
    assert len(spoken.pauses) == 1
    start, end = spoken.pauses[0]
    assert end - start == pytest.approx(0.7, abs=1e-3)
    a, b = int(start * RATE), int(end * RATE)
    assert not spoken.audio[a:b].any()
    before, after = spoken.audio[:a], spoken.audio[b:]
    assert _level(before[-int(0.2 * RATE) :]) > 0.01  # "No" right before the pause
    assert _level(after[: int(0.2 * RATE)]) > 0.01  # "I" right after it
    # The voice's own silence at the cut is gone: at most KEEP (20 ms) on each side.
    assert len(before) - len(trim_silence(before, RATE, head=False, tail=True)) <= 1
    assert len(after) - len(trim_silence(after, RATE, head=True, tail=False)) <= 1


def test_the_stretch_before_a_pause_is_cut_from_the_whole_sentence(voice) -> None:
    """ "No," keeps the melody it has inside "No, I forgot it this morning."; a "No," said on
    its own would be a finished answer (the reason for one breath)."""
    spoken = speak_line(voice, "No, [pause 0.7] I forgot it this morning.", RATE)
    whole = voice.synthesize("No, I forgot it this morning.")
    whole_audio = resample(whole.samples, whole.sample_rate, RATE)
    head = spoken.audio[: int(spoken.pauses[0][0] * RATE) - int(0.01 * RATE)]
    assert np.allclose(head[: len(head) - 100], whole_audio[: len(head) - 100], atol=1e-4)
    alone = voice.synthesize("No,")
    alone_audio = resample(alone.samples, alone.sample_rate, RATE)
    n = min(len(head), len(alone_audio)) - 100
    assert not np.allclose(head[:n], alone_audio[:n], atol=1e-4)


def test_pauses_land_after_the_right_words_in_a_longer_line(voice) -> None:
    line = "I think, [pause 0.6] uh, [pause 0.8] twice a day."
    spoken = speak_line(voice, line, RATE)
    assert [round(b - a, 3) for a, b in spoken.pauses] == [0.6, 0.8]
    first = spoken.audio[: int(spoken.pauses[0][0] * RATE)]
    middle = spoken.audio[int(spoken.pauses[0][1] * RATE) : int(spoken.pauses[1][0] * RATE)]
    # "I think," is two words, "uh," one: the first stretch is clearly the longer.
    assert len(first) > 1.3 * len(middle)
    assert plain(line) == "I think, ... uh, ... twice a day."


class _WithoutWordTimings:
    """The real voice, but its word timings are lost (as for a voice that cannot align)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.sample_rate = inner.sample_rate
        self.texts: list[str] = []

    def synthesize(self, text: str) -> SynthesizedSpeech:
        self.texts.append(text)
        speech = self.inner.synthesize(text)
        return SynthesizedSpeech(speech.samples, speech.sample_rate)


def test_without_word_timings_each_stretch_is_said_on_its_own(voice) -> None:
    lost = _WithoutWordTimings(voice)
    spoken = speak_line(lost, "Well, [pause 0.9] I forgot it once, on Sunday.", RATE)
    assert lost.texts[1:] == ["Well,", "I forgot it once, on Sunday."]
    assert [round(b - a, 3) for a, b in spoken.pauses] == [0.9]
    assert _level(spoken.audio) > 0.01

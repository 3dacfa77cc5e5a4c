"""``visavis talk``: a recorded file as the caller, and what bad input files get."""

import asyncio
from pathlib import Path

import numpy as np
import pytest
import soundfile

from visavis.runtime.events import Utterance
from visavis.runtime.media import AudioFormatError, resample
from visavis.talk import run_talk


def caller_audio(engines, rate: int, lines: list[tuple[float, str]]) -> np.ndarray:
    """Speech placed at given times (seconds), at ``rate``; spoken by a shifted Piper voice."""
    voice = engines.voice("piper", "", 0, 4.0)
    total = np.zeros(int(rate * (lines[-1][0] + 6.0)), dtype=np.float32)
    for at, text in lines:
        speech = voice.synthesize(text)
        samples = resample(speech.samples, speech.sample_rate, rate)
        start = int(at * rate)
        total[start : start + len(samples)] += samples
    return total


def test_a_44k_stereo_recording_is_heard_and_answered(engines, tmp_path: Path):
    audio = caller_audio(
        engines,
        44100,
        [(6.5, "Yes, this is Maria."), (12.5, "March fourteenth, nineteen fifty two.")],
    )
    path = tmp_path / "caller.wav"
    soundfile.write(str(path), np.stack([audio, audio * 0.5], axis=1), 44100)
    record = asyncio.run(run_talk(path, tmp_path / "out", engines=engines))
    said = [e.speech for e in record.events if isinstance(e, Utterance) and e.role == "user"]
    assert any("maria" in s.lower() for s in said)
    identity = record.outcome["output_variables"]["confirm_identity"]
    assert identity == {"name_confirmed": True, "dob_confirmed": True, "phone_confirmed": None}
    assert record.reason == "participant_left"  # the file ended before the call's work did
    for name in ("timeline.jsonl", "transcript.txt", "call.wav", "outcome.json"):
        assert (tmp_path / "out" / name).exists()


def test_clipped_audio_is_still_understood(engines, tmp_path: Path):
    audio = caller_audio(engines, 16000, [(6.5, "Yes, this is Maria.")])
    path = tmp_path / "clipped.wav"
    soundfile.write(str(path), np.clip(audio * 12.0, -1.0, 1.0), 16000, subtype="FLOAT")
    record = asyncio.run(run_talk(path, tmp_path / "out", engines=engines))
    said = [e.speech for e in record.events if isinstance(e, Utterance) and e.role == "user"]
    assert said and "maria" in said[0].lower()


def test_a_silent_caller_is_reprompted_and_the_call_ends_when_they_leave(engines, tmp_path):
    path = tmp_path / "silence.wav"
    soundfile.write(str(path), np.zeros(16000 * 12, dtype=np.float32), 16000)
    record = asyncio.run(run_talk(path, tmp_path / "out", engines=engines))
    utterances = [e for e in record.events if isinstance(e, Utterance)]
    assert all(u.role == "replica" for u in utterances)
    assert any("still there" in u.speech.lower() for u in utterances)
    assert record.reason == "participant_left"
    assert record.outcome["turns"] == 0


@pytest.mark.parametrize(
    ("content", "message"), [(b"", "empty"), (b"RIFF\x10\x00\x00\x00WAVEjunkjunk", "cannot decode")]
)
def test_empty_or_corrupt_files_are_refused_before_the_call(engines, tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioFormatError, match=message):
        asyncio.run(run_talk(path, tmp_path / "out", engines=engines))

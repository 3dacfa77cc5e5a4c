from pathlib import Path

import numpy as np
import pytest
import soundfile

from visavis.runtime.media import (
    AudioFormatError,
    StreamResampler,
    read_audio,
    resample,
    to_mono_float,
    write_audio,
)


def tone(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_stereo_int16_becomes_mono_float():
    left = (tone(16000, 0.1) * 32767).astype(np.int16)
    stereo = np.stack([left, left], axis=1)
    mono = to_mono_float(stereo)
    assert mono.dtype == np.float32 and mono.ndim == 1
    assert np.max(np.abs(mono)) == pytest.approx(0.5, abs=0.01)


def test_clipping_is_limited_and_nan_rejected():
    assert np.max(to_mono_float(np.array([3.0, -4.0], dtype=np.float32))) == 1.0
    with pytest.raises(AudioFormatError, match="NaN"):
        to_mono_float(np.array([0.0, np.nan], dtype=np.float32))


def test_resample_keeps_duration_and_pitch():
    audio = tone(48000, 1.0, 440.0)
    out = resample(audio, 48000, 16000)
    assert len(out) == 16000
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) == pytest.approx(440, abs=2)


def test_stream_resampler_matches_length_over_chunks():
    audio = tone(22050, 1.0)
    rs = StreamResampler(22050, 16000)
    parts = [rs.push(audio[i : i + 441]) for i in range(0, len(audio), 441)]
    parts.append(rs.push(np.zeros(0, dtype=np.float32), last=True))
    assert abs(sum(len(p) for p in parts) - 16000) <= 2


def test_read_audio_converts_rate_and_channels(tmp_path: Path):
    path = tmp_path / "in.wav"
    stereo = np.stack([tone(44100, 0.5), tone(44100, 0.5)], axis=1)
    soundfile.write(str(path), stereo, 44100)
    out = read_audio(path, 16000)
    assert out.ndim == 1 and abs(len(out) - 8000) <= 2


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"RIFF\x00\x00garbage-not-a-wav", "cannot decode")],
)
def test_read_audio_rejects_empty_and_corrupt_files(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioFormatError, match=message):
        read_audio(path)


def test_read_audio_rejects_missing_and_zero_sample_files(tmp_path: Path):
    with pytest.raises(AudioFormatError, match="does not exist"):
        read_audio(tmp_path / "nope.wav")
    path = tmp_path / "zero.wav"
    write_audio(path, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioFormatError, match="no samples"):
        read_audio(path)

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import soundfile as sf

from visavis.face.measure import lipsync_offset_ms
from visavis.face.video import write_call_video


def test_call_video_decodes_with_two_streams(call_events, spoken, tmp_path: Path) -> None:
    # A call recording the length of the events: patient silent, agent speaking sentence one.
    rate = 16000
    a = spoken[0]
    first = next(e for e in call_events if e.type == "tts.playback")
    agent = np.zeros(int(rate * 4.0), dtype=np.float32)
    samples = np.interp(
        np.arange(int(a.duration * rate)) / rate,
        np.arange(len(a.samples)) / a.sample_rate,
        np.asarray(a.samples, dtype=np.float32),
    )
    s0 = int(first.t * rate)
    agent[s0 : s0 + len(samples)] = samples[: len(agent) - s0]
    wav = tmp_path / "call.wav"
    sf.write(wav, np.stack((np.zeros_like(agent), agent), axis=1), rate)
    stats = write_call_video(call_events, wav, tmp_path / "call.mp4", size=128, fps=25)
    assert stats.frames == 100
    with av.open(str(tmp_path / "call.mp4")) as c:
        assert {s.type for s in c.streams} == {"video", "audio"}
        decoded = sum(1 for _ in c.decode(video=0))
        assert abs(decoded - 100) <= 1
        assert abs(c.duration / 1e6 - 4.0) <= 0.04 + 0.03  # +-1 frame, plus AAC priming
    # The mouth track lines up with the agent's loudness (within a couple of frames).
    lag = lipsync_offset_ms(np.asarray(stats.mouth), agent, rate, fps=25)
    assert abs(lag) <= 80

"""The simulated line delivers paced microphone chunks and records both sides by media time."""

from pathlib import Path

import numpy as np
import soundfile

from visavis.runtime.clock import VirtualClock
from visavis.runtime.media import AudioChunk
from visavis.transport.simulated import SimulatedLine


class ToneCaller:
    """A caller that hums from 0.1 s to 0.3 s and hangs up after 0.5 s."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.heard: list[AudioChunk] = []

    @property
    def hung_up(self) -> bool:
        return self.clock.now() >= 0.5

    def hear(self, frame: AudioChunk) -> None:
        self.heard.append(frame)

    def mouth(self, start: float, n: int) -> np.ndarray:
        t = start + np.arange(n) / 16000
        return np.where((t >= 0.1) & (t < 0.3), 0.5, 0.0).astype(np.float32)


async def test_chunks_arrive_once_captured_and_the_recording_lines_up(tmp_path: Path):
    clock = VirtualClock()
    caller = ToneCaller(clock)
    line = SimulatedLine(clock, caller)
    arrivals = []
    async for chunk in line.chunks():
        arrivals.append((chunk.start, clock.now()))
        if abs(chunk.start - 0.2) < 1e-9:
            line.write(AudioChunk(np.full(320, 0.25, dtype=np.float32), 16000, clock.now()))
    assert all(abs(now - (start + 0.02)) < 1e-9 for start, now in arrivals)
    assert caller.heard and caller.heard[0].start == 0.22
    path = tmp_path / "call.wav"
    line.recorder.write(path)
    audio, rate = soundfile.read(str(path))
    assert rate == 16000 and audio.shape[1] == 2
    user, agent = audio[:, 0], audio[:, 1]
    assert np.all(np.abs(user[1700:4700] - 0.5) < 0.01) and np.all(np.abs(user[:1500]) < 0.01)
    assert np.all(np.abs(agent[3520:3840] - 0.25) < 0.01) and np.all(np.abs(agent[:3500]) < 0.01)
    clock.close()

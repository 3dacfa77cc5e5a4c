"""The load bench's callers: aiortc peers that dial the server as the call page does.

Each caller sends a microphone (a recorded patient line, looped with gaps) and a fake camera
(pre-rendered frames of the simulated patient's webcam, cycled), receives the agent's audio and
avatar video, and records per decoded frame its RTP timestamp and arrival time
(``time.monotonic()`` when ``recv()`` returned it), which ``load_stats.score_stream`` scores.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import soundfile
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from load_stats import StreamScore, score_stream

RATE = 48000
FRAME = 960  # 20 ms at 48 kHz
AUDIO_TICKS = FRAME  # Opus RTP timestamps tick at 48 kHz
VIDEO_CLOCK = 90000
#: The patient's lines: requests the flagship engine answers by asking its question again
#: without counting an attempt, so a call never runs out of objectives and can last for hours.
LINES = ("Sorry, could you repeat that?", "Can you repeat the question, please?")
#: Silence after each line: long enough for the agent's reply to be heard to its end.
GAP_SECONDS = 9.0
CAMERA_SIZE = (640, 480)
CAMERA_FPS = 10
CAMERA_FRAMES = 20  # two seconds of idle life (blinks, head drift), cycled


def patient_audio(cache: Path) -> np.ndarray:
    """The looped patient track at 48 kHz: each line, then ``GAP_SECONDS`` of silence (Piper's
    voice shifted up 4 semitones, as the live-call test's caller; made once, kept in ``cache``)."""
    if not cache.exists():
        from visavis.runtime.media import resample
        from visavis.speech.tts import load_synthesizer
        from visavis.speech.tts.shift import ShiftedVoice

        voice = ShiftedVoice(load_synthesizer("piper", length_scale=2 ** (4 / 12)), 4.0)
        parts: list[np.ndarray] = []
        for line in LINES:
            speech = voice.synthesize(line)
            parts.append(resample(speech.samples, speech.sample_rate, RATE))
            parts.append(np.zeros(int(GAP_SECONDS * RATE), dtype=np.float32))
        cache.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(cache), np.concatenate(parts), RATE)
    audio, rate = soundfile.read(str(cache), dtype="float32")
    assert rate == RATE, f"{cache} is at {rate} Hz, not {RATE}"
    return np.asarray(audio, dtype=np.float32)


def camera_frames() -> list[np.ndarray]:
    """Frames of the simulated patient's webcam (a face in a room) as yuv420p planes' source."""
    from visavis.sim.camera import PatientCamera

    camera = PatientCamera(size=CAMERA_SIZE, fps=CAMERA_FPS)
    return [camera.render(i / CAMERA_FPS).image for i in range(CAMERA_FRAMES)]


class LoopMic(MediaStreamTrack):
    """The microphone: ``audio`` looped from ``offset`` seconds, paced in 20 ms frames."""

    kind = "audio"

    def __init__(self, audio: np.ndarray, offset: float) -> None:
        super().__init__()
        self.pcm = np.round(np.clip(audio, -1, 1) * 32767).astype(np.int16)
        self._pos = int(offset * RATE) % len(self.pcm)
        self._start: float | None = None
        self._pts = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += FRAME
            await asyncio.sleep(max(0.0, self._start + self._pts / RATE - time.monotonic()))
        idx = (self._pos + np.arange(FRAME)) % len(self.pcm)
        self._pos = (self._pos + FRAME) % len(self.pcm)
        frame = av.AudioFrame.from_ndarray(self.pcm[idx].reshape(1, -1), "s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = Fraction(1, RATE)
        return frame


class FakeCamera(MediaStreamTrack):
    """The webcam: pre-rendered frames cycled at ``CAMERA_FPS``."""

    kind = "video"

    def __init__(self, frames: list[np.ndarray]) -> None:
        super().__init__()
        self.frames = [av.VideoFrame.from_ndarray(f, format="rgb24") for f in frames]
        self.frames = [f.reformat(format="yuv420p") for f in self.frames]
        self._start: float | None = None
        self._index = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._start is None:
            self._start = now
        else:
            self._index = max(self._index + 1, int((now - self._start) * CAMERA_FPS))
            await asyncio.sleep(max(0.0, self._start + self._index / CAMERA_FPS - now))
        src = self.frames[self._index % len(self.frames)]
        frame = av.VideoFrame.from_ndarray(src.to_ndarray(), format="yuv420p")
        frame.pts = self._index * VIDEO_CLOCK // CAMERA_FPS
        frame.time_base = Fraction(1, VIDEO_CLOCK)
        return frame


@dataclass
class Received:
    """One track's decoded frames as they arrived: RTP timestamps and arrival times."""

    pts: list[int] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)

    def add(self, pts: int | None, arrived: float) -> None:
        if pts is not None:
            self.pts.append(int(pts))
            self.arrivals.append(arrived)

    def since(self, start: float) -> Received:
        """The frames that arrived at or after ``start`` (a measurement window)."""
        i = next((k for k, t in enumerate(self.arrivals) if t >= start), len(self.arrivals))
        return Received(self.pts[i:], self.arrivals[i:])

    def trim(self, keep_after: float) -> None:
        """Forget frames older than ``keep_after`` (a long call would otherwise hoard them)."""
        i = next((k for k, t in enumerate(self.arrivals) if t >= keep_after), len(self.arrivals))
        del self.pts[:i], self.arrivals[:i]


class Caller:
    """One call: creates a conversation on the server, dials it and records what arrives."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        audio: np.ndarray,
        frames: list[np.ndarray],
        offset: float,
        max_call_duration: float,
    ) -> None:
        self.http = http
        self.mic = LoopMic(audio, offset)
        self.camera = FakeCamera(frames)
        self.max_call_duration = max_call_duration
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.audio = Received()
        self.video = Received()
        self.utterances = {"user": 0, "replica": 0}
        #: The last few lines said, (role, text), for a report when a call ends early.
        self.transcript: deque[tuple[str, str]] = deque(maxlen=12)
        self.ended: str | None = None
        self.conversation_id = ""
        self._readers: list[asyncio.Task[None]] = []

    async def dial(self) -> None:
        body = {"properties": {"max_call_duration": self.max_call_duration}}
        created = await self.http.post("/v1/conversations", json=body)
        created.raise_for_status()
        self.conversation_id = created.json()["conversation_id"]
        pc = self.pc
        pc.addTrack(self.mic)
        pc.addTrack(self.camera)
        pc.addTransceiver("video", direction="recvonly")
        pc.createDataChannel("events").on("message", self._on_message)
        pc.on("track", self._on_track)
        await pc.setLocalDescription(await pc.createOffer())
        r = await self.http.post(
            f"/v1/conversations/{self.conversation_id}/webrtc",
            json={"sdp": pc.localDescription.sdp, "type": "offer"},
        )
        r.raise_for_status()
        await pc.setRemoteDescription(RTCSessionDescription(**r.json()))

    def _on_message(self, message: str) -> None:
        event: dict[str, Any] = json.loads(message)
        kind = event.get("event_type")
        if kind == "conversation.utterance":
            props = event.get("properties", {})
            role = str(props.get("role", ""))
            self.utterances[role] = self.utterances.get(role, 0) + 1
            self.transcript.append((role, str(props.get("speech", ""))))
        elif kind == "conversation.ended":
            self.ended = str(event.get("properties", {}).get("reason"))

    def _on_track(self, track: MediaStreamTrack) -> None:
        into = self.audio if track.kind == "audio" else self.video
        self._readers.append(asyncio.create_task(self._read(track, into)))

    async def _read(self, track: MediaStreamTrack, into: Received) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                into.add(frame.pts, time.monotonic())

    def scores(self, start: float, end: float) -> tuple[StreamScore, StreamScore]:
        """(audio, video) scores of the frames received from ``start`` to ``end`` (a window
        that frames stopped arriving in scores them as missing)."""
        a, v = self.audio.since(start), self.video.since(start)
        return (
            score_stream(a.pts, a.arrivals, RATE, AUDIO_TICKS, window=end - start),
            score_stream(v.pts, v.arrivals, VIDEO_CLOCK, VIDEO_CLOCK // 25, window=end - start),
        )

    async def status(self) -> str:
        """The server's view of the call: its status ("active" while live), or
        "ended: <reason>"."""
        try:
            body = (await self.http.get(f"/v1/conversations/{self.conversation_id}")).json()
        except (httpx.HTTPError, ValueError) as exc:
            return f"unknown ({type(exc).__name__})"
        if body.get("status") == "ended":
            return f"ended: {body.get('end_reason')}"
        return str(body.get("status"))

    async def hang_up(self) -> None:
        with contextlib.suppress(httpx.HTTPError):
            await self.http.post(f"/v1/conversations/{self.conversation_id}/end")
        await self.pc.close()
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)

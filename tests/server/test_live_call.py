"""A whole live call through the server: an aiortc caller offers, speaks, listens and hangs up.

The server runs in-process (httpx's ASGI transport) on the test's event loop, and the caller is
a second RTCPeerConnection on the same loop; media goes through the host's network stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from visavis.runtime.media import resample, rms
from visavis.server import LiveCallOptions, create_app

RATE = 48000
FRAME = 960  # 20 ms at 48 kHz


class ScriptedMic(MediaStreamTrack):
    """The caller's microphone: paced 20 ms frames of silence, or of whatever ``play`` queued."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._queue = np.zeros(0, dtype=np.float32)
        self._start: float | None = None
        self._pts = 0

    def play(self, samples: np.ndarray) -> None:
        self._queue = np.concatenate([self._queue, samples.astype(np.float32)])

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += FRAME
            await asyncio.sleep(max(0.0, self._start + self._pts / RATE - time.monotonic()))
        out, self._queue = self._queue[:FRAME], self._queue[FRAME:]
        out = np.concatenate([out, np.zeros(FRAME - len(out), dtype=np.float32)])
        pcm = np.round(np.clip(out, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = Fraction(1, RATE)
        return frame


class Caller:
    """What arrived at the caller: agent audio levels, avatar frames, data-channel events."""

    def __init__(self) -> None:
        self.loud_audio_frames = 0
        self.video_frames: list[av.VideoFrame] = []
        self.events: list[dict[str, Any]] = []
        self._new_event = asyncio.Event()
        self.readers: list[asyncio.Task[None]] = []

    def on_message(self, message: str) -> None:
        self.events.append(json.loads(message))
        self._new_event.set()

    def on_track(self, track: MediaStreamTrack) -> None:
        self.readers.append(asyncio.create_task(self._read(track)))

    async def _read(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if isinstance(frame, av.AudioFrame):
                if rms(frame.to_ndarray().astype(np.float32) / 32768) > 0.01:
                    self.loud_audio_frames += 1
            elif len(self.video_frames) < 500:
                self.video_frames.append(frame)

    async def wait_for(self, event_type: str, timeout: float, **props: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                p = event["properties"]
                if event["event_type"] == event_type and all(
                    p.get(k) == v for k, v in props.items()
                ):
                    return event
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [e["event_type"] for e in self.events]
                raise AssertionError(f"no {event_type} {props} within {timeout} s; saw {seen}")
            self._new_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_event.wait(), left)


@pytest.mark.slow
async def test_live_call_over_webrtc(engines, tmp_path: Path):
    started = time.monotonic()
    answer_speech = engines.voice("piper", "", 0, 4.0).synthesize("Yes, this is Maria.")
    answer_48k = resample(answer_speech.samples, answer_speech.sample_rate, RATE)

    app = create_app(engines, data_dir=tmp_path, call_options=LiveCallOptions(video_size=256))
    transport = httpx.ASGITransport(app=app)
    caller = Caller()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    mic = ScriptedMic()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            created = await http.post(
                "/v1/conversations", json={"properties": {"max_call_duration": 40}}
            )
            cid = created.json()["conversation_id"]

            pc.addTrack(mic)
            pc.addTransceiver("video", direction="recvonly")
            channel = pc.createDataChannel("events")
            channel.on("message", caller.on_message)
            pc.on("track", caller.on_track)
            await pc.setLocalDescription(await pc.createOffer())
            r = await http.post(
                f"/v1/conversations/{cid}/webrtc",
                json={"sdp": pc.localDescription.sdp, "type": "offer"},
            )
            assert r.status_code == 200, r.text
            assert r.json()["type"] == "answer"
            await pc.setRemoteDescription(RTCSessionDescription(**r.json()))

            await caller.wait_for("conversation.started", 10.0)
            greeting = await caller.wait_for("conversation.utterance", 25.0, role="replica")
            assert "maria" in greeting["properties"]["speech"].lower()
            live = (await http.get(f"/v1/conversations/{cid}")).json()
            assert live["live"] is True and live["transcript"][0]["role"] == "replica"

            mic.play(answer_48k)
            heard = await caller.wait_for("conversation.utterance", 15.0, role="user")
            assert "maria" in heard["properties"]["speech"].lower()

            ended = await http.post(f"/v1/conversations/{cid}/end")
            body = ended.json()
            assert body["status"] == "ended" and body["end_reason"] == "ended_by_api"
            assert body["live"] is False
            roles = [line["role"] for line in body["transcript"]]
            assert roles[:2] == ["replica", "user"]
            assert body["outcome"]["patient_id"] == "maria-lopez"
            assert body["outcome"]["turns"] >= 1
            await caller.wait_for("conversation.ended", 2.0, reason="ended_by_api")
    finally:
        await pc.close()
        for reader in caller.readers:
            reader.cancel()

    # Every event arrived as the public envelope, in timeline order.
    assert all(e["conversation_id"] == cid for e in caller.events)
    seqs = [e["seq"] for e in caller.events]
    assert seqs == sorted(seqs) and seqs[0] == 0
    assert caller.loud_audio_frames > 50, "the greeting was not heard (> 1 s of agent audio)"
    assert len(caller.video_frames) > 50
    assert all(f.width == 256 and f.height == 256 for f in caller.video_frames)
    assert time.monotonic() - started < 60


@pytest.mark.slow
async def test_peer_hanging_up_ends_the_call(engines, tmp_path: Path):
    app = create_app(engines, data_dir=tmp_path, call_options=LiveCallOptions(video_size=128))
    transport = httpx.ASGITransport(app=app)
    caller = Caller()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        cid = (await http.post("/v1/conversations", json={})).json()["conversation_id"]
        pc.addTrack(ScriptedMic())
        pc.addTransceiver("video", direction="recvonly")
        pc.createDataChannel("events").on("message", caller.on_message)
        pc.on("track", caller.on_track)
        await pc.setLocalDescription(await pc.createOffer())
        r = await http.post(
            f"/v1/conversations/{cid}/webrtc",
            json={"sdp": pc.localDescription.sdp, "type": "offer"},
        )
        await pc.setRemoteDescription(RTCSessionDescription(**r.json()))
        await caller.wait_for("conversation.replica.started_speaking", 15.0)
        # A second peer for the same call is refused while the first is connected.
        again = await http.post(
            f"/v1/conversations/{cid}/webrtc",
            json={"sdp": pc.localDescription.sdp, "type": "offer"},
        )
        assert again.status_code == 409
        await pc.close()  # RTCP BYE: the server's microphone track ends
        for reader in caller.readers:
            reader.cancel()
        deadline = time.monotonic() + 15.0
        while time.monotonic() < deadline:
            body = (await http.get(f"/v1/conversations/{cid}")).json()
            if body["status"] == "ended":
                break
            await asyncio.sleep(0.1)
        assert body["status"] == "ended", body
        assert body["end_reason"] == "participant_left"
        assert body["outcome"]["end_reason"] == "participant_left"
        assert body["live"] is False

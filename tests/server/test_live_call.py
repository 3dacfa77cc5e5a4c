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
from tests.server.conftest import Receiver, api_client

from visavis.runtime.media import resample, rms
from visavis.server import LiveCallOptions, create_app
from visavis.server.context import ServerSettings
from visavis.server.webhooks import verify_signature

SECRET = "whsec-live-test"
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

    def vanish(self) -> None:
        """Stop sending without a goodbye, as a closed laptop or a lost network does."""
        self._gone = asyncio.Event()

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if getattr(self, "_gone", None) is not None:
            await self._gone.wait()  # never set: no more frames
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


async def dial(
    http: httpx.AsyncClient, cid: str, pc: RTCPeerConnection, caller: Caller, mic: ScriptedMic
) -> dict[str, Any]:
    """Offer a call as a browser would (mic up, avatar video down, an "events" channel) and
    apply the server's answer; returns the answer."""
    pc.addTrack(mic)
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("events").on("message", caller.on_message)
    pc.on("track", caller.on_track)
    await pc.setLocalDescription(await pc.createOffer())
    r = await http.post(
        f"/v1/conversations/{cid}/webrtc",
        json={"sdp": pc.localDescription.sdp, "type": "offer"},
    )
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    await pc.setRemoteDescription(RTCSessionDescription(**answer))
    return answer


async def until_ended(http: httpx.AsyncClient, cid: str, timeout: float = 15.0) -> dict[str, Any]:
    """The conversation once its record says ended (the call saves it after its last event)."""
    deadline = time.monotonic() + timeout
    while True:
        body = (await http.get(f"/v1/conversations/{cid}")).json()
        if body["status"] == "ended" or time.monotonic() > deadline:
            assert body["status"] == "ended", body
            return body
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_live_call_over_webrtc(engines, tmp_path: Path, receiver: Receiver):
    started = time.monotonic()
    answer_speech = engines.voice("piper", "", 0, 4.0).synthesize("Yes, this is Maria.")
    answer_48k = resample(answer_speech.samples, answer_speech.sample_rate, RATE)

    settings = ServerSettings(webhook_secret=SECRET, webhook_poll_interval=0.1)
    app = create_app(
        engines, data_dir=tmp_path, call_options=LiveCallOptions(video_size=256), settings=settings
    )
    caller = Caller()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    mic = ScriptedMic()
    try:
        async with api_client(app) as http:
            body = {
                "custom_greeting": "Hi {first_name}, it's Sam from the clinic.",
                "callback_url": f"{receiver.base}/hooks",
                "properties": {"max_call_duration": 40},
            }
            created = await http.post("/v1/conversations", json=body)
            cid = created.json()["conversation_id"]

            answer = await dial(http, cid, pc, caller, mic)
            assert answer["type"] == "answer"

            await caller.wait_for("conversation.started", 10.0)
            greeting = await caller.wait_for("conversation.utterance", 25.0, role="replica")
            assert greeting["properties"]["speech"].startswith(
                "Hi Maria, it's Sam from the clinic."
            )
            live = (await http.get(f"/v1/conversations/{cid}")).json()
            assert live["live"] is True and live["transcript"][0]["role"] == "replica"
            # What perception sees right now (this caller sends no camera: no face).
            assert live["user_state"]["face_present"] is False

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
            # The application heard about the call: signed webhooks, delivered from the outbox.
            for _ in range(100):
                if len(receiver.on("/hooks")) >= 4:
                    break
                await asyncio.sleep(0.05)
    finally:
        await pc.close()
        for reader in caller.readers:
            reader.cancel()

    hooks = {}
    for request in receiver.on("/hooks"):
        signature = request.headers["X-Visavis-Signature"]
        assert verify_signature(SECRET, request.body, signature)
        hook = json.loads(request.body)
        assert hook["conversation_id"] == cid
        hooks[hook["event_type"]] = hook
    assert sorted(hooks) == [
        "application.perception_analysis",
        "application.transcription_ready",
        "system.replica_joined",
        "system.shutdown",
    ]
    assert "engagement" in hooks["application.perception_analysis"]["properties"]["analysis"]
    assert hooks["system.shutdown"]["properties"]["shutdown_reason"] == (
        "end_conversation_endpoint_hit"
    )
    transcript = hooks["application.transcription_ready"]["properties"]["transcript"]
    assert [line["role"] for line in transcript[:2]] == ["assistant", "user"]

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
    caller = Caller()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    async with api_client(app) as http:
        cid = (await http.post("/v1/conversations", json={})).json()["conversation_id"]
        await dial(http, cid, pc, caller, ScriptedMic())
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
        body = await until_ended(http, cid)
        assert body["end_reason"] == "participant_left"
        assert body["outcome"]["end_reason"] == "participant_left"
        assert body["live"] is False


class AsgiSocket:
    """A WebSocket client that calls the ASGI app in-process, on the test's event loop (httpx's
    ASGI transport has no WebSockets, and TestClient runs the app on another loop)."""

    def __init__(self, app: Any, path: str, key: str) -> None:
        self.app, self.path, self.key = app, path, key
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.messages: list[dict[str, Any]] = []
        self.closed = False
        self._task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": self.path,
            "raw_path": self.path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"test"), (b"x-api-key", self.key.encode())],
            "server": ("test", 80),
            "client": ("127.0.0.1", 50000),
            "subprotocols": [],
        }
        self._task = asyncio.create_task(self.app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(self._from_app.get(), 5.0)
        assert accepted["type"] == "websocket.accept", accepted

    async def send_json(self, message: dict[str, Any]) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def wait_for(self, timeout: float, **fields: Any) -> dict[str, Any]:
        """The first message (seen or to come) whose top-level or property fields match."""
        deadline = time.monotonic() + timeout

        def matches(m: dict[str, Any]) -> bool:
            props = m.get("properties", {})
            return all(m.get(k, props.get(k)) == v for k, v in fields.items())

        for message in self.messages:
            if matches(message):
                return message
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                seen = [m.get("event_type", m.get("error")) for m in self.messages]
                raise AssertionError(f"no message {fields} within {timeout} s; saw {seen}")
            with contextlib.suppress(TimeoutError):
                sent = await asyncio.wait_for(self._from_app.get(), left)
                if sent["type"] == "websocket.close":
                    self.closed = True
                    continue
                self.messages.append(json.loads(sent["text"]))
                if matches(self.messages[-1]):
                    return self.messages[-1]

    async def close(self) -> None:
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 5.0)


@pytest.mark.slow
async def test_event_socket_and_persistence_across_a_restart(engines, tmp_path: Path):
    """A call on a SQLite-backed server, watched and steered over the event socket; a new app
    on the same file then serves the ended conversation unchanged."""
    url = f"sqlite:///{tmp_path / 'visavis.db'}"
    options = LiveCallOptions(video_size=128, persist_interval=0.2)
    app = create_app(engines, data_dir=tmp_path, call_options=options, database_url=url)
    caller = Caller()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    socket: AsgiSocket | None = None
    try:
        async with api_client(app) as http:
            cid = (await http.post("/v1/conversations", json={})).json()["conversation_id"]
            socket = AsgiSocket(app, f"/v1/conversations/{cid}/events", http.headers["x-api-key"])
            await socket.connect()  # before the call: every event arrives live

            await dial(http, cid, pc, caller, ScriptedMic())

            await socket.wait_for(10.0, event_type="conversation.started", seq=0)
            await socket.wait_for(25.0, event_type="conversation.utterance", role="replica")
            echo_text = "Please take your water pill every morning."
            await socket.send_json(
                {
                    "message_type": "conversation",
                    "event_type": "conversation.echo",
                    "conversation_id": cid,
                    "properties": {"text": echo_text},
                }
            )
            echoed = await socket.wait_for(
                20.0, event_type="conversation.utterance", role="replica", speech=echo_text
            )
            assert echoed["conversation_id"] == cid
            await socket.send_json({"message_type": "conversation", "event_type": "nope"})
            assert (await socket.wait_for(2.0, error="unsupported_event"))["message"]
            # Live turn-taking and context changes land on the timeline, as every event does.
            for event_type, props in [
                ("conversation.sensitivity", {"participant_pause_sensitivity": "low"}),
                ("conversation.append_llm_context", {"context": "Prefers mornings."}),
            ]:
                await socket.send_json(
                    {"message_type": "conversation", "event_type": event_type, "properties": props}
                )
                await socket.wait_for(5.0, event_type=event_type)
            live = app.state.ctx.calls[cid].conversation
            # Low pause sensitivity is high patience: the model must be surer, silences longer.
            assert live.turns.settings.end_of_turn_threshold == 0.9
            assert live.turns.settings.end_of_turn_silence == 0.9
            assert live.context.endswith("Prefers mornings.")

            # A late subscriber gets the past first, then (here) the end.
            late = AsgiSocket(app, f"/v1/conversations/{cid}/events", http.headers["x-api-key"])
            await late.connect()
            await late.wait_for(2.0, speech=echo_text)
            # Stored events have left the call's memory; the API still shows the whole call.
            held = len(app.state.ctx.calls[cid].record.events)
            shown = (await http.get(f"/v1/conversations/{cid}?verbose=true")).json()["events"]
            assert [e["seq"] for e in shown] == list(range(len(shown)))
            assert held < len(shown) // 2

            before = (await http.post(f"/v1/conversations/{cid}/end")).json()
            assert before["status"] == "ended" and before["outcome"]["patient_id"]
            await socket.wait_for(3.0, event_type="conversation.ended")
            await late.wait_for(3.0, event_type="conversation.ended")
            await late.close()
    finally:
        if socket is not None:
            await socket.close()
        await pc.close()
        for reader in caller.readers:
            reader.cancel()

    # Every event went out on the socket exactly once, in order, as the data channel sent them.
    seqs = [m["seq"] for m in socket.messages if m["message_type"] == "conversation"]
    assert seqs == list(range(len(seqs)))
    assert [e["seq"] for e in caller.events] == seqs[: len(caller.events)]

    restarted = create_app(engines, data_dir=tmp_path, database_url=url)
    async with api_client(restarted) as http:
        after = (await http.get(f"/v1/conversations/{cid}")).json()
    assert after["status"] == "ended" and after["end_reason"] == "ended_by_api"
    assert after["transcript"] == before["transcript"]
    assert echo_text in [line["speech"] for line in after["transcript"]]
    assert after["outcome"] == before["outcome"]
    assert after["ended_at"] == before["ended_at"]


@pytest.mark.slow
async def test_a_caller_who_vanishes_is_let_go_after_participant_left_timeout(
    engines, tmp_path: Path
):
    options = LiveCallOptions(video_size=128, silent_peer=1.0)
    app = create_app(engines, data_dir=tmp_path, call_options=options)
    caller = Caller()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    mic = ScriptedMic()
    try:
        async with api_client(app) as http:
            body = {"properties": {"participant_left_timeout": 1.5}}
            cid = (await http.post("/v1/conversations", json=body)).json()["conversation_id"]
            await dial(http, cid, pc, caller, mic)
            await caller.wait_for("conversation.replica.started_speaking", 15.0)
            mic.vanish()
            vanished = time.monotonic()
            ended = await caller.wait_for("conversation.ended", 15.0)
            waited = time.monotonic() - vanished
            assert ended["properties"]["reason"] == "participant_left_timeout"
            # Not before the silence (1 s) plus the timeout (1.5 s), and not long after.
            assert 2.4 <= waited <= 6.0, waited
            got = await until_ended(http, cid, 5.0)
            assert got["end_reason"] == "participant_left_timeout"
    finally:
        await pc.close()
        for reader in caller.readers:
            reader.cancel()

"""The WebRTC transport over a real in-process connection: speech in, agent voice and face out.

Two RTCPeerConnections in one process exchange offer and answer directly, with no ICE servers,
so media goes through the host's own network stack (host candidates) and never leaves it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path

import av
import jiwer
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from visavis.runtime.events import UserStartedSpeaking
from visavis.runtime.media import AudioChunk, rms, write_audio
from visavis.transport.avatar_video import AvatarVideoTrack
from visavis.transport.webrtc import (
    AUDIO_FRAME_SAMPLES,
    RTC_AUDIO_RATE,
    AgentAudioTrack,
    WebRTCAudioSource,
)

SENTENCE = "Hello, this is a test of the line."


@pytest.fixture
async def peers() -> AsyncIterator[tuple[RTCPeerConnection, RTCPeerConnection]]:
    sender = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    receiver = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        yield sender, receiver
    finally:
        await sender.close()
        await receiver.close()


async def connect(
    sender: RTCPeerConnection, receiver: RTCPeerConnection, track: MediaStreamTrack
) -> MediaStreamTrack:
    """Send ``track`` from ``sender``; return the matching remote track at ``receiver``."""
    arrived: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
    receiver.on("track", lambda remote: arrived.done() or arrived.set_result(remote))
    sender.addTrack(track)
    # aiortc gathers all candidates inside setLocalDescription, so no trickle ICE is needed.
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    return await asyncio.wait_for(arrived, 5.0)


# --- over the connection ---------------------------------------------------------------------


async def test_speech_played_into_the_line_transcribes_at_the_far_end(
    engines, peers, tmp_path: Path
):
    sender, receiver = peers
    speech = engines.synthesizer.synthesize(SENTENCE)
    wav = tmp_path / "speech.wav"
    write_audio(wav, speech.samples, speech.sample_rate)
    player = MediaPlayer(str(wav))
    assert player.audio is not None
    finished = asyncio.Event()
    player.audio.on("ended", finished.set)
    source = WebRTCAudioSource(await connect(sender, receiver, player.audio))

    chunks: list[AudioChunk] = []

    async def read() -> None:
        async for chunk in source.chunks():
            chunks.append(chunk)

    reader = asyncio.create_task(read())
    await asyncio.wait_for(finished.wait(), speech.duration + 5.0)
    await asyncio.sleep(0.3)  # the last packets are still in the jitter buffer
    await sender.close()  # sends RTCP BYE: the remote track ends, and with it chunks()
    await asyncio.wait_for(reader, 5.0)

    assert chunks
    assert all(c.sample_rate == 16000 and len(c.samples) == 320 for c in chunks)
    assert all(c.samples.dtype == np.float32 for c in chunks)
    # Media time comes from sample counts: contiguous 20 ms chunks from zero.
    assert [round(c.start, 6) for c in chunks] == [round(i * 0.02, 6) for i in range(len(chunks))]
    audio = np.concatenate([c.samples for c in chunks])
    assert len(audio) / 16000 >= speech.duration * 0.9
    heard = engines.recognizer.transcribe(audio).text
    error = jiwer.wer(_words(SENTENCE), _words(heard))
    assert error <= 0.25, f"heard {heard!r}"


def _words(text: str) -> str:
    return " ".join("".join(ch for ch in text.lower() if ch.isalnum() or ch == " ").split())


async def test_agent_audio_reaches_the_far_side_and_clear_cuts_it(peers):
    sender, receiver = peers
    track = AgentAudioTrack()
    source = WebRTCAudioSource(await connect(sender, receiver, track))
    arrivals: list[tuple[float, AudioChunk]] = []

    async def read() -> None:
        async for chunk in source.chunks():
            arrivals.append((time.monotonic(), chunk))

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.3)  # let the connection settle on silence
    # Two seconds of a 440 Hz tone at 16 kHz, written ahead as the playout's 20 ms frames would
    # be: without clear() it would keep playing for 2 s.
    rate = 16000
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(2 * rate) / rate)).astype(np.float32)
    written_at = time.monotonic()
    for i in range(0, len(tone), 320):
        track.write(AudioChunk(tone[i : i + 320], rate, i / rate))
    await asyncio.sleep(0.5)
    cleared_at = time.monotonic()
    track.clear()
    await asyncio.sleep(0.5)
    await sender.close()
    await asyncio.wait_for(reader, 5.0)

    loud = [(t, c) for t, c in arrivals if rms(c.samples) > 0.1]
    assert loud, "no agent audio arrived"
    onset = loud[0][0] - written_at
    stop = max(t for t, _ in loud) - cleared_at
    # On this machine the whole path (prebuffer, pacing, Opus, jitter buffer) takes ~60 ms, so
    # a working clear() shows up at the far end well inside 100 ms plus one frame of phase.
    # The far end hears everything one pipeline delay late (prebuffer, pacing, Opus, and aiortc's
    # receive jitter buffer, which holds 4 packets: ~110 ms here). clear() has worked when the
    # sound stops no more than 100 ms after that delay; without it, it would run on for 1.5 s.
    assert onset < 0.2, f"first agent audio took {onset * 1000:.0f} ms"
    assert stop - onset < 0.1, f"audio kept coming {(stop - onset) * 1000:.0f} ms past the delay"
    heard = np.concatenate([c.samples for _, c in loud])
    spectrum = np.abs(np.fft.rfft(heard * np.hanning(len(heard))))
    peak_hz = np.argmax(spectrum) * 16000 / len(heard)
    assert abs(peak_hz - 440) < 5
    assert 0.35 < len(heard) / 16000 < 0.7  # about the 0.5 s between the writes and the clear


async def test_avatar_video_arrives_at_25_fps_with_the_right_size(peers):
    sender, receiver = peers
    started = time.monotonic()
    track = AvatarVideoTrack(now=lambda: time.monotonic() - started, size=128, fps=25)
    track.on_event(UserStartedSpeaking(start=0.0, t=0.0))
    remote = await connect(sender, receiver, track)
    frames: list[tuple[float, av.VideoFrame]] = []
    deadline = time.monotonic() + 1.6
    while time.monotonic() < deadline:
        frame = await asyncio.wait_for(remote.recv(), 2.0)
        frames.append((time.monotonic(), frame))
    track.stop()

    assert all(f.width == 128 and f.height == 128 for _, f in frames)
    window = frames[5:]  # skip the first frames while the encoder and jitter buffer settle
    fps = (len(window) - 1) / (window[-1][0] - window[0][0])
    assert 21 <= fps <= 29, f"{fps:.1f} fps"
    # RTP video timestamps on the 90 kHz clock: 3600 ticks per 25 fps frame.
    steps = np.diff([f.pts for _, f in window])
    assert np.median(steps) == 3600
    image = frames[-1][1].to_ndarray(format="rgb24")
    assert image.shape == (128, 128, 3) and image.std() > 10  # a face, not a blank frame


# --- the pieces on their own (no connection) -------------------------------------------------
async def test_avatar_track_sends_a_slightly_late_frame_and_skips_past_two_frames():
    clock = {"t": 0.0}
    drawn: list[float] = []
    track = AvatarVideoTrack(now=lambda: clock["t"], size=32, fps=25, render_process=False)
    track._draw(0.0)  # load the avatar first: the timing below is the track's, not loading's
    draw = track._draw
    track._draw = lambda t: (drawn.append(t), draw(t))[1]  # type: ignore[method-assign]
    first = await track.recv()
    time.sleep(0.1)  # noqa: ASYNC251 (a busy loop: the next frame is 60 ms late)
    clock["t"] = 0.1
    second = await track.recv()
    assert track.frames_skipped == 0 and second.pts - first.pts == 3600  # sent, not skipped
    assert drawn[1] == pytest.approx(0.04, abs=0.01)  # drawn for its own time, not for now
    time.sleep(0.25)  # noqa: ASYNC251 (now ~6 frames behind: skip to real time)
    third = await track.recv()
    assert track.frames_skipped >= 4 and third.pts - second.pts >= 5 * 3600
    assert track.health() == f"avatar frames sent 3, skipped {track.frames_skipped}"
    track.stop()


async def test_avatar_track_draws_in_process_when_its_render_process_dies():
    track = AvatarVideoTrack(now=lambda: 0.0, size=64, fps=25)
    first = track._draw(0.0)  # starts the child
    assert track._process is not None and track._process.pid is not None
    os.kill(track._process.pid, signal.SIGKILL)
    second = track._draw(0.04)  # the child is gone: a warning, and the frame drawn here
    assert not track.render_process and track._process is None
    for frame in (first, second):
        assert (frame.width, frame.height, frame.format.name) == (64, 64, "yuv420p")
        assert frame.to_ndarray(format="rgb24").std() > 10
    track.stop()


async def test_agent_track_sends_paced_silence_when_idle_and_bounds_its_queue():
    track = AgentAudioTrack(max_buffer_seconds=0.1)
    started = time.monotonic()
    frames = [await track.recv() for _ in range(5)]
    elapsed = time.monotonic() - started
    assert 0.07 <= elapsed < 0.2  # four 20 ms waits after the first frame: paced, not blocked
    assert [f.pts for f in frames] == [i * AUDIO_FRAME_SAMPLES for i in range(5)]
    assert all(f.time_base == Fraction(1, RTC_AUDIO_RATE) for f in frames)
    assert all(f.sample_rate == RTC_AUDIO_RATE and f.samples == 960 for f in frames)
    assert all(f.format.name == "s16" and f.layout.name == "mono" for f in frames)
    assert not any(f.to_ndarray().any() for f in frames)

    track.write(AudioChunk(np.full(RTC_AUDIO_RATE // 5, 0.5, np.float32), RTC_AUDIO_RATE))
    assert track.buffered_seconds == pytest.approx(0.1)
    assert track.dropped_seconds == pytest.approx(0.1)
    track.clear()
    assert track.buffered_seconds == 0.0
    track.stop()
    with pytest.raises(MediaStreamError):
        await track.recv()


async def test_agent_track_counts_a_stalled_sender_and_resumes_without_a_burst():
    track = AgentAudioTrack()
    await track.recv()
    await track.recv()
    time.sleep(0.35)  # noqa: ASYNC251 (the point: the event loop blocked, ~17 frames missed)
    started = time.monotonic()
    late = await track.recv()
    assert time.monotonic() - started < 0.01  # sent at once, not waited for
    assert track.stalls == 1 and 0.25 < track.stalled_seconds < 0.5
    assert track.health().startswith("agent audio stalled 1 times (0.")
    await track.recv()  # ... then paced again from now, not sent in a catch-up burst
    assert time.monotonic() - started >= 0.015
    assert late.pts == 2 * AUDIO_FRAME_SAMPLES  # timestamps stay contiguous
    track.stop()


async def test_agent_track_resamples_and_plays_a_short_tail():
    track = AgentAudioTrack(prebuffer_seconds=0.02)
    # 30 ms at 16 kHz: less than a prebuffered talkspurt, and mostly held in the resampler's
    # filter; it has to go out whole once the writer has gone quiet.
    track.write(AudioChunk(np.full(480, 0.5, np.float32), 16000))
    sent = [(await track.recv()).to_ndarray().reshape(-1) for _ in range(10)]
    audio = np.concatenate(sent).astype(np.float32) / 32768
    assert abs(np.sum(np.abs(audio) > 0.25) - 1440) < 40  # 30 ms at 48 kHz, give or take


class FakeOpusTrack(MediaStreamTrack):
    """Stereo s16 48 kHz frames as aiortc's Opus decoder makes them, with one frame lost."""

    kind = "audio"

    def __init__(self, frames: int, lost: int) -> None:
        super().__init__()
        self.frames = frames
        self.lost = lost
        self.index = 0

    async def recv(self) -> av.AudioFrame:
        if self.index == self.lost:
            self.index += 1  # skipped by the jitter buffer: the pts jumps a frame
        if self.index >= self.frames:
            raise MediaStreamError
        stereo = np.full((960, 2), 8192, dtype=np.int16)
        frame = av.AudioFrame.from_ndarray(stereo.reshape(1, -1), format="s16", layout="stereo")
        frame.sample_rate = 48000
        # RTP timestamps start anywhere and wrap at 2**32; start just below the wrap.
        frame.pts = (2**32 - 960 * 3 + self.index * 960) % 2**32
        frame.time_base = Fraction(1, 48000)
        self.index += 1
        return frame


async def test_source_converts_to_16k_mono_and_fills_lost_frames_with_silence():
    source = WebRTCAudioSource(FakeOpusTrack(frames=10, lost=5))
    chunks = [chunk async for chunk in source.chunks()]
    assert source.gap_seconds == pytest.approx(0.02)
    audio = np.concatenate([c.samples for c in chunks])
    assert len(audio) == pytest.approx(10 * 320, abs=320)  # 9 frames plus 20 ms of filled gap
    assert [c.start for c in chunks] == pytest.approx([i * 0.02 for i in range(len(chunks))])
    assert audio[1000:1500] == pytest.approx(0.25, abs=0.01)  # mono level survives
    gap = audio[5 * 320 + 40 : 6 * 320 - 40]  # the lost frame, away from filter edges
    assert np.abs(gap).max() < 0.02


async def test_source_media_time_starts_at_the_clock_when_the_first_frame_arrives():
    # The turns stage waits on the conversation clock for silence after a media-time speech
    # end: both must share an origin, or every pause looks longer by the connection delay.
    source = WebRTCAudioSource(FakeOpusTrack(frames=10, lost=0), now=lambda: 3.0)
    chunks = [chunk async for chunk in source.chunks()]
    assert source.origin == pytest.approx(3.0 - 0.02)  # the first frame was 20 ms of audio
    assert chunks[0].start == pytest.approx(2.98)
    assert chunks[-1].start == pytest.approx(2.98 + 0.02 * (len(chunks) - 1))


async def test_paced_writes_at_48k_come_out_without_holes():
    # The playout writes 20 ms frames on its own 20 ms ticks, out of phase with recv(); the
    # prebuffer must absorb that so a sentence leaves as one unbroken run of audio.
    track = AgentAudioTrack()
    sent: list[np.ndarray] = []

    async def send() -> None:
        for _ in range(35):
            sent.append((await track.recv()).to_ndarray().reshape(-1))

    sender = asyncio.create_task(send())
    await asyncio.sleep(0.031)
    started = time.monotonic()
    for i in range(20):
        await asyncio.sleep(max(0.0, started + i * 0.02 - time.monotonic()))
        track.write(AudioChunk(np.full(AUDIO_FRAME_SAMPLES, 0.5, np.float32), RTC_AUDIO_RATE))
    await sender
    loud = np.concatenate(sent) > 8000
    first, last = np.argmax(loud), len(loud) - np.argmax(loud[::-1])
    assert loud.sum() == 20 * AUDIO_FRAME_SAMPLES
    assert last - first == 20 * AUDIO_FRAME_SAMPLES  # contiguous: no silent frame in between

"""The WebRTC transport (aiortc): the caller's microphone in, the agent's voice and face out.

Three pieces, each usable on its own with an ``RTCPeerConnection``:

- ``WebRTCAudioSource`` wraps the remote audio track as the loop's ``AudioSource``: 48 kHz Opus
  frames (often stereo) become 16 kHz mono float32 chunks stamped with media time from sample
  counts, so timing survives network jitter and the loop never sees wall time.
- ``AgentAudioTrack`` is the loop's ``AudioSink`` and a local audio track: frames written by the
  playout queue up and leave as paced 20 ms Opus-ready frames; ``clear()`` cuts them at once.
- ``AvatarVideoTrack`` (``transport/avatar_video.py``) sends the animated face.

Everything here is called on the event loop thread.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from fractions import Fraction

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from visavis.runtime.media import SPEECH_RATE, AudioChunk, StreamResampler, to_mono_float

#: WebRTC audio runs at 48 kHz (Opus); agent audio is converted to it once, on write.
RTC_AUDIO_RATE = 48000
#: Opus packets carry 20 ms; sending frames of the same length avoids re-chunking in aiortc.
AUDIO_FRAME_SECONDS = 0.02
AUDIO_FRAME_SAMPLES = int(RTC_AUDIO_RATE * AUDIO_FRAME_SECONDS)
AUDIO_TIME_BASE = Fraction(1, RTC_AUDIO_RATE)
#: Past this much lateness a paced track re-anchors its schedule instead of bursting to catch up.
MAX_LATE_SECONDS = 0.2
#: After this long without a write the agent has paused; the resampler's held-back tail is sent.
FLUSH_AFTER_SECONDS = 0.1
#: RTP timestamps are 32-bit and wrap; pts deltas are taken modulo this.
_RTP_WRAP = 1 << 32


def _frame_to_mono(frame: av.AudioFrame) -> np.ndarray:
    """Mono float32 samples of any packed or planar PyAV audio frame."""
    arr = frame.to_ndarray()
    channels = len(frame.layout.channels)
    # Packed formats put all channels interleaved in one plane; planar ones one plane each.
    samples = arr.T if frame.format.is_planar else arr.reshape(-1, channels)
    return to_mono_float(samples)


class WebRTCAudioSource:
    """AudioSource over a remote aiortc audio track; ``chunks()`` ends when the track ends.

    Chunks are ``chunk_seconds`` long (20 ms by default, what the VAD expects) and their
    ``start`` counts samples from the first frame received. When the sender's timestamps jump
    forward (lost packets that the jitter buffer skipped), the gap is filled with silence up to
    ``max_gap_seconds`` so media time stays aligned with the caller's.

    With ``now`` (the conversation clock), media time starts at the clock's reading when the
    first frame arrives instead of at 0, so the turn-taking stage, which waits on the clock for
    silence after ``speech_end`` (media time), measures real silence: counted from 0, every
    audio time would lag the clock by however long the first frame took to arrive (0.1-0.2 s),
    and pauses would look that much longer.
    """

    def __init__(
        self,
        track: MediaStreamTrack,
        chunk_seconds: float = 0.02,
        max_gap_seconds: float = 1.0,
        now: Callable[[], float] | None = None,
    ) -> None:
        if track.kind != "audio":
            raise ValueError(f"WebRTCAudioSource needs an audio track, got {track.kind!r}")
        self.track = track
        self.sample_rate = SPEECH_RATE
        self.chunk_samples = int(SPEECH_RATE * chunk_seconds)
        self.max_gap_seconds = max_gap_seconds
        #: Seconds of silence inserted for gaps in the sender's timestamps.
        self.gap_seconds = 0.0
        self._resampler: StreamResampler | None = None
        self._next_pts: int | None = None
        self._now = now
        #: Media time of the first sample (the clock's reading at the first frame, or 0).
        self.origin = 0.0
        #: ``time.monotonic()`` of the last frame received (None before the first): browsers
        #: send frames even when muted, so a long silence on the wire means the peer is gone.
        self.last_frame_at: float | None = None

    async def chunks(self) -> AsyncIterator[AudioChunk]:
        pending = np.zeros(0, dtype=np.float32)
        emitted = 0
        while True:
            try:
                frame = await self.track.recv()
            except MediaStreamError:
                break
            if not isinstance(frame, av.AudioFrame):
                continue  # an encoded packet would mean a misconfigured receiver; skip it
            if self.last_frame_at is None and self._now is not None:
                # The frame's audio was captured a frame's duration before it arrived.
                self.origin = max(0.0, self._now() - frame.samples / frame.sample_rate)
            self.last_frame_at = time.monotonic()
            pending = np.concatenate([pending, self._convert(frame)])
            n = self.chunk_samples
            while len(pending) >= n:
                yield AudioChunk(pending[:n], SPEECH_RATE, self.origin + emitted / SPEECH_RATE)
                pending = pending[n:]
                emitted += n
        if self._resampler is not None:
            pending = np.concatenate([pending, self._resampler.push(np.zeros(0), last=True)])
        if len(pending):
            # The last partial chunk is padded: downstream stages expect whole chunks.
            padded = np.zeros(self.chunk_samples, dtype=np.float32)
            padded[: len(pending)] = pending[: self.chunk_samples]
            yield AudioChunk(padded, SPEECH_RATE, self.origin + emitted / SPEECH_RATE)

    def _convert(self, frame: av.AudioFrame) -> np.ndarray:
        rate = frame.sample_rate
        if self._resampler is None or self._resampler.rate_in != rate:
            # A rate change mid-call is unusual (codec renegotiation); restart the filter.
            self._resampler = StreamResampler(rate, SPEECH_RATE)
            self._next_pts = None
        mono = _frame_to_mono(frame)
        gap = self._gap_samples(frame, rate)
        if gap:
            mono = np.concatenate([np.zeros(gap, dtype=np.float32), mono])
        return self._resampler.push(mono)

    def _gap_samples(self, frame: av.AudioFrame, rate: int) -> int:
        """Samples missing before ``frame`` according to its pts (0 when in order or unknown)."""
        if frame.pts is None or frame.time_base is None:
            return 0
        pts_per_sample = Fraction(1, rate) / Fraction(
            frame.time_base.numerator, frame.time_base.denominator
        )
        expected, self._next_pts = self._next_pts, frame.pts + round(frame.samples * pts_per_sample)
        if expected is None:
            return 0
        delta = (frame.pts - expected) % _RTP_WRAP
        if delta == 0 or delta > _RTP_WRAP // 2:
            return 0  # in order, or a late/duplicate frame: nothing to fill
        gap = round(delta / pts_per_sample)
        if gap > self.max_gap_seconds * rate:
            return 0  # a jump this large is a stream reset, not loss: do not invent silence
        self.gap_seconds += gap / rate
        return gap


class _SampleQueue:
    """FIFO of float32 samples kept as a deque of arrays (no quadratic re-concatenation)."""

    def __init__(self) -> None:
        self._parts: deque[np.ndarray] = deque()
        self.size = 0

    def push(self, samples: np.ndarray) -> None:
        if len(samples):
            self._parts.append(samples)
            self.size += len(samples)

    def pop(self, n: int) -> np.ndarray:
        out: list[np.ndarray] = []
        need = min(n, self.size)
        while need:
            head = self._parts[0]
            if len(head) <= need:
                out.append(self._parts.popleft())
                need -= len(head)
            else:
                out.append(head[:need])
                self._parts[0] = head[need:]
                need = 0
        taken = np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
        self.size -= len(taken)
        return taken

    def clear(self) -> None:
        self._parts.clear()
        self.size = 0


class AgentAudioTrack(MediaStreamTrack):
    """The agent's voice: an ``AudioSink`` for the playout and an aiortc audio track.

    ``write`` takes frames at any rate and queues them at 48 kHz mono; frames already at
    ``sample_rate`` (what the playout sends) pass straight through, while other rates go through
    a stream resampler that releases its output in bursts of a few frames, adding that latency.
    ``recv`` hands aiortc one 20 ms s16 frame per 20 ms of real time with contiguous pts; when
    nothing is queued it sends silence rather than waiting, because RTP audio must keep flowing
    at the packet rate.

    A talkspurt starts only once ``prebuffer_seconds`` beyond a whole frame is queued (or the
    writer has gone quiet), so a writer whose 20 ms ticks drift against ours does not leave a
    silent hole mid-sentence. The queue holds at most ``max_buffer_seconds``; past that the oldest
    audio is dropped (counted in ``dropped_seconds``), since late speech is worse than lost.
    """

    kind = "audio"

    def __init__(self, max_buffer_seconds: float = 5.0, prebuffer_seconds: float = 0.02) -> None:
        super().__init__()
        #: What the playout should resample to; at 48 kHz ``write`` does no work of its own.
        self.sample_rate = RTC_AUDIO_RATE
        self.max_buffer_samples = int(max_buffer_seconds * RTC_AUDIO_RATE)
        self.prebuffer_samples = int(prebuffer_seconds * RTC_AUDIO_RATE)
        self.prebuffer_seconds = prebuffer_seconds
        self.dropped_seconds = 0.0
        self._queue = _SampleQueue()
        self._resampler: StreamResampler | None = None
        self._underrun = True
        self._last_write = -float("inf")
        self._start: float | None = None
        self._pts = 0
        #: Times the sender fell more than ``MAX_LATE_SECONDS`` behind and the schedule restarted
        #: (what a busy event loop costs the caller: a gap in the agent's voice), and their total.
        self.stalls = 0
        self.stalled_seconds = 0.0

    def health(self) -> str:
        return f"agent audio stalled {self.stalls} times ({self.stalled_seconds:.2f} s)"

    @property
    def buffered_seconds(self) -> float:
        return self._queue.size / RTC_AUDIO_RATE

    # --- AudioSink ---------------------------------------------------------------------------

    def write(self, frame: AudioChunk) -> None:
        """Queue one frame of agent audio (any rate, mono or (n, channels)). Non-blocking."""
        if self.readyState != "live":
            return
        if self._resampler is None or self._resampler.rate_in != frame.sample_rate:
            # A stream resampler keeps filter state across frames: no clicks at frame edges.
            self._resampler = StreamResampler(frame.sample_rate, RTC_AUDIO_RATE)
        self._queue.push(self._resampler.push(to_mono_float(frame.samples)))
        self._last_write = time.monotonic()
        excess = self._queue.size - self.max_buffer_samples
        if excess > 0:
            self._queue.pop(excess)
            self.dropped_seconds += excess / RTC_AUDIO_RATE

    def clear(self) -> None:
        """Drop everything queued (a barge-in): the next frame sent is silence."""
        self._queue.clear()
        # The resampler's filter holds the tail of the cut speech; start it afresh.
        self._resampler = None
        self._underrun = True

    # --- MediaStreamTrack --------------------------------------------------------------------

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._start is None:
            self._start = now
        else:
            self._pts += AUDIO_FRAME_SAMPLES
            wait = self._start + self._pts / RTC_AUDIO_RATE - now
            if wait < -MAX_LATE_SECONDS:
                # The sender stalled (a busy loop); resume the schedule from now without a burst.
                self._start = now - self._pts / RTC_AUDIO_RATE
                self.stalls += 1
                self.stalled_seconds -= wait
            elif wait > 0:
                await asyncio.sleep(wait)
        samples = self._take(time.monotonic())
        pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RTC_AUDIO_RATE
        frame.pts = self._pts
        frame.time_base = AUDIO_TIME_BASE
        return frame

    def _take(self, now: float) -> np.ndarray:
        """The next 20 ms to send: queued audio, padded with silence where there is none."""
        n = AUDIO_FRAME_SAMPLES
        if self._resampler is not None and now - self._last_write >= FLUSH_AFTER_SECONDS:
            # soxr holds back up to a few frames of output; without this flush the end of a
            # sentence written at another rate would wait for the next reply.
            self._queue.push(self._resampler.push(np.zeros(0, dtype=np.float32), last=True))
            self._resampler = None
        available = self._queue.size
        if self._underrun:
            writer_quiet = now - self._last_write >= self.prebuffer_seconds
            if available >= n + self.prebuffer_samples or (available and writer_quiet):
                self._underrun = False
            else:
                return np.zeros(n, dtype=np.float32)
        out = self._queue.pop(n)
        if len(out) < n:
            self._underrun = True  # ran dry: wait for a fresh prebuffer before speaking again
            out = np.concatenate([out, np.zeros(n - len(out), dtype=np.float32)])
        return out

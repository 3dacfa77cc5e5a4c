"""The caller's camera over WebRTC, as the ``VideoFrame``s perception reads.

Frames are converted to RGB only when they will be analysed: the source decimates to ``fps``
before the (costly) YUV-to-RGB conversion, and stamps each frame with the conversation clock's
reading on arrival (what the person did a path delay ago, tens of milliseconds)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from visavis.runtime.media import VideoFrame


class WebRTCVideoSource:
    def __init__(
        self, track: MediaStreamTrack, now: Callable[[], float], fps: float = 10.0
    ) -> None:
        if track.kind != "video":
            raise ValueError(f"WebRTCVideoSource needs a video track, got {track.kind!r}")
        self.track = track
        self.now = now
        self.interval = 1.0 / fps
        self.received = 0
        self.converted = 0

    async def frames(self) -> AsyncIterator[VideoFrame]:
        next_at = float("-inf")
        while True:
            try:
                frame = await self.track.recv()
            except MediaStreamError:
                return  # the camera was turned off or the peer left
            self.received += 1
            t = self.now()
            if t < next_at or not isinstance(frame, av.VideoFrame):
                continue
            next_at = t + self.interval
            self.converted += 1
            yield VideoFrame(image=frame.to_ndarray(format="rgb24"), t=t)

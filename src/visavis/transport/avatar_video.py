"""The agent's face as a WebRTC video track: the animated avatar at a fixed frame rate.

Frames are drawn off the event loop, driven by the conversation's timeline events, so drawing
never stalls the loop (and with it the audio): in a child process by default
(``face/render_process.py``), on the track's own thread otherwise. The animator is the only
state shared with the loop, guarded by a lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from visavis.face import DEFAULT_AVATAR, Animator, Renderer, make_renderer
from visavis.face.render_process import RenderProcess, RenderProcessError, to_i420
from visavis.runtime.events import BaseEvent

log = logging.getLogger(__name__)

#: RTP video timestamps tick at 90 kHz whatever the frame rate.
VIDEO_CLOCK_RATE = 90000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)
#: A frame up to this many frame intervals late is still sent (one slow encode should not cost
#: a frame: receivers buffer more than that); later than that, the track skips to real time.
MAX_LATE_FRAMES = 2


class AvatarVideoTrack(MediaStreamTrack):
    """The agent's face as an aiortc video track, ``fps`` frames a second, ``size`` square.

    Subscribe ``on_event`` to the conversation's timeline; each frame shows
    ``animator.params_at(now())`` with ``now`` the conversation clock, so lips follow the
    playout's ``SentencePlayback`` stamps. Drawing (about 6 ms a frame) runs in a child process
    (``face/render_process.py``; ``render_process=False`` draws on the track's own thread, as it
    also does if the child fails), driven from a dedicated thread, one frame ahead of the one
    being sent. A frame a little late (up to ``MAX_LATE_FRAMES`` intervals) is still drawn for
    its own time and sent; when the track falls further behind, frames are skipped and pts jump
    so the far side keeps real time.
    """

    kind = "video"

    def __init__(
        self,
        now: Callable[[], float],
        avatar: str = DEFAULT_AVATAR,
        size: int = 512,
        fps: int = 25,
        seed: int = 0,
        animator: Animator | None = None,
        render_process: bool = True,
    ) -> None:
        super().__init__()
        self.now = now
        self.avatar = avatar
        self.size = size - size % 2  # VP8 and H.264 encode yuv420p, which needs even sides
        self.fps = fps
        self.animator = animator or Animator(seed=seed)
        self.frames_sent = 0
        self.frames_skipped = 0
        # on_event runs on the loop and params_at on the render thread; the Animator is not
        # thread-safe, so both go through this lock (held for well under a millisecond).
        self._lock = threading.Lock()
        # One thread: the renderer is stateful and params_at wants increasing times in order.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="avatar-render")
        #: Draw in a child process (``face/render_process.py``): off this process's GIL.
        self.render_process = render_process
        self._process: RenderProcess | None = None
        self._renderer: Renderer | None = None
        self._start: float | None = None
        self._index = 0
        self._pending: tuple[int, asyncio.Future[av.VideoFrame]] | None = None

    def health(self) -> str:
        return f"avatar frames sent {self.frames_sent}, skipped {self.frames_skipped}"

    def on_event(self, event: BaseEvent) -> None:
        """Timeline subscriber: feed one event (in timeline order) to the animator."""
        with self._lock:
            self.animator.on_event(event)

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._start is None:
            self._start = now
        else:
            self._index += 1
        due = self._start + self._index / self.fps
        if now - due > MAX_LATE_FRAMES / self.fps:
            skip = int((now - due) * self.fps)
            self._index += skip
            self.frames_skipped += skip
            due += skip / self.fps
        # The face as it is at the frame's own time: a frame sent a little late still matches
        # its timestamp (and so the voice), and the receiver's jitter buffer absorbs the delay.
        t = self.now() + (due - now)
        frame = await self._frame(self._index, t)
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        frame.pts = self._index * VIDEO_CLOCK_RATE // self.fps
        frame.time_base = VIDEO_TIME_BASE
        self.frames_sent += 1
        # Draw the next frame now, while this one is encoded and sent: a draw slowed by a busy
        # machine then costs its slack, not the frame's deadline.
        self._prefetch(self._index + 1, t + 1.0 / self.fps)
        return frame

    async def _frame(self, index: int, t: float) -> av.VideoFrame:
        """Frame ``index`` (drawn for ``t``): the one drawn ahead if it is that one, else now."""
        pending, self._pending = self._pending, None
        try:
            if pending is not None and pending[0] == index:
                return await pending[1]
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._draw, t)
        except RuntimeError as exc:  # the executor was shut down by stop() meanwhile
            raise MediaStreamError from exc

    def _prefetch(self, index: int, t: float) -> None:
        try:
            future = asyncio.get_running_loop().run_in_executor(self._executor, self._draw, t)
        except RuntimeError:
            return  # stopped meanwhile
        # A frame drawn ahead and never sent (a skip, a stop) must not warn as unretrieved.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending = (index, future)

    def _draw(self, t: float) -> av.VideoFrame:
        with self._lock:
            params = self.animator.params_at(t)
        if self.render_process:
            try:
                if self._process is None:
                    # Started on the render thread: a first call waits for the fork server.
                    self._process = RenderProcess(self.avatar, self.size)
                return av.VideoFrame.from_ndarray(self._process.i420(params), format="yuv420p")
            except RenderProcessError as exc:
                log.warning("avatar render process failed (%s): drawing in-process", exc)
                self._close_process()
                self.render_process = False
        if self._renderer is None:
            # Built on the render thread: loading an avatar must not block the event loop.
            self._renderer = make_renderer(self.avatar, self.size)
        # The rgb -> yuv420p step (the encoder's input) here too, off the loop.
        return av.VideoFrame.from_ndarray(to_i420(self._renderer.render(params)), format="yuv420p")

    def _close_process(self) -> None:
        if self._process is not None:
            self._process.close()
            self._process = None

    def stop(self) -> None:
        super().stop()
        with contextlib.suppress(RuntimeError):  # RuntimeError: stopped already
            # After the frame being drawn, if any: the render thread owns the process's pipe.
            self._executor.submit(self._close_process)
        self._executor.shutdown(wait=False, cancel_futures=False)

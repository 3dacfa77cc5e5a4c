"""Drawing a live call's avatar in a child process, so its frames do not hold the server's GIL.

A frame of the vector avatar is ~6 ms of Python and skia calls that keep the GIL, 25 times a
second: one call spends ~15% of the interpreter on its face, and with two calls in one server
process the event loop (RTP audio every 20 ms) and the other call's renderer queue behind it until
the agent's voice stutters (``bench/load.py``). In a child process the drawing runs beside the
loop on the second core; the server only sends the frame's parameters (14 floats) and reads the
finished I420 frame back (the bytes VP8 encodes), ~0.2 ms of its own time per frame.

The child is forked from multiprocessing's fork server (started once, with the renderer's
modules preloaded, so a call's child is ready in tens of milliseconds); it exits when the server
closes its pipe, or dies with it. ``RenderProcessError`` covers every way it can fail; the
caller then draws in-process (``AvatarVideoTrack`` does, with a warning).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
from dataclasses import fields
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from typing import Any

import numpy as np

from .params import FaceParams

log = logging.getLogger(__name__)

#: Modules the fork server imports once, so each call's child starts without importing them.
PRELOAD = ["visavis.face.render_process", "visavis.face.vector", "visavis.face.avatar", "cv2"]
#: The longest status or error message the child sends (frames go through shared memory).
REPLY_LIMIT = 1024
#: FaceParams' fields in order: what travels to the child for a frame.
_FIELDS = tuple(f.name for f in fields(FaceParams))
_context_lock = threading.Lock()
_context: Any = None


class RenderProcessError(RuntimeError):
    """The render process could not start, answered with an error, or went away."""


def i420_size(size: int) -> int:
    """Bytes of one size x size frame in I420 (yuv420p): a full Y plane and two quarter planes."""
    return size * size * 3 // 2


def to_i420(rgb: np.ndarray) -> np.ndarray:
    """An (h, w, 3) RGB frame as I420, shape (h * 3 / 2, w): BT.601 limited range, as libav's
    rgb24 -> yuv420p conversion, at a tenth of its cost."""
    import cv2

    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)


def _mp_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            # forkserver, not fork: the server has threads (forking them is unsafe) and spawn
            # would import skia and numpy again for every call.
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(PRELOAD)
        return _context


def warm() -> None:
    """Start the fork server now (a second or so, importing the renderer once) rather than at
    the first call. Never raises: a fork server that cannot start shows at the first call,
    which then draws in-process."""
    from multiprocessing import forkserver

    try:
        _mp_context()
        forkserver.ensure_running()
    except Exception as exc:
        log.warning("the avatar render processes' fork server did not start: %s", exc)


class RenderProcess:
    """One avatar drawn in a child process: ``i420(params)`` returns the frame.

    Not thread-safe: one caller at a time (the video track's render thread).
    """

    def __init__(self, avatar: str, size: int, timeout: float = 10.0) -> None:
        self.size = size
        self.timeout = timeout
        ctx = _mp_context()
        # The frame travels in shared memory; the pipe carries the parameters and a short reply.
        self._shm: SharedMemory | None = None
        try:
            self._shm = SharedMemory(create=True, size=i420_size(size))
        except OSError as exc:  # no /dev/shm in a locked-down container
            raise RenderProcessError(f"no shared memory for frames: {exc}") from exc
        self._frame = np.ndarray((size * 3 // 2, size), dtype=np.uint8, buffer=self._shm.buf)
        self._reply = bytearray(REPLY_LIMIT)
        self._conn, child = ctx.Pipe(duplex=True)
        self._process = ctx.Process(
            target=_serve,
            args=(child, self._shm.name, avatar, size),
            name="visavis-avatar",
            daemon=True,
        )
        try:
            self._process.start()
        except Exception as exc:  # a fork server that cannot start, no fds or memory left
            self.close()
            raise RenderProcessError(f"could not start the render process: {exc}") from exc
        finally:
            child.close()
        try:
            ready = self._receive()
        except RenderProcessError:
            self.close()
            raise
        if ready != "ready":
            self.close()
            raise RenderProcessError(ready)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def i420(self, params: FaceParams) -> np.ndarray:
        """The frame for ``params`` as I420 (a view of a buffer the next call reuses)."""
        try:
            self._conn.send([getattr(params, name) for name in _FIELDS])
        except (OSError, ValueError) as exc:
            raise RenderProcessError(f"the render process went away: {exc}") from exc
        reply = self._receive()
        if reply:
            raise RenderProcessError(reply)
        return self._frame

    def _receive(self) -> str:
        """The child's next reply: "" for a frame drawn, else a status or an error."""
        try:
            if not self._conn.poll(self.timeout):
                raise RenderProcessError(f"no answer from the render process in {self.timeout} s")
            n = self._conn.recv_bytes_into(self._reply)
        except multiprocessing.BufferTooShort as exc:
            raise RenderProcessError("the render process sent an oversized reply") from exc
        except (EOFError, OSError) as exc:
            raise RenderProcessError("the render process went away") from exc
        return bytes(self._reply[:n]).decode(errors="replace")

    def close(self) -> None:
        """Stop the child (politely, then by force) and release the pipe and the frame memory;
        idempotent."""
        if not self._conn.closed:
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(None)
            self._conn.close()
        if self._process.pid is not None:
            self._process.join(1.0)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(1.0)
        if self._shm is not None:
            del self._frame
            self._shm.close()
            self._shm.unlink()
            self._shm = None


def _serve(conn: Connection, shm_name: str, avatar: str, size: int) -> None:
    """The child: draw each parameter tuple received until ``None`` or the parent goes away."""
    import cv2

    shm = SharedMemory(name=shm_name)
    frame = np.ndarray((size * 3 // 2, size), dtype=np.uint8, buffer=shm.buf)
    try:
        from .render import make_renderer

        renderer = make_renderer(avatar, size)
        conn.send_bytes(b"ready")
    except Exception as exc:  # an avatar that will not load: tell the parent, then stop
        conn.send_bytes(_reply(f"the avatar {avatar!r} could not be loaded: {exc}"))
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe or died
        if message is None:
            return
        try:
            cv2.cvtColor(renderer.render(FaceParams(*message)), cv2.COLOR_RGB2YUV_I420, frame)
            conn.send_bytes(b"")
        except (EOFError, OSError):
            return
        except Exception as exc:  # a bad parameter tuple: answer, keep serving
            conn.send_bytes(_reply(f"render failed: {exc!r}"))


def _reply(text: str) -> bytes:
    return text.encode()[:REPLY_LIMIT]

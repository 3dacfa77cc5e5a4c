"""Whole-call video: render a call's timeline to frames and mux them with its audio into MP4.

H.264 (yuv420p, constrained to what browsers play) plus AAC. Rendering runs on a worker thread
feeding the encoder through a small queue, so frames are drawn while the previous ones encode
(x264 releases the GIL), and the caller's event loop is never blocked if it calls this from a
thread.
"""

from __future__ import annotations

import math
import queue
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile as sf

from visavis.runtime.events import BaseEvent

from .animator import Animator
from .avatar import DEFAULT_AVATAR
from .lipsync import Envelope
from .params import FaceParams, preset
from .render import make_renderer

AUDIO_RATE = 48000  # AAC at 48 kHz is what every browser decodes without fuss


@dataclass(frozen=True)
class VideoStats:
    duration: float  # seconds of video
    frames: int
    seconds: float  # wall time taken
    mouth: list[float]  # per-frame jaw opening, for lip-sync offset measurements


def _agent_envelope(audio: np.ndarray, rate: int) -> Envelope:
    agent = (
        audio[:, 1]
        if audio.ndim == 2 and audio.shape[1] > 1
        else audio.reshape(len(audio), -1)[:, 0]
    )
    return Envelope(agent, rate)


def write_call_video(
    events: list[BaseEvent],
    audio_path: Path,
    out_path: Path,
    avatar: str = DEFAULT_AVATAR,
    size: int = 512,
    fps: int = 25,
    seed: int = 0,
) -> VideoStats:
    """Render the call in ``events`` at ``fps`` and mux it with ``audio_path`` into ``out_path``.

    ``audio_path`` is the call recording (stereo: patient, agent) or the agent alone; the whole
    mix goes into the video so the listener hears both sides. The agent channel also feeds the
    loudness fallback for sentences that came without phoneme timings.
    """
    started = time.perf_counter()
    audio, rate = sf.read(str(audio_path), dtype="float32", always_2d=True)
    duration = len(audio) / rate
    animator = Animator(seed=seed, envelope=_agent_envelope(audio, rate))
    for event in sorted(events, key=lambda e: (e.t, e.seq)):
        animator.on_event(event)
    n_frames = max(1, math.ceil(duration * fps - 1e-6))
    size -= size % 2  # yuv420p needs even dimensions

    out_path.parent.mkdir(parents=True, exist_ok=True)
    mouth: list[float] = []
    with av.open(str(out_path), mode="w") as container:
        vstream = container.add_stream("libx264", rate=fps)
        vstream.width = vstream.height = size
        vstream.pix_fmt = "yuv420p"
        vstream.options = {"crf": "20", "preset": "veryfast", "profile": "high"}
        layout = "stereo" if audio.shape[1] > 1 else "mono"
        astream = container.add_stream("aac", rate=AUDIO_RATE, layout=layout)
        frames: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=8)

        def produce() -> None:
            renderer = make_renderer(avatar, size)
            try:
                for i in range(n_frames):
                    # A frame is on screen from i/fps to (i+1)/fps: show the face at its middle,
                    # which halves the average time error against the audio.
                    params = animator.params_at((i + 0.5) / fps)
                    mouth.append(params.jaw_open)
                    frames.put(renderer.render(params).copy())
            finally:
                frames.put(None)

        worker = threading.Thread(target=produce, name="face-render", daemon=True)
        worker.start()
        index = 0
        while (rgb := frames.get()) is not None:
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            container.mux(vstream.encode(frame))
            index += 1
        worker.join()
        container.mux(vstream.encode())
        _encode_audio(container, astream, audio, rate, layout)
    return VideoStats(
        duration=n_frames / fps,
        frames=n_frames,
        seconds=time.perf_counter() - started,
        mouth=mouth,
    )


def _encode_audio(container, stream, audio: np.ndarray, rate: int, layout: str) -> None:
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=AUDIO_RATE)
    block = rate  # one second at a time keeps memory flat for long calls
    for i in range(0, len(audio), block):
        chunk = np.ascontiguousarray(audio[i : i + block].T)  # planar: (channels, samples)
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = i
        frame.time_base = Fraction(1, rate)
        for out in resampler.resample(frame):
            container.mux(stream.encode(out))
    for out in resampler.resample(None):
        container.mux(stream.encode(out))
    container.mux(stream.encode())


def write_png(path: Path, rgb: np.ndarray) -> None:
    """A minimal PNG writer (zlib only), so stills need no imaging library."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png + chunk(b"IEND", b""))


def snapshot(
    avatar: str = DEFAULT_AVATAR,
    params: FaceParams | str = "neutral_listening",
    size: int = 512,
    out_png: Path = Path("avatar.png"),
) -> Path:
    """Render one still of ``avatar`` with ``params`` (or a preset name) to a PNG file."""
    face = preset(params) if isinstance(params, str) else params
    write_png(out_png, make_renderer(avatar, size).render(face))
    return out_png

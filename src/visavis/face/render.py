"""The renderer interface and the factory that picks an implementation by name.

Later renderers (a warped portrait photo, a neural head) implement the same ``Renderer`` protocol,
so the animator and the video writer never learn which one is drawing.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from .params import FaceParams


@runtime_checkable
class Renderer(Protocol):
    """Draws one frame of the avatar for a parameter vector."""

    size: int

    def render(self, params: FaceParams) -> np.ndarray:
        """An (size, size, 3) uint8 RGB frame; the array may be reused by the next call."""
        ...


def make_renderer(avatar: str = "ava", size: int = 512, kind: str = "vector") -> Renderer:
    """A renderer for a built-in avatar name (or avatar file path)."""
    if kind != "vector":
        raise ValueError(f"unknown renderer {kind!r}; available: vector")
    from .avatar import load_avatar
    from .vector import VectorRenderer

    return VectorRenderer(load_avatar(avatar), size=size)

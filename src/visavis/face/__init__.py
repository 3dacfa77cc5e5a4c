"""The face stage: avatar models, the animator (visemes, blinks, gaze, nods, expression) and
renderers, plus whole-call video output."""

from .animator import Animator
from .avatar import DEFAULT_AVATAR, Avatar, AvatarError, list_avatars, load_avatar
from .lipsync import Envelope, LipSync
from .measure import lipsync_offset_ms
from .params import PRESETS, FaceParams, preset
from .render import Renderer, make_renderer
from .video import VideoStats, snapshot, write_call_video

__all__ = [
    "DEFAULT_AVATAR",
    "PRESETS",
    "Animator",
    "Avatar",
    "AvatarError",
    "Envelope",
    "FaceParams",
    "LipSync",
    "Renderer",
    "VideoStats",
    "lipsync_offset_ms",
    "list_avatars",
    "load_avatar",
    "make_renderer",
    "preset",
    "snapshot",
    "write_call_video",
]

"""Frame quality: input normalisation, brightness, sensor noise and blur estimates.

These decide how far the face cues can be trusted (``VisualObservation.issues``); they are cheap
(well under a millisecond at 640x480) because they run on every frame.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Frames wider than this are downscaled before anything else: detection runs at 128 px anyway,
#: and the mesh crops lose nothing for faces at call distance.
WORK_WIDTH = 640
#: Mean luma (0..1) below which a frame is "dark".
DARK_LUMA = 0.15
#: Noise standard deviation (0..1 scale) above which a frame is "noisy" (~8 grey levels).
NOISY_SIGMA = 0.03
#: Face sharpness (Laplacian energy over contrast, on the 64x64 face) below which it is "blurred".
BLUR_SHARPNESS = 0.12

_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def as_rgb8(frame: object) -> np.ndarray:
    """Any reasonable image array as contiguous RGB uint8 (H x W x 3).

    Accepts grey (H x W or H x W x 1), RGB, RGBA; uint8, other integer types, bool and floats
    (0..1 when the maximum is at most 1, else 0..255); NaN and infinities become 0. Raises
    ``ValueError`` only for input that is not an image at all: not numeric, not 2- or
    3-dimensional, a channel count other than 1, 3 or 4, or no pixels.
    """
    try:
        arr = np.asarray(frame)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(
            f"expected an image array (H x W x 3 RGB), got {type(frame).__name__}"
        ) from exc
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"expected a numeric image array, got dtype {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ValueError(
            f"expected an image of shape H x W, H x W x 3 or H x W x 4, got shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"expected an image with pixels, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = _to_uint8(arr)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    elif arr.shape[2] == 4:
        arr = arr[:, :, :3]
    return np.ascontiguousarray(arr)


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "b":
        return arr.astype(np.uint8) * 255
    if arr.dtype.kind == "f":
        arr = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
        top = float(arr.max()) if arr.size else 0.0
        scale = 255.0 if top <= 1.0 else 1.0
        return np.clip(arr * scale, 0, 255).astype(np.uint8)
    if arr.dtype.itemsize > 1 and int(arr.max()) > 255:  # 16-bit sensors and the like
        return (np.clip(arr, 0, None) >> (8 * (arr.dtype.itemsize - 1))).astype(np.uint8)
    return np.clip(arr, 0, 255).astype(np.uint8)


def working_frame(rgb: np.ndarray) -> np.ndarray:
    """The frame at most ``WORK_WIDTH`` wide (aspect kept); the analysis runs on this."""
    h, w = rgb.shape[:2]
    if w <= WORK_WIDTH:
        return rgb
    nh = max(1, round(h * WORK_WIDTH / w))
    return cv2.resize(rgb, (WORK_WIDTH, nh), interpolation=cv2.INTER_AREA)


def luma(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def brightness(gray: np.ndarray) -> float:
    """Mean luma, 0..1."""
    return float(gray.mean()) / 255.0


def noise_sigma(gray: np.ndarray) -> float:
    """Sensor-noise standard deviation (0..1 scale), after Immerkaer (1996), made robust.

    The 3x3 kernel cancels smooth image structure and leaves noise with 6x its deviation; the
    median of the absolute response ignores the sparse edges that a mean would count as noise.
    """
    if min(gray.shape) < 3:
        return 0.0
    response = cv2.filter2D(gray.astype(np.float32), -1, _NOISE_KERNEL)[1:-1, 1:-1]
    # A quarter of the responses gives the same median at a quarter of the cost.
    return float(np.median(np.abs(response[::2, ::2]))) / (0.6745 * 6.0) / 255.0


def sharpness(gray: np.ndarray) -> float:
    """Laplacian energy over contrast: independent of exposure, low for blurred detail."""
    g = gray.astype(np.float32)
    contrast = float(g.std())
    if contrast < 1.0:
        return 0.0
    return float(np.abs(cv2.Laplacian(g, cv2.CV_32F)).mean()) / contrast

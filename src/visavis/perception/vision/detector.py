"""Face detection: BlazeFace short range (MediaPipe's model, our own decoding) and a Haar fallback.

BlazeFace is an SSD: 896 fixed anchors over a 128x128 letterboxed input, each regressing a box
and six keypoints (eyes, nose tip, mouth centre, ear tragions) relative to its anchor. MediaPipe's
graph does the anchor generation, decoding and non-maximum suppression in C++ calculators; we do
the same steps here with the constants of its short-range graph
(``face_detection_short_range.pbtxt``) so the bare ``.tflite`` runs in ai-edge-litert without
mediapipe.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from visavis.perception.vision.tflite import MEDIAPIPE_ENTRY, TfliteModel, model_path

INPUT_SIZE = 128
#: SsdAnchorsCalculator options of the short-range graph.
_STRIDES = (8, 16, 16, 16)
_MIN_SCALE, _MAX_SCALE = 0.1484375, 0.75
#: Raw logits are clipped before the sigmoid (TensorsToDetectionsCalculator's score clipping).
_SCORE_CLIP = 100.0
#: Keypoint order in the model's output.
KEYPOINTS = ("right_eye", "left_eye", "nose_tip", "mouth", "right_ear", "left_ear")


@dataclass(frozen=True)
class Detection:
    """One face in frame pixels: box corner and size, keypoints (6x2, or None for Haar), score."""

    x: float
    y: float
    w: float
    h: float
    score: float
    keypoints: np.ndarray | None = None

    @property
    def area(self) -> float:
        return self.w * self.h


def ssd_anchors(input_size: int = INPUT_SIZE) -> np.ndarray:
    """Anchor centres (N x 2, normalised) as MediaPipe's SsdAnchorsCalculator makes them.

    Consecutive layers with the same stride share one feature map; each layer contributes two
    anchors per cell (aspect ratio 1 plus the interpolated scale), and with ``fixed_anchor_size``
    every anchor is 1x1, so only the centres matter: 16x16x2 + 8x8x6 = 896.
    """
    centres: list[np.ndarray] = []
    layer = 0
    while layer < len(_STRIDES):
        per_cell = 0
        last = layer
        while last < len(_STRIDES) and _STRIDES[last] == _STRIDES[layer]:
            per_cell += 2
            last += 1
        cells = int(np.ceil(input_size / _STRIDES[layer]))
        ys, xs = np.meshgrid(np.arange(cells), np.arange(cells), indexing="ij")
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, per_cell, axis=1).reshape(-1, 2))
        layer = last
    return np.concatenate(centres).astype(np.float32)


def _iou(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one (x0, y0, x1, y1) box against many."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou: float = 0.3
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's WEIGHTED suppression: each cluster of overlapping boxes becomes their
    score-weighted mean (steadier than keeping the single best box), scored by its best member."""
    order = np.argsort(-scores)
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    alive = np.ones(len(scores), dtype=bool)
    out = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        overlap = alive & (_iou(boxes[i], boxes) > iou)
        overlap[i] = True
        weights = scores[overlap][:, None]
        box = (boxes[overlap] * weights).sum(0) / weights.sum()
        kps = (keypoints[overlap] * weights[:, :, None]).sum(0) / weights.sum()
        out.append((box, kps, float(scores[i])))
        alive &= ~overlap
    return out


class BlazeFaceDetector:
    """BlazeFace short range: good for faces within ~2 m of the camera (a call's usual case)."""

    def __init__(self, min_score: float = 0.5, iou: float = 0.3) -> None:
        self.model = TfliteModel(model_path(MEDIAPIPE_ENTRY, "face_detection_short_range.tflite"))
        self.anchors = ssd_anchors()
        self.min_score = min_score
        self.iou = iou

    def letterbox(self, rgb: np.ndarray) -> tuple[np.ndarray, float, float, float]:
        """The 128x128 model input (-1..1) with the aspect ratio kept, and how to undo it:
        (tensor, scale, pad_x, pad_y) with frame_px = (input_px - pad) / scale."""
        h, w = rgb.shape[:2]
        scale = INPUT_SIZE / max(h, w)
        nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
        small = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        pad_x, pad_y = (INPUT_SIZE - nw) // 2, (INPUT_SIZE - nh) // 2
        canvas = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), np.float32)
        canvas[pad_y : pad_y + nh, pad_x : pad_x + nw] = small.astype(np.float32) / 127.5 - 1.0
        return canvas, scale, float(pad_x), float(pad_y)

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """Faces in an RGB uint8 frame, in its pixel coordinates, best first."""
        tensor, scale, pad_x, pad_y = self.letterbox(rgb)
        regressors, logits = self.model(tensor[None])
        raw = regressors.reshape(-1, 16)
        logits = np.clip(logits.reshape(-1).astype(np.float64), -_SCORE_CLIP, _SCORE_CLIP)
        scores = 1.0 / (1.0 + np.exp(-logits))
        keep = scores >= self.min_score
        if not keep.any():
            return []
        raw, scores, anchors = raw[keep], scores[keep], self.anchors[keep]
        # Offsets are in input pixels; anchors are 1x1, so divide by the input size only.
        centre = raw[:, 0:2] / INPUT_SIZE + anchors
        size = raw[:, 2:4] / INPUT_SIZE
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
        kps = raw[:, 4:16].reshape(-1, 6, 2) / INPUT_SIZE + anchors[:, None, :]
        found = []
        for box, kp, score in weighted_nms(boxes, kps, scores, self.iou):
            px = (box * INPUT_SIZE - [pad_x, pad_y, pad_x, pad_y]) / scale
            kp_px = (kp * INPUT_SIZE - [pad_x, pad_y]) / scale
            found.append(
                Detection(
                    px[0], px[1], px[2] - px[0], px[3] - px[1], score, kp_px.astype(np.float32)
                )
            )
        return found


class HaarDetector:
    """OpenCV's frontal-face Haar cascade: the light fallback when the tflite path cannot run.

    It finds frontal faces only and gives no keypoints; its score is a rough confidence from the
    number of overlapping raw detections (``neighbors / (neighbors + 5)``), not a probability.
    """

    #: Haar is slow at full size; ~320 px wide keeps it near 10 ms with little loss at call range.
    WORK_WIDTH = 320

    def __init__(self) -> None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        self.cascade = cv2.CascadeClassifier(path)
        if self.cascade.empty():
            raise RuntimeError(f"OpenCV could not load its Haar cascade {path}")

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        h, w = rgb.shape[:2]
        scale = min(1.0, self.WORK_WIDTH / w)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if scale < 1.0:
            gray = cv2.resize(gray, (round(w * scale), round(h * scale)), cv2.INTER_AREA)
        gray = cv2.equalizeHist(gray)
        rects, neighbours = cv2.CascadeClassifier.detectMultiScale2(
            self.cascade, gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24)
        )
        found = [
            Detection(x / scale, y / scale, bw / scale, bh / scale, n / (n + 5.0))
            for (x, y, bw, bh), n in zip(rects, np.ravel(neighbours), strict=True)
        ]
        return sorted(found, key=lambda d: -d.score)

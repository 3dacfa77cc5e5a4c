"""The pieces under the analyzer: anchors, suppression, crops, image normalisation, noise."""

from __future__ import annotations

import numpy as np
import pytest

from visavis.perception.vision import quality
from visavis.perception.vision.crop import RotatedCrop
from visavis.perception.vision.detector import ssd_anchors, weighted_nms


def test_anchors_follow_the_short_range_layout() -> None:
    anchors = ssd_anchors()
    assert anchors.shape == (896, 2)
    # Stride 8: a 16x16 grid, 2 anchors per cell, row-major from the top-left cell's centre.
    assert np.allclose(anchors[0], anchors[1]) and np.allclose(anchors[0], [1 / 32, 1 / 32])
    assert np.allclose(anchors[2], [3 / 32, 1 / 32])
    # Stride 16 (three layers merged): an 8x8 grid, 6 anchors per cell.
    tail = anchors[512:]
    assert np.allclose(tail[:6], [1 / 16, 1 / 16]) and np.allclose(tail[-1], [15 / 16, 15 / 16])
    assert len(np.unique(tail, axis=0)) == 64
    assert ((anchors > 0) & (anchors < 1)).all()


def test_weighted_nms_merges_a_cluster_and_keeps_a_separate_face() -> None:
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.12, 0.1, 0.32, 0.3], [0.6, 0.6, 0.8, 0.8]])
    keypoints = np.zeros((3, 6, 2))
    keypoints[1] += 0.1
    scores = np.array([0.9, 0.6, 0.7])
    merged = weighted_nms(boxes, keypoints, scores, iou=0.3)
    assert len(merged) == 2
    (box, kps, score), (other, _, other_score) = merged
    assert score == pytest.approx(0.9) and other_score == pytest.approx(0.7)
    # The merged box is the score-weighted mean of the cluster, keypoints too.
    assert box[0] == pytest.approx((0.1 * 0.9 + 0.12 * 0.6) / 1.5)
    assert kps[0, 0] == pytest.approx(0.1 * 0.6 / 1.5)
    assert np.allclose(other, boxes[2])


def test_rotated_crop_maps_points_back_to_where_it_cut_them() -> None:
    frame = np.zeros((200, 300, 3), np.uint8)
    frame[120, 170] = 255  # one bright pixel
    crop = RotatedCrop(150.0, 100.0, 80.0, np.radians(25))
    patch = crop.warp(frame, 160)
    v, u = np.unravel_index(np.argmax(patch[:, :, 0]), patch.shape[:2])
    back = crop.to_frame(np.array([[u + 0.5, v + 0.5]], float), 160)[0]
    assert np.hypot(back[0] - 170.5, back[1] - 120.5) < 1.0
    # Depth scales with the crop: 160 crop pixels are 80 frame pixels.
    assert crop.to_frame(np.array([[0.0, 0.0, 10.0]]), 160)[0, 2] == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (np.full((4, 5), 7, np.uint8), 7),
        (np.full((4, 5, 1), 7, np.uint8), 7),
        (np.full((4, 5, 4), 7, np.uint8), 7),
        (np.full((4, 5, 3), 0.5, np.float32), 127),
        (np.full((4, 5, 3), 200.0), 200),
        (np.full((4, 5, 3), 65535, np.uint16), 255),
        (np.full((4, 5, 3), np.nan), 0),
        (np.ones((4, 5), bool), 255),
    ],
)
def test_odd_image_formats_become_rgb_uint8(image: np.ndarray, expected: int) -> None:
    out = quality.as_rgb8(image)
    assert out.shape == (4, 5, 3) and out.dtype == np.uint8 and out.flags.c_contiguous
    assert int(out[0, 0, 0]) == expected


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "frame.png",
        [[1, 2], [3]],
        np.zeros((2, 2, 2, 2)),
        np.zeros((8, 8, 2)),
        np.zeros((0, 4)),
    ],
)
def test_what_is_not_an_image_is_a_clear_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="expected"):
        quality.as_rgb8(bad)


def test_noise_estimate_reads_added_sensor_noise_and_ignores_edges() -> None:
    rng = np.random.default_rng(1)
    # A step edge and a gradient: structure, not noise.
    clean = np.tile(np.linspace(40, 200, 320, dtype=np.float32), (240, 1))
    clean[:, 160:] += 30
    assert quality.noise_sigma(clean.astype(np.uint8)) < 0.005
    noisy = np.clip(clean + rng.normal(0, 0.05 * 255, clean.shape), 0, 255).astype(np.uint8)
    assert quality.noise_sigma(noisy) == pytest.approx(0.05, rel=0.2)

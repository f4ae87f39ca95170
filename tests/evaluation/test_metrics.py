"""Metrics checked against hand-computed cases, so benchmark numbers can be trusted."""

import numpy as np
import pytest

from veil.evaluation.metrics import (
    FP,
    IGNORED,
    TP,
    average_precision,
    match_detections,
    score_detections,
)

GT = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float)
ALL = np.array([True, True])


def test_perfect_detector_scores_one():
    result = score_detections([(GT, np.array([0.9, 0.8]))], [(GT, ALL)], threshold=0.5)
    assert result.ap == pytest.approx(1.0)
    assert result.recall == 1.0 and result.precision == 1.0 and result.fp_per_image == 0


def test_box_shifted_below_iou_half_scores_zero():
    shifted = GT + np.array([6, 0, 6, 0])  # IoU 4/16 = 0.25
    result = score_detections([(shifted, np.array([0.9, 0.8]))], [(GT, ALL)], threshold=0.5)
    assert result.ap == 0.0 and result.recall == 0.0
    assert result.fp_per_image == 2


def test_ignore_regions_are_neither_right_nor_wrong():
    positive = np.array([True, False])  # second face is outside the subset
    labels = match_detections(GT, np.array([0.9, 0.8]), GT, positive)
    assert labels.tolist() == [TP, IGNORED]
    result = score_detections([(GT, np.array([0.9, 0.8]))], [(GT, positive)], threshold=0.5)
    assert result.ap == pytest.approx(1.0) and result.precision == 1.0 and result.positives == 1


def test_duplicate_detection_is_a_false_positive():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 9.5]])
    labels = match_detections(boxes, np.array([0.9, 0.8]), GT[:1], np.array([True]))
    assert labels.tolist() == [TP, FP]


def test_hand_computed_ap_with_a_miss():
    # Ranked: TP, FP, TP of 3 positives -> precision 1, 1/2, 2/3 at recall 1/3, 1/3, 2/3.
    labels = np.array([TP, FP, TP])
    ap = average_precision(labels, np.array([0.9, 0.8, 0.7]), n_positive=3)
    assert ap == pytest.approx(1 / 3 * 1 + 1 / 3 * 2 / 3)


def test_ties_do_not_depend_on_input_order():
    labels = np.array([TP, FP])
    scores = np.array([0.5, 0.5])
    assert average_precision(labels, scores, 1) == average_precision(labels[::-1], scores[::-1], 1)


def test_threshold_sets_recall_and_precision():
    boxes = np.vstack([GT, [[50, 50, 60, 60]]])
    result = score_detections([(boxes, np.array([0.9, 0.3, 0.8]))], [(GT, ALL)], threshold=0.5)
    assert result.recall == 0.5  # the second face scores below the threshold
    assert result.precision == 0.5  # one TP, one FP above it


def test_coverage_counts_only_pixels_under_the_mask():
    from veil.evaluation import covered_fraction, uncovered
    from veil.filters import MaskSpec

    face = np.array([100, 100, 140, 140])
    box_mask = MaskSpec("box", 1.0, 0.0)
    assert covered_fraction(face, face[None], box_mask, 640, 480) == 1.0
    assert covered_fraction(face, np.empty((0, 4)), box_mask, 640, 480) == 0.0
    half = np.array([[100, 100, 120, 140]])
    assert covered_fraction(face, half, box_mask, 640, 480) == pytest.approx(0.5)
    # an ellipse inscribed in the face box leaves its corners: pi/4 of the area
    ellipse = MaskSpec("ellipse", 1.0, 0.0)
    assert covered_fraction(face, face[None], ellipse, 640, 480) == pytest.approx(np.pi / 4, abs=0.03)
    assert uncovered(np.stack([face, face + 300]), face[None], box_mask, 640, 480).tolist() == [False, True]


def test_recall_by_size_buckets_faces_by_their_side():
    from veil.evaluation.metrics import recall_by_size

    truth = np.array([[0, 0, 10, 10], [100, 100, 140, 140], [200, 200, 400, 400]], float)
    found = np.array([[100, 100, 140, 140], [200, 200, 400, 400]], float)
    result = recall_by_size([(found, np.array([0.9, 0.2]))], [(truth, np.ones(3, bool))], threshold=0.5)
    assert result["0-16 px"] == (0.0, 1)
    assert result["32-64 px"] == (1.0, 1)
    assert result[">=128 px"] == (0.0, 1)  # found, but below the threshold


def test_precision_recall_curve_points():
    from veil.evaluation.metrics import FP, TP, precision_recall_curve

    precision, recall, scores = precision_recall_curve(np.array([TP, FP, TP]), np.array([0.9, 0.8, 0.7]), 4)
    assert precision.tolist() == pytest.approx([1.0, 0.5, 2 / 3])
    assert recall.tolist() == pytest.approx([0.25, 0.25, 0.5])
    assert scores.tolist() == pytest.approx([0.9, 0.8, 0.7])

"""Detection metrics: VOC all-point average precision with ignore regions, recall, precision.

Protocol (../shared/data/README.md): a detection is a true positive when its
IoU with a not-yet-matched positive face is at least 0.5 (best IoU first,
detections taken by descending score); a detection that instead overlaps an
*ignore* face by IoU >= 0.5 is dropped; anything else is a false positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veil.faces import box_iou

TP, FP, IGNORED = 1, 0, -1


def match_detections(
    boxes: np.ndarray,
    scores: np.ndarray,
    gt_boxes: np.ndarray,
    positive: np.ndarray,
    iou_threshold: float = 0.5,
) -> np.ndarray:
    """Label each detection of one image TP, FP or IGNORED (same order as ``boxes``)."""
    return matches(boxes, scores, gt_boxes, positive, iou_threshold)[0]


def matches(
    boxes: np.ndarray,
    scores: np.ndarray,
    gt_boxes: np.ndarray,
    positive: np.ndarray,
    iou_threshold: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """`match_detections`'s labels, plus the ground-truth index each TP matched (-1 otherwise)."""
    labels = np.full(len(boxes), FP, np.int8)
    matched = np.full(len(boxes), -1, np.int64)
    if len(boxes) == 0 or len(gt_boxes) == 0:
        return labels, matched
    ious = box_iou(boxes, gt_boxes)
    taken = np.zeros(len(gt_boxes), bool)
    for i in np.argsort(-np.asarray(scores), kind="stable"):
        candidates = np.where(positive & ~taken & (ious[i] >= iou_threshold), ious[i], -1.0)
        best = int(np.argmax(candidates))
        if candidates[best] >= iou_threshold:
            labels[i] = TP
            matched[i] = best
            taken[best] = True
        elif np.any(~positive & (ious[i] >= iou_threshold)):
            labels[i] = IGNORED
    return labels, matched


def average_precision(labels: np.ndarray, scores: np.ndarray, n_positive: int) -> float:
    """VOC all-point AP: area under the precision envelope over recall."""
    keep = labels != IGNORED
    labels, scores = labels[keep], scores[keep]
    if n_positive == 0:
        return float("nan")
    if len(labels) == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    hits = labels[order] == TP
    # One precision/recall point per distinct score: tied detections enter
    # together, so the result does not depend on their input order.
    ends = np.nonzero(np.diff(scores[order], append=-np.inf) != 0)[0]
    tp = np.cumsum(hits)[ends]
    fp = np.cumsum(~hits)[ends]
    recall = np.concatenate([[0.0], tp / n_positive, [tp[-1] / n_positive]])
    precision = np.concatenate([[1.0], tp / np.maximum(tp + fp, 1), [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.nonzero(recall[1:] != recall[:-1])[0]
    return float(np.sum((recall[steps + 1] - recall[steps]) * precision[steps + 1]))


@dataclass
class DetectionScores:
    """Scores of one detector on one subset."""

    ap: float
    recall: float
    precision: float
    fp_per_image: float
    positives: int
    images: int


def score_detections(
    detections: list[tuple[np.ndarray, np.ndarray]],
    ground_truth: list[tuple[np.ndarray, np.ndarray]],
    threshold: float,
    iou_threshold: float = 0.5,
) -> DetectionScores:
    """AP over all detections; recall, precision and FP per image at ``threshold``.

    Args:
        detections: per image, ``(boxes (N, 4) xyxy, scores (N,))``.
        ground_truth: per image, ``(gt_boxes (M, 4) xyxy, positive (M,) bool)``.
    """
    all_labels, all_scores = [], []
    n_positive = 0
    for (boxes, scores), (gt_boxes, positive) in zip(detections, ground_truth, strict=True):
        all_labels.append(match_detections(boxes, scores, gt_boxes, positive, iou_threshold))
        all_scores.append(np.asarray(scores, np.float64))
        n_positive += int(np.sum(positive))
    labels = np.concatenate(all_labels) if all_labels else np.zeros(0, np.int8)
    scores = np.concatenate(all_scores) if all_scores else np.zeros(0)
    above = scores >= threshold
    tp = int(np.sum(above & (labels == TP)))
    fp = int(np.sum(above & (labels == FP)))
    return DetectionScores(
        ap=average_precision(labels, scores, n_positive),
        recall=tp / n_positive if n_positive else float("nan"),
        precision=tp / (tp + fp) if tp + fp else float("nan"),
        fp_per_image=fp / max(1, len(detections)),
        positives=n_positive,
        images=len(detections),
    )


def precision_recall_curve(
    labels: np.ndarray, scores: np.ndarray, n_positive: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and the score threshold at each distinct score (highest first)."""
    keep = labels != IGNORED
    labels, scores = labels[keep], np.asarray(scores, np.float64)[keep]
    if len(labels) == 0 or n_positive == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    order = np.argsort(-scores, kind="stable")
    hits = labels[order] == TP
    ends = np.nonzero(np.diff(scores[order], append=-np.inf) != 0)[0]
    tp = np.cumsum(hits)[ends]
    fp = np.cumsum(~hits)[ends]
    return tp / np.maximum(tp + fp, 1), tp / n_positive, scores[order][ends]


SIZE_BUCKETS = ((0, 16), (16, 32), (32, 64), (64, 128), (128, float("inf")))
"""Face size buckets (square root of the box area, in pixels) for recall by size."""


def recall_by_size(
    detections: list[tuple[np.ndarray, np.ndarray]],
    ground_truth: list[tuple[np.ndarray, np.ndarray]],
    threshold: float,
    iou_threshold: float = 0.5,
) -> dict[str, tuple[float, int]]:
    """Recall at ``threshold`` per face size bucket: ``{"16-32": (recall, faces)}``."""
    found: dict[tuple[float, float], list[int]] = {bucket: [0, 0] for bucket in SIZE_BUCKETS}
    for (boxes, scores), (gt_boxes, positive) in zip(detections, ground_truth, strict=True):
        keep = np.asarray(scores) >= threshold
        gt_boxes = np.asarray(gt_boxes, np.float64).reshape(-1, 4)
        kept = np.asarray(boxes).reshape(-1, 4)[keep]
        _, matched = matches(kept, np.asarray(scores)[keep], gt_boxes, positive, iou_threshold)
        hit = np.zeros(len(gt_boxes), bool)
        hit[matched[matched >= 0]] = True
        sides = np.clip(gt_boxes[:, 2:] - gt_boxes[:, :2], 0, None)
        sizes = np.sqrt(sides[:, 0] * sides[:, 1])
        for low, high in SIZE_BUCKETS:
            inside = positive & (sizes >= low) & (sizes < high)
            found[(low, high)][0] += int(np.sum(hit & inside))
            found[(low, high)][1] += int(np.sum(inside))
    return {
        _bucket_name(low, high): (hit / total if total else float("nan"), total)
        for (low, high), (hit, total) in found.items()
    }


def _bucket_name(low: float, high: float) -> str:
    return f"{low:g}-{high:g} px" if high != float("inf") else f">={low:g} px"

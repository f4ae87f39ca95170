"""`veil eval utility`: is an anonymised face still a face to a detector, and where are its landmarks?

Anonymised faces should stay detectable, so released data keeps its value
for training detectors, and their landmarks should stay where they were.
Each ground-truth face is hidden with the filter (using the
true box, so that only the filter is judged, and the landmarks the detector
found on the clean face), then the same detector runs on the clean and on the
anonymised image:

* **detection rate**: the share of faces found (IoU >= 0.5) before and after,
  and *still detected*: the share of the faces found before that are found after;
* **IoU**: mean IoU of the found box with the true box, before and after;
* **landmark error**: mean distance between the landmarks found on the clean
  face and on its anonymised self, as a fraction of the face size
  (faces found in both, by detectors with landmarks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from veil.detection import Detector
from veil.evaluation.datasets import GroundTruth
from veil.faces import Faces, box_iou
from veil.filters import Filter
from veil.media.images import read_photo


def best_matches(truth: np.ndarray, found: Faces) -> tuple[np.ndarray, np.ndarray]:
    """For each true box: the index of the best-overlapping found face (-1 below IoU 0.5) and its IoU."""
    if len(found) == 0 or len(truth) == 0:
        return np.full(len(truth), -1), np.zeros(len(truth))
    ious = box_iou(truth, found.xyxy)
    best = np.argmax(ious, axis=1)
    value = ious[np.arange(len(truth)), best]
    return np.where(value >= 0.5, best, -1), value


def with_landmarks(truth: np.ndarray, found: Faces, index: np.ndarray) -> Faces:
    """The true boxes, with the landmarks of the detection matched to each (NaN where none).

    Filters that follow landmarks (landmark-blur, face) get what they would
    get in use: the detector's points where it found the face, and their own
    estimate from the box where it did not.
    """
    landmarks = np.full((len(truth), 5, 2), np.nan, np.float32)
    if found.landmarks is not None:
        matched = index >= 0
        landmarks[matched] = found.landmarks[index[matched]]
    return Faces(truth, np.ones(len(truth), np.float32), landmarks)


def evaluate_utility(
    items: list[GroundTruth],
    filters: dict[str, Filter],
    detector: Detector,
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Detection rate, IoU and landmark error before and after each filter."""
    keys = ("before", "after", "iou_before", "iou_after", "landmarks")
    totals: dict[str, dict[str, list[float]]] = {name: {k: [] for k in keys} for name in filters}
    faces_counted = 0
    for item in items:
        image = read_photo(item.image).pixels
        # every face that any subset counts (WIDER: the hard set, which holds easy and medium)
        positive = np.logical_or.reduce([*item.positives.values(), np.zeros(len(item.boxes), bool)])
        truth = item.boxes[positive]
        if not len(truth):
            continue
        faces_counted += len(truth)
        clean = detector.detect(image)
        index_before, iou_before = best_matches(truth, clean)
        targets = with_landmarks(truth, clean, index_before)
        for name, chosen in filters.items():
            hidden = chosen.apply(image, targets)
            after = detector.detect(hidden)
            index_after, iou_after = best_matches(truth, after)
            record = totals[name]
            record["before"] += (index_before >= 0).tolist()
            record["after"] += (index_after >= 0).tolist()
            both = (index_before >= 0) & (index_after >= 0)
            record["iou_before"] += iou_before[both].tolist()
            record["iou_after"] += iou_after[both].tolist()
            if clean.landmarks is not None and after.landmarks is not None:
                for t, b, a in zip(truth[both], index_before[both], index_after[both], strict=True):
                    size = float(np.sqrt((t[2] - t[0]) * (t[3] - t[1])))
                    moved = np.linalg.norm(clean.landmarks[b] - after.landmarks[a], axis=1).mean()
                    if np.isfinite(moved):
                        record["landmarks"].append(float(moved) / max(size, 1.0))
        if progress is not None:
            progress()
    return {
        "faces": faces_counted,
        "filters": {
            name: {
                "detected_before": _mean(record["before"]),
                "detected_after": _mean(record["after"]),
                "still_detected": _mean(
                    [a for b, a in zip(record["before"], record["after"], strict=True) if b]
                ),
                "iou_before": _mean(record["iou_before"]),
                "iou_after": _mean(record["iou_after"]),
                "landmark_error": _mean(record["landmarks"]),
            }
            for name, record in totals.items()
        },
    }


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")

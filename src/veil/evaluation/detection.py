"""`veil eval detect`: score a detector (or a detections file) against face ground truth."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from veil.detection import Detector
from veil.evaluation.datasets import GroundTruth, load_detection_dataset
from veil.evaluation.metrics import (
    matches,
    precision_recall_curve,
    recall_by_size,
    score_detections,
)
from veil.evaluation.misses import label_faces, miss_rates, save_misses
from veil.media.images import read_photo

Boxes = tuple[np.ndarray, np.ndarray]  # (N, 4) xyxy, (N,) scores


def detect_dataset(
    items: list[GroundTruth], detector: Detector, progress: Callable[[], None] | None = None
) -> tuple[list[Boxes], list[float]]:
    """Run ``detector`` on every image; returns its boxes and the seconds each image took."""
    found, seconds = [], []
    for item in items:
        image = read_photo(item.image).pixels
        started = time.perf_counter()
        faces = detector.detect(image)
        seconds.append(time.perf_counter() - started)
        found.append((faces.xyxy, faces.score))
        if progress is not None:
            progress()
    return found, seconds


def detections_from_file(path: str | Path, items: list[GroundTruth]) -> list[Boxes]:
    """The boxes a ``veil detect --json`` file (or another tool's, same schema) gives each image.

    Files are matched by resolved path, else by file name; an image the file
    does not mention counts as "no faces found".
    """
    data = json.loads(Path(path).read_text())
    by_path: dict[str, Boxes] = {}
    by_name: dict[str, Boxes] = {}
    for entry in data.get("files", []):
        faces = entry.get("faces", [])
        boxes = np.array([f["box"] for f in faces], np.float64).reshape(-1, 4)
        scores = np.array([f.get("score", 1.0) for f in faces], np.float64)
        by_path[str(Path(entry["path"]).resolve())] = (boxes, scores)
        by_name[Path(entry["path"]).name] = (boxes, scores)
    empty: Boxes = (np.zeros((0, 4)), np.zeros(0))
    return [by_path.get(str(item.image.resolve()), by_name.get(item.image.name, empty)) for item in items]


def evaluate_detection(
    dataset: str | Path,
    threshold: float,
    detector: Detector | None = None,
    detections_file: str | Path | None = None,
    limit: int | None = None,
    progress: Callable[[int], Callable[[], None]] | None = None,
    misses: str | Path | None = None,
) -> dict[str, Any]:
    """AP, recall/precision/FP at ``threshold``, recall by face size and time per image, per subset.

    Give either a ``detector`` (run here, timed) or a ``detections_file``.
    With ``misses``, crops of the faces missed in the last (widest) subset go
    to that folder, and miss rates by kind of face into the result.
    """
    items, subsets = load_detection_dataset(dataset)
    items = items[:limit] if limit else items
    if detector is not None:
        tick = progress(len(items)) if progress is not None else None
        found, seconds = detect_dataset(items, detector, tick)
    elif detections_file is not None:
        found, seconds = detections_from_file(detections_file, items), []
    else:
        raise ValueError("give a detector or a detections file")
    result: dict[str, Any] = {
        "dataset": str(dataset),
        "images": len(items),
        "threshold": threshold,
        "ms_per_image": 1000 * statistics.median(seconds) if seconds else None,
        "subsets": {},
    }
    for subset in subsets:
        truth = [(item.boxes, item.positives[subset]) for item in items]
        scores = score_detections(found, truth, threshold)
        result["subsets"][subset] = {
            **asdict(scores),
            "recall_by_size": recall_by_size(found, truth, threshold),
            "curve": curve(found, truth),
        }
    if misses is not None:
        faces = label_faces(items, found, subsets[-1], threshold)
        count = save_misses(faces, misses)
        result["misses"] = {"folder": str(misses), "subset": subsets[-1], "missed": count}
        result["misses"]["rates"] = miss_rates(faces)
    return result


def curve(found: list[Boxes], truth: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, list[float]]:
    """The precision-recall curve over all detections (for ``--plot``)."""
    labels = [matches(b, s, g, p)[0] for (b, s), (g, p) in zip(found, truth, strict=True)]
    all_labels = np.concatenate(labels) if labels else np.zeros(0, np.int8)
    all_scores = np.concatenate([s for _, s in found]) if found else np.zeros(0)
    positives = int(sum(int(np.sum(p)) for _, p in truth))
    precision, recall, scores = precision_recall_curve(all_labels, all_scores, positives)
    return {"precision": precision.tolist(), "recall": recall.tolist(), "score": scores.tolist()}


def plot_curves(result: dict[str, Any], path: str | Path, size: int = 480) -> None:
    """Draw each subset's precision-recall curve into a PNG (OpenCV only: no plotting dependency)."""
    margin = 50
    canvas = np.full((size + 2 * margin, size + 2 * margin, 3), 255, np.uint8)
    origin = (margin, margin + size)
    cv2.rectangle(canvas, (margin, margin), (margin + size, margin + size), (0, 0, 0), 1)
    for tick in range(0, 11, 2):
        x = margin + tick * size // 10
        y = margin + size - tick * size // 10
        cv2.putText(canvas, f"{tick / 10:.1f}", (x - 10, origin[1] + 18), 0, 0.4, (0, 0, 0), 1)
        cv2.putText(canvas, f"{tick / 10:.1f}", (8, y + 4), 0, 0.4, (0, 0, 0), 1)
    cv2.putText(canvas, "recall", (margin + size // 2 - 20, origin[1] + 40), 0, 0.5, (0, 0, 0), 1)
    cv2.putText(canvas, "precision", (4, margin - 12), 0, 0.5, (0, 0, 0), 1)
    colours = [(200, 80, 0), (0, 140, 0), (0, 0, 200), (120, 0, 120)]
    for n, (subset, scores) in enumerate(result["subsets"].items()):
        recall = np.asarray(scores["curve"]["recall"])
        precision = np.maximum.accumulate(np.asarray(scores["curve"]["precision"])[::-1])[::-1]
        points = np.stack([margin + recall * size, margin + size - precision * size], axis=1)
        colour = colours[n % len(colours)]
        if len(points) > 1:
            cv2.polylines(canvas, [points.astype(np.int32)], False, colour, 2, cv2.LINE_AA)
        label = f"{subset}: AP {scores['ap']:.3f}"
        # the legend goes bottom left, where precision-recall curves seldom pass
        legend_y = margin + size - 12 - 18 * (len(result["subsets"]) - 1 - n)
        cv2.putText(canvas, label, (margin + 12, legend_y), 0, 0.5, colour, 1)
    if not cv2.imwrite(str(path), canvas):
        raise OSError("cannot write the PNG (missing folder or not a .png name?)")

"""Which faces a detector still misses: crops to look at, and miss rates by kind of face.

`veil eval detect --misses DIR` saves a crop of every ground-truth face that
no detection above the threshold matched (with some context around it, the
box drawn in), a contact sheet of them, and ``misses.json`` with each miss's
image, box, size and annotated attributes (WIDER pose/occlusion/blur, the mask
set's label). `miss_rates` groups misses by those attributes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from veil.evaluation.datasets import GroundTruth
from veil.evaluation.metrics import matches
from veil.media.images import read_photo

CROP_SIDE = 96
SIZE_BUCKETS = ((0, 10), (10, 20), (20, 40), (40, 80), (80, 10**9))


@dataclass
class Face:
    """One positive ground-truth face and whether the detector found it."""

    image: str
    box: list[float]
    size: float  # the longer side of the box, in pixels
    attributes: dict[str, Any] = field(default_factory=dict)
    found: bool = False


def size_bucket(size: float) -> str:
    for low, high in SIZE_BUCKETS:
        if low <= size < high:
            return f"{low}-{high} px" if high < 10**9 else f">={low} px"
    return "?"


def label_faces(
    items: list[GroundTruth], found: list[tuple[np.ndarray, np.ndarray]], subset: str, threshold: float
) -> list[Face]:
    """Every positive face of ``subset``, marked found when a detection >= ``threshold`` matched it."""
    faces = []
    for item, (boxes, scores) in zip(items, found, strict=True):
        keep = np.asarray(scores) >= threshold
        _, matched = matches(
            np.asarray(boxes)[keep], np.asarray(scores)[keep], item.boxes, item.positives[subset]
        )
        hit = set(matched[matched >= 0].tolist())
        for i in np.flatnonzero(item.positives[subset]):
            box = item.boxes[i]
            attributes = item.attributes[i] if i < len(item.attributes) else {}
            size = float(max(box[2] - box[0], box[3] - box[1]))
            faces.append(
                Face(str(item.image), [float(v) for v in box], size, dict(attributes), int(i) in hit)
            )
    return faces


def miss_rates(faces: list[Face]) -> dict[str, dict[str, dict[str, float]]]:
    """Miss rate and count per value of each attribute (and per size bucket)."""
    groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for face in faces:
        groups["size"][size_bucket(face.size)].append(face.found)
        for key, value in face.attributes.items():
            groups[key][str(value)].append(face.found)
    return {
        key: {
            value: {
                "faces": len(hits),
                "missed": len(hits) - sum(hits),
                "miss_rate": 1 - sum(hits) / len(hits),
            }
            for value, hits in sorted(values.items())
        }
        for key, values in groups.items()
    }


def crop(image: np.ndarray, box: list[float], side: int = CROP_SIDE) -> np.ndarray:
    """The face with as much context again around it, box drawn in, resized to ``side`` square."""
    x1, y1, x2, y2 = box
    pad = max(x2 - x1, y2 - y1)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = int(max(0, cx - pad)), int(max(0, cy - pad))
    right, bottom = int(min(image.shape[1], cx + pad)), int(min(image.shape[0], cy + pad))
    patch = image[top:bottom, left:right].copy()
    if patch.size == 0:
        return np.zeros((side, side, 3), np.uint8)
    scale = side / max(patch.shape[:2])
    patch = cv2.resize(patch, (max(1, round(patch.shape[1] * scale)), max(1, round(patch.shape[0] * scale))))
    p1 = (round((x1 - left) * scale), round((y1 - top) * scale))
    p2 = (round((x2 - left) * scale), round((y2 - top) * scale))
    cv2.rectangle(patch, p1, p2, (0, 0, 255), 1)
    canvas = np.zeros((side, side, 3), np.uint8)
    canvas[: patch.shape[0], : patch.shape[1]] = patch
    return canvas


def save_misses(faces: list[Face], folder: str | Path, columns: int = 16, sheet_limit: int = 256) -> int:
    """Write a crop per missed face, ``sheet.png`` (the first ``sheet_limit``) and ``misses.json``.

    Returns the number of misses.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    missed = [face for face in faces if not face.found]
    crops = []
    images: dict[str, np.ndarray] = {}
    for n, face in enumerate(missed):
        if face.image not in images:
            images = {face.image: read_photo(face.image).pixels}  # misses come grouped by image
        patch = crop(images[face.image], face.box)
        cv2.imwrite(str(folder / f"miss_{n:05d}.png"), patch)
        if n < sheet_limit:
            crops.append(patch)
    if crops:
        rows = [crops[i : i + columns] for i in range(0, len(crops), columns)]
        blank = np.zeros_like(crops[0])
        sheet = np.vstack([np.hstack(row + [blank] * (columns - len(row))) for row in rows])
        cv2.imwrite(str(folder / "sheet.png"), sheet)
    summary = {"misses": [asdict(face) for face in missed], "rates": miss_rates(faces)}
    (folder / "misses.json").write_text(json.dumps(summary, indent=1))
    return len(missed)

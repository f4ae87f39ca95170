"""Face-detection ground truth from the JSON files in ../shared/data/detection.

Two layouts are read: the WIDER FACE conversion (``gt_416.json`` / ``gt.json``,
with ``in_easy/in_medium/in_hard`` memberships) and the mask set
(``faces.json``, every face a positive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WIDER_SUBSETS = ("easy", "medium", "hard")


@dataclass
class GroundTruth:
    """Faces of one image.

    Attributes:
        image: path of the image file.
        boxes: ``(N, 4)`` xyxy boxes of every annotated face.
        positives: subset name -> ``(N,)`` bool; faces outside a subset are
            *ignore* regions for that subset (matching them is neither right nor wrong).
    """

    image: Path
    boxes: np.ndarray
    positives: dict[str, np.ndarray]


def _xywh_to_xyxy(xywh: list[list[float]]) -> np.ndarray:
    boxes = np.asarray(xywh, np.float64).reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def load_detection_dataset(folder: str | Path) -> tuple[list[GroundTruth], tuple[str, ...]]:
    """Load a dataset folder; returns the images and the names of its subsets."""
    folder = Path(folder)
    for name in ("gt_416.json", "gt.json"):
        if (folder / name).is_file():
            return _load_wider(folder, folder / name), WIDER_SUBSETS
    if (folder / "faces.json").is_file():
        return _load_all_positive(folder, folder / "faces.json"), ("all",)
    raise FileNotFoundError(f"no gt_416.json, gt.json or faces.json in {folder}")


def _load_wider(folder: Path, path: Path) -> list[GroundTruth]:
    items = []
    for entry in json.loads(path.read_text()):
        faces = entry["faces"]
        boxes = _xywh_to_xyxy([f["bbox_xywh"] for f in faces])
        positives = {
            subset: np.array([bool(f[f"in_{subset}"]) and not f.get("invalid", 0) for f in faces], bool)
            for subset in WIDER_SUBSETS
        }
        items.append(GroundTruth(folder / entry["file"], boxes, positives))
    return items


def _load_all_positive(folder: Path, path: Path) -> list[GroundTruth]:
    items = []
    for entry in json.loads(path.read_text()):
        boxes = np.asarray([f["bbox_xyxy"] for f in entry["faces"]], np.float64).reshape(-1, 4)
        items.append(GroundTruth(folder / entry["file"], boxes, {"all": np.ones(len(boxes), bool)}))
    return items

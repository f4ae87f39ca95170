"""Face-detection ground truth from the JSON files in ../shared/data/detection.

Two layouts are read: the WIDER FACE conversion (``gt_416.json`` / ``gt.json``,
with ``in_easy/in_medium/in_hard`` memberships) and the mask set
(``faces.json``, every face a positive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

WIDER_SUBSETS = ("easy", "medium", "hard")
WIDER_ATTRIBUTES = ("blur", "expression", "illumination", "occlusion", "pose")


@dataclass
class GroundTruth:
    """Faces of one image.

    Attributes:
        image: path of the image file.
        boxes: ``(N, 4)`` xyxy boxes of every annotated face.
        positives: subset name -> ``(N,)`` bool; faces outside a subset are
            *ignore* regions for that subset (matching them is neither right nor wrong).
        attributes: per face, the annotation's labels where the format has
            them (WIDER blur/occlusion/pose..., the mask set's ``label``); for
            finding out which kinds of face a detector misses.
    """

    image: Path
    boxes: np.ndarray
    positives: dict[str, np.ndarray]
    attributes: list[dict[str, Any]] = field(default_factory=list)


def _xywh_to_xyxy(xywh: list[list[float]]) -> np.ndarray:
    boxes = np.asarray(xywh, np.float64).reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]
    return boxes


def load_detection_dataset(path: str | Path) -> tuple[list[GroundTruth], tuple[str, ...]]:
    """Load face ground truth in any format `veil eval detect` reads; returns images and subset names.

    ``path`` may be:

    * a folder with ``gt_416.json`` / ``gt.json`` (WIDER converted, with easy/medium/hard)
      or ``faces.json`` (every face positive), as in ../shared/data/detection;
    * a folder with an official WIDER FACE txt (``*_bbx_gt.txt`` or ``gt_wider_format.txt``)
      and its images under ``images/``; with ``wider_{easy,medium,hard}_val.mat`` beside
      it, the official subsets are used (faces outside a subset are ignore regions);
    * a Pascal VOC folder (``annotations/`` or ``Annotations/`` with XML files; every
      object is a face, ``difficult`` ones are ignore regions);
    * a COCO JSON file (every annotation a face; ``iscrowd`` ones are ignore regions).
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".json":
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "annotations" in data and "images" in data:
            return _load_coco(path, data), ("all",)
        path = path.parent
    if not path.is_dir():
        raise FileNotFoundError(f"no dataset at {path}")
    for name in ("gt_416.json", "gt.json"):
        if (path / name).is_file():
            return _load_gt_json(path, path / name)
    if (path / "faces.json").is_file():
        return _load_all_positive(path, path / "faces.json"), ("all",)
    txt = sorted(path.glob("*_bbx_gt.txt")) + sorted(path.glob("gt_wider_format.txt"))
    if txt:
        return _load_wider_txt(path, txt[0])
    for name in ("annotations", "Annotations"):
        if (path / name).is_dir():
            return _load_voc(path, path / name), ("all",)
    raise FileNotFoundError(
        f"{path}: no known ground truth "
        "(gt.json, faces.json, WIDER *_bbx_gt.txt, VOC annotations/, COCO json)"
    )


def _find_image(folder: Path, name: str) -> Path:
    """An image named in an annotation: under images/ (with or without its sub-folder) or beside it."""
    for candidate in (folder / "images" / name, folder / "images" / Path(name).name, folder / name):
        if candidate.is_file():
            return candidate
    for sub in ("JPEGImages",):
        if (folder / sub / Path(name).name).is_file():
            return folder / sub / Path(name).name
    return folder / "images" / name


def _load_wider_txt(folder: Path, path: Path) -> tuple[list[GroundTruth], tuple[str, ...]]:
    """The official format: file name, face count, then ``x y w h blur expr illum invalid occl pose``."""
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    entries: list[tuple[str, np.ndarray, np.ndarray]] = []
    i = 0
    while i < len(lines):
        name, count = lines[i], int(lines[i + 1])
        rows = [[float(v) for v in line.split()] for line in lines[i + 2 : i + 2 + count]]
        i += 2 + max(count, 1)  # a "0" face count is followed by a dummy line of zeros
        values = np.array(rows, np.float64).reshape(-1, 10) if count else np.zeros((0, 10))
        valid = values[:, 7] == 0
        entries.append((name, _xywh_to_xyxy(values[:, :4].tolist()), valid))
    subsets = _wider_mat_subsets(folder, [name for name, _, _ in entries])
    items = []
    for index, (name, boxes, valid) in enumerate(entries):
        if subsets is None:
            positives = {"all": valid & (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])}
        else:
            positives = {s: np.isin(np.arange(len(boxes)), members[index]) for s, members in subsets.items()}
        items.append(GroundTruth(_find_image(folder, name), boxes, positives))
    return items, tuple(subsets) if subsets is not None else ("all",)


def _wider_mat_subsets(folder: Path, names: list[str]) -> dict[str, list[np.ndarray]] | None:
    """Face indices in each official subset, per image, from ``wider_*_val.mat`` (None if absent)."""
    mats = {s: next(iter(folder.rglob(f"wider_{s}_val.mat")), None) for s in WIDER_SUBSETS}
    if any(m is None for m in mats.values()):
        return None
    try:
        from scipy.io import loadmat
    except ImportError as exc:  # pragma: no cover - scipy comes with the eval extra
        raise ImportError("reading WIDER .mat subsets needs scipy: pip install 'veil[eval]'") from exc
    result: dict[str, list[np.ndarray]] = {}
    for subset, mat_path in mats.items():
        mat = loadmat(str(mat_path))
        lookup: dict[str, np.ndarray] = {}
        for event_files, event_lists in zip(mat["file_list"][:, 0], mat["gt_list"][:, 0], strict=True):
            for file_cell, gt_cell in zip(event_files[:, 0], event_lists[:, 0], strict=True):
                lookup[str(file_cell[0])] = gt_cell.reshape(-1).astype(np.int64) - 1  # 1-based
        result[subset] = [lookup.get(Path(name).stem, np.zeros(0, np.int64)) for name in names]
    return result


def _load_voc(folder: Path, annotations: Path) -> list[GroundTruth]:
    import xml.etree.ElementTree as ElementTree

    items = []
    for xml_path in sorted(annotations.glob("*.xml")):
        root = ElementTree.parse(xml_path).getroot()
        name = root.findtext("filename") or f"{xml_path.stem}.jpg"
        boxes, difficult = [], []
        for obj in root.iter("object"):
            box = obj.find("bndbox")
            if box is None:
                continue
            boxes.append([float(box.findtext(k) or 0) for k in ("xmin", "ymin", "xmax", "ymax")])
            difficult.append((obj.findtext("difficult") or "0").strip() == "1")
        items.append(
            GroundTruth(
                _find_image(folder, name),
                np.asarray(boxes, np.float64).reshape(-1, 4),
                {"all": ~np.asarray(difficult, bool)},
            )
        )
    return items


def _load_coco(path: Path, data: dict) -> list[GroundTruth]:
    folder = path.parent
    faces: dict[int, list[tuple[list[float], bool]]] = {}
    for annotation in data["annotations"]:
        faces.setdefault(annotation["image_id"], []).append(
            (annotation["bbox"], bool(annotation.get("iscrowd", 0)))
        )
    items = []
    for image in data["images"]:
        entries = faces.get(image["id"], [])
        boxes = _xywh_to_xyxy([box for box, _ in entries])
        positives = {"all": np.array([not crowd for _, crowd in entries], bool)}
        items.append(GroundTruth(_find_image(folder, image["file_name"]), boxes, positives))
    return items


def _load_gt_json(folder: Path, path: Path) -> tuple[list[GroundTruth], tuple[str, ...]]:
    """``gt.json`` with ``bbox_xywh`` faces: WIDER subsets when faces carry ``in_easy``...,
    else one ``all`` subset (faces marked ``ignore`` or ``invalid`` are ignore regions)."""
    entries = json.loads(path.read_text())
    wider = any("in_easy" in f for entry in entries for f in entry["faces"])
    subsets = WIDER_SUBSETS if wider else ("all",)
    items = []
    for entry in entries:
        faces = entry["faces"]
        boxes = _xywh_to_xyxy([f["bbox_xywh"] for f in faces])
        counted = [not f.get("invalid", 0) and not f.get("ignore", False) for f in faces]
        positives = {
            subset: np.array(
                [ok and (not wider or bool(f[f"in_{subset}"])) for f, ok in zip(faces, counted, strict=True)],
                bool,
            )
            for subset in subsets
        }
        attributes = [{k: f[k] for k in WIDER_ATTRIBUTES if k in f} for f in faces]
        items.append(GroundTruth(folder / entry["file"], boxes, positives, attributes))
    return items, subsets


def _load_all_positive(folder: Path, path: Path) -> list[GroundTruth]:
    items = []
    for entry in json.loads(path.read_text()):
        boxes = np.asarray([f["bbox_xyxy"] for f in entry["faces"]], np.float64).reshape(-1, 4)
        attributes = [{"label": f["label"]} if "label" in f else {} for f in entry["faces"]]
        items.append(
            GroundTruth(folder / entry["file"], boxes, {"all": np.ones(len(boxes), bool)}, attributes)
        )
    return items

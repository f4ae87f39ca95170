"""`Faces`: the faces found in one frame, as one dataclass of numpy arrays.

Modelled on `supervision.Detections`: every stage of the pipeline passes this
object along, and the operations that callers would otherwise re-implement
(indexing, concatenation, rescaling, clipping, non-maximum suppression) live
here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
"""Order of the five landmarks, as seen in the image (left eye = image-left)."""


@dataclass
class Faces:
    """N faces in one frame.

    Attributes:
        xyxy: ``(N, 4)`` float32 boxes ``x1, y1, x2, y2`` in frame pixels.
        score: ``(N,)`` float32 detector confidence in ``[0, 1]``.
        landmarks: ``(N, 5, 2)`` float32 points in `LANDMARK_NAMES` order, or
            ``None`` when the detector has none. Rows of NaN mark faces without
            landmarks when faces from several detectors are mixed.
        track_id: ``(N,)`` int64 track ids (video), or ``None``.
        identity: ``(N,)`` object array of names from a gallery, or ``None``.
        source: ``(N,)`` object array naming who produced each face
            (a detector name, or ``"track-fill"``).
    """

    xyxy: FloatArray
    score: FloatArray
    landmarks: FloatArray | None = None
    track_id: npt.NDArray[np.int64] | None = None
    identity: npt.NDArray[np.object_] | None = None
    # A single name is accepted for convenience and broadcast to every face.
    source: npt.NDArray[np.object_] | str = field(default_factory=lambda: np.empty(0, dtype=object))

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        n = len(self.xyxy)
        self.score = np.asarray(self.score, dtype=np.float32).reshape(n)
        if self.landmarks is not None:
            self.landmarks = np.asarray(self.landmarks, dtype=np.float32).reshape(n, 5, 2)
        if self.track_id is not None:
            self.track_id = np.asarray(self.track_id, dtype=np.int64).reshape(n)
        if self.identity is not None:
            self.identity = np.asarray(self.identity, dtype=object).reshape(n)
        source = np.asarray(self.source, dtype=object).reshape(-1)
        if len(source) != n:
            if len(source) > 1:
                raise ValueError(f"source has {len(source)} entries for {n} faces")
            source = np.full(n, source[0] if len(source) else "", dtype=object)
        self.source = source

    # -- construction -----------------------------------------------------
    @classmethod
    def empty(cls, with_landmarks: bool = False) -> Faces:
        """No faces (optionally with an empty landmark array, for concatenation)."""
        landmarks = np.zeros((0, 5, 2), np.float32) if with_landmarks else None
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), landmarks)

    @classmethod
    def concat(cls, parts: Sequence[Faces]) -> Faces:
        """Stack several `Faces`; missing optional fields become NaN / -1 / None."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]

        def stack(name: str, fill: Any, dtype: Any, shape: tuple[int, ...]) -> Any:
            if all(getattr(p, name) is None for p in parts):
                return None
            arrays = []
            for p in parts:
                value = getattr(p, name)
                arrays.append(value if value is not None else np.full((len(p), *shape), fill, dtype))
            return np.concatenate(arrays)

        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            score=np.concatenate([p.score for p in parts]),
            landmarks=stack("landmarks", np.nan, np.float32, (5, 2)),
            track_id=stack("track_id", -1, np.int64, ()),
            identity=stack("identity", None, object, ()),
            source=np.concatenate([p.source for p in parts]),
        )

    # -- container protocol ---------------------------------------------------
    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: int | slice | npt.NDArray[Any] | list[int]) -> Faces:
        """Select faces by index, slice, integer array or boolean mask."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        return Faces(
            xyxy=self.xyxy[index],
            score=self.score[index],
            landmarks=None if self.landmarks is None else self.landmarks[index],
            track_id=None if self.track_id is None else self.track_id[index],
            identity=None if self.identity is None else self.identity[index],
            source=np.asarray(self.source, dtype=object)[index],
        )

    # -- geometry ---------------------------------------------------------
    @property
    def width(self) -> FloatArray:
        return self.xyxy[:, 2] - self.xyxy[:, 0]

    @property
    def height(self) -> FloatArray:
        return self.xyxy[:, 3] - self.xyxy[:, 1]

    @property
    def area(self) -> FloatArray:
        return np.clip(self.width, 0, None) * np.clip(self.height, 0, None)

    def scaled(self, sx: float, sy: float | None = None) -> Faces:
        """Coordinates multiplied by ``(sx, sy)``: maps boxes between image sizes."""
        sy = sx if sy is None else sy
        factor = np.array([sx, sy, sx, sy], np.float32)
        landmarks = None if self.landmarks is None else self.landmarks * np.array([sx, sy], np.float32)
        return replace(self, xyxy=self.xyxy * factor, landmarks=landmarks)

    def shifted(self, dx: float, dy: float) -> Faces:
        """Coordinates moved by ``(dx, dy)`` pixels: maps boxes from a crop back to its frame."""
        landmarks = None if self.landmarks is None else self.landmarks + np.array([dx, dy], np.float32)
        return replace(self, xyxy=self.xyxy + np.array([dx, dy, dx, dy], np.float32), landmarks=landmarks)

    def clipped(self, width: int, height: int) -> Faces:
        """Boxes clipped to the frame; faces left with no area are dropped."""
        xyxy = self.xyxy.copy()
        xyxy[:, [0, 2]] = np.clip(xyxy[:, [0, 2]], 0, width)
        xyxy[:, [1, 3]] = np.clip(xyxy[:, [1, 3]], 0, height)
        clipped = replace(self, xyxy=xyxy)
        return clipped[clipped.area > 0]

    def with_source(self, name: str) -> Faces:
        return replace(self, source=np.full(len(self), name, dtype=object))

    def above(self, threshold: float) -> Faces:
        """Only the faces scoring at least ``threshold``."""
        return self[self.score >= threshold]

    def nms(self, iou_threshold: float = 0.4) -> Faces:
        """Greedy non-maximum suppression, highest score first.

        Overlaps are computed only from each kept box to the boxes still alive,
        so thousands of low-score candidates cost milliseconds, not an N x N matrix.
        """
        if len(self) < 2:
            return self
        order = np.argsort(-self.score, kind="stable")
        boxes = self.xyxy[order].astype(np.float64)
        areas = np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 0, None), axis=1)
        alive = np.ones(len(boxes), bool)
        keep: list[int] = []
        for i in range(len(boxes)):
            if not alive[i]:
                continue
            keep.append(int(order[i]))
            rest = i + 1 + np.flatnonzero(alive[i + 1 :])
            if not len(rest):
                break
            tl = np.maximum(boxes[i, :2], boxes[rest, :2])
            br = np.minimum(boxes[i, 2:], boxes[rest, 2:])
            inter = np.prod(np.clip(br - tl, 0, None), axis=1)
            union = areas[i] + areas[rest] - inter
            overlap = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
            alive[rest[overlap > iou_threshold]] = False
        return self[np.array(keep, dtype=np.int64)]


def box_iou(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Pairwise intersection-over-union of two ``(N, 4)`` / ``(M, 4)`` xyxy arrays."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)

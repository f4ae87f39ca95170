"""`Faces`: the faces found in one frame, as one dataclass of numpy arrays.

Modelled on `supervision.Detections`: every stage of the pipeline passes this
object along, and the operations that callers would otherwise re-implement
(indexing, concatenation, rescaling, clipping, non-maximum suppression) live
here, once. What veil decided about each face (hide it or not, who it is)
travels with it, so a report is made from one object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from veil.geometry import box_area, box_iou

FloatArray = npt.NDArray[np.float32]

LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
"""Order of the five landmarks, as seen in the image (left eye = image-left)."""


PER_FACE_OPTIONAL: dict[str, tuple[Any, tuple[int, ...], Any]] = {
    "landmarks": (np.float32, (5, 2), np.nan),
    "track_id": (np.int64, (), -1),
    "identity": (object, (), None),
    "distance": (np.float64, (), np.inf),
    "hide": (np.bool_, (), True),
    "found_by": (object, (), None),
}
"""The optional per-face arrays: dtype, shape of one face's entry, and the fill for faces without one."""


@dataclass
class Faces:
    """N faces in one frame, and what veil decided about each.

    Attributes:
        xyxy: ``(N, 4)`` float32 boxes ``x1, y1, x2, y2`` in frame pixels.
        score: ``(N,)`` float32 detector confidence in ``[0, 1]``.
        landmarks: ``(N, 5, 2)`` float32 points in `LANDMARK_NAMES` order, or
            ``None`` when the detector has none. Rows of NaN mark faces without
            landmarks when faces from several detectors are mixed.
        track_id: ``(N,)`` int64 track ids (video), or ``None``.
        source: ``(N,)`` object array naming who produced each face
            (a detector name, or ``"track-fill"``).
        identity: ``(N,)`` object array: the gallery member each face matched
            (None: nobody), or ``None`` when no gallery was given.
        distance: ``(N,)`` float64 embedding distance to the nearest gallery
            member (inf: too small to recognise), or ``None``.
        hide: ``(N,)`` bool, whether veil hides each face (``--keep``/``--only``
            decide it), or ``None``: every face is hidden.
        found_by: ``(N,)`` object array: which video pass found each face
            (``scan``, ``sweep``, ``zoom``, or ``fill`` from its track), or ``None``.

    Examples:
        >>> faces = Faces(np.array([[10, 10, 50, 60], [0, 0, 5, 5]]), np.array([0.9, 0.2]))
        >>> len(faces), faces.above(0.5).xyxy.tolist()
        (2, [[10.0, 10.0, 50.0, 60.0]])
        >>> faces.scaled(2).xyxy[0].tolist()
        [20.0, 20.0, 100.0, 120.0]
    """

    xyxy: FloatArray
    score: FloatArray
    landmarks: FloatArray | None = None
    track_id: npt.NDArray[np.int64] | None = None
    # A single name is accepted for convenience and broadcast to every face.
    source: npt.NDArray[np.object_] | str = field(default_factory=lambda: np.empty(0, dtype=object))
    identity: npt.NDArray[np.object_] | None = None
    distance: npt.NDArray[np.float64] | None = None
    hide: npt.NDArray[np.bool_] | None = None
    found_by: npt.NDArray[np.object_] | None = None

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float32).reshape(-1, 4)
        n = len(self.xyxy)
        self.score = np.asarray(self.score, dtype=np.float32).reshape(n)
        for name, (dtype, shape, _) in PER_FACE_OPTIONAL.items():
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, np.asarray(value, dtype=dtype).reshape(n, *shape))
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
        """Stack several `Faces`; a field only some parts have is filled in for the others.

        The fills are NaN landmarks, track -1, no identity, infinite distance and hidden.
        """
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        optional: dict[str, Any] = {}
        for name, (dtype, shape, fill) in PER_FACE_OPTIONAL.items():
            if any(getattr(p, name) is not None for p in parts):
                optional[name] = np.concatenate(
                    [
                        getattr(p, name)
                        if getattr(p, name) is not None
                        else np.full((len(p), *shape), fill, dtype)
                        for p in parts
                    ]
                )
        return cls(
            xyxy=np.concatenate([p.xyxy for p in parts]),
            score=np.concatenate([p.score for p in parts]),
            source=np.concatenate([p.source for p in parts]),
            **optional,
        )

    # -- other forms ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python lists (JSON-ready); None for a field the faces lack.

        Examples:
            >>> Faces(np.array([[10, 10, 50, 60]]), np.array([0.9])).to_dict()["xyxy"]
            [[10.0, 10.0, 50.0, 60.0]]
        """
        plain: dict[str, Any] = {"xyxy": self.xyxy.tolist(), "score": self.score.tolist()}
        for name in PER_FACE_OPTIONAL:
            value = getattr(self, name)
            if value is not None and value.dtype.kind == "f":
                value = np.where(np.isfinite(value), value, None)  # JSON has no NaN or infinity
            plain[name] = None if value is None else value.tolist()
        plain["source"] = [str(s) for s in self.source]
        return plain

    @classmethod
    def from_dict(cls, plain: dict[str, Any]) -> Faces:
        """The faces `to_dict` wrote (a missing landmark or distance reads back as NaN or infinity)."""
        fields: dict[str, Any] = {}
        for name, (dtype, _, fill) in PER_FACE_OPTIONAL.items():
            value = plain.get(name)
            if value is not None and dtype is not object:
                array = np.array(value, dtype=object)
                array[array == None] = fill  # noqa: E711 (elementwise: JSON's null)
                value = array.astype(dtype)
            fields[name] = value
        xyxy = np.asarray(plain["xyxy"], np.float32)
        return cls(xyxy, plain["score"], source=plain.get("source", ""), **fields)

    def to_supervision(self) -> Any:
        """These faces as `supervision.Detections` (class 0; landmarks, source and decisions in ``data``).

        Raises:
            ImportError: supervision is not installed (it is not a veil dependency).
        """
        try:
            import supervision
        except ImportError:
            raise ImportError("Faces.to_supervision needs supervision: pip install supervision") from None
        data = {"source": np.asarray(self.source, object)}
        data.update({name: getattr(self, name) for name in PER_FACE_OPTIONAL if name != "track_id"})
        return supervision.Detections(
            xyxy=self.xyxy.astype(np.float32),
            confidence=self.score,
            class_id=np.zeros(len(self), int),
            tracker_id=self.track_id,
            data={name: value for name, value in data.items() if value is not None},
        )

    @classmethod
    def from_supervision(cls, detections: Any) -> Faces:
        """Faces from `supervision.Detections` (a face detector's, or `to_supervision`'s): no
        confidence reads as 1; landmarks, source and decisions come from ``data`` when present."""
        data = getattr(detections, "data", None) or {}
        count = len(detections.xyxy)
        score = detections.confidence if detections.confidence is not None else np.ones(count, np.float32)
        fields = {name: data.get(name) for name in PER_FACE_OPTIONAL if name != "track_id"}
        return cls(
            np.asarray(detections.xyxy, np.float32),
            score,
            track_id=detections.tracker_id,
            source=data.get("source", "supervision"),
            **fields,
        )

    def _repr_html_(self) -> str:
        """In a notebook: how many faces, a sketch of where they are, and a table of the first ones."""
        from veil.display import faces_html

        return faces_html(self.xyxy, self.score, self.hide, self.track_id)

    # -- container protocol ---------------------------------------------------
    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: int | slice | npt.NDArray[Any] | list[int]) -> Faces:
        """Select faces by index, slice, integer array or boolean mask."""
        if isinstance(index, int | np.integer):
            index = [int(index)]
        optional = {
            name: None if getattr(self, name) is None else getattr(self, name)[index]
            for name in PER_FACE_OPTIONAL
        }
        return Faces(
            xyxy=self.xyxy[index],
            score=self.score[index],
            source=np.asarray(self.source, dtype=object)[index],
            **optional,
        )

    # -- decisions ----------------------------------------------------------
    def to_hide(self) -> Faces:
        """The faces veil hides: all of them unless a gallery decided otherwise (`hide`)."""
        return self if self.hide is None else self[self.hide]

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
        areas = box_area(boxes)
        alive = np.ones(len(boxes), bool)
        keep: list[int] = []
        for i in range(len(boxes)):
            if not alive[i]:
                continue
            keep.append(int(order[i]))
            rest = i + 1 + np.flatnonzero(alive[i + 1 :])
            if not len(rest):
                break
            overlap = box_iou(boxes[i], boxes[rest], area_a=areas[i], area_b=areas[rest])[0]
            alive[rest[overlap > iou_threshold]] = False
        return self[np.array(keep, dtype=np.int64)]

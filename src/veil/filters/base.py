"""The filter contract and the shared loop: cut each face region, transform it, blend it back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from veil.faces import Faces
from veil.filters.masks import MaskSpec, mask_alpha, region_of

TYPICAL_LANDMARKS = np.array(
    [[0.26, 0.41], [0.73, 0.41], [0.50, 0.60], [0.31, 0.75], [0.69, 0.75]], np.float32
)
"""Where the five landmarks sit in a face box, as fractions of its width and height
(medians of CenterFace on frontal photos): the stand-in when a face has none."""


Region = tuple[int, int, int, int]
"""A face's hidden region in frame pixels: ``x1, y1, x2, y2`` (what reports and escrow record)."""


@runtime_checkable
class Filter(Protocol):
    """Anything that hides faces: ``apply(frame, faces) -> frame`` (a new array), and what it may do besides.

    `BaseFilter` gives every optional ability a default; `as_filter` wraps an
    object that has only ``apply`` so that it has them all.

    Attributes:
        name: how reports name the filter.
        mask: the mask the filter fills, or None when it hides whole boxes.
        stateful: True when it remembers a choice per track (a replacement
            face), so a video's frames must go through it in order.

    Examples:
        >>> from veil import make_filter
        >>> pixelate = make_filter("pixelate")
        >>> isinstance(pixelate, Filter), pixelate.name, pixelate.stateful
        (True, 'pixelate', False)
    """

    name: str

    @property
    def mask(self) -> MaskSpec | None: ...

    @property
    def stateful(self) -> bool: ...

    def apply(self, frame: np.ndarray, faces: Faces) -> np.ndarray: ...

    def regions(self, faces: Faces, width: int, height: int) -> list[Region]:
        """The pixel region each face's hiding changes (for reports and escrow)."""
        ...

    def reset(self) -> None:
        """Forget per-video state (track ids restart in the next video)."""
        ...


class BaseFilter:
    """The defaults of every optional `Filter` ability: whole boxes, no per-video state."""

    name = "filter"
    mask: MaskSpec | None = None
    stateful = False

    def apply(self, frame: np.ndarray, faces: Faces) -> np.ndarray:
        raise NotImplementedError

    def regions(self, faces: Faces, width: int, height: int) -> list[Region]:
        return [box_region(box, width, height) for box in faces.xyxy]

    def reset(self) -> None:
        return None


def box_region(box: np.ndarray, width: int, height: int) -> Region:
    """A box's whole pixels inside the frame."""
    x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
    return x1, y1, max(x1, min(width, int(np.ceil(box[2])))), max(y1, min(height, int(np.ceil(box[3]))))


class CustomFilter(BaseFilter):
    """A user's object with an ``apply`` method, given the abilities it lacks."""

    def __init__(self, given: object) -> None:
        apply = getattr(given, "apply", None)
        if not callable(apply):
            raise TypeError(f"filter must be a name or an object with an apply() method, got {given!r}")
        self.given = given
        self.name = str(getattr(given, "name", type(given).__name__))
        self._apply = apply

    def apply(self, frame: np.ndarray, faces: Faces) -> np.ndarray:
        result: np.ndarray = self._apply(frame, faces)
        return result


def as_filter(given: object) -> Filter:
    """``given`` when it is a whole `Filter`, else wrapped in `CustomFilter`."""
    return given if isinstance(given, Filter) else CustomFilter(given)


def face_size(xyxy: np.ndarray) -> float:
    """The size that filter strength scales with: the longer side of the face box."""
    return max(1.0, float(xyxy[2] - xyxy[0]), float(xyxy[3] - xyxy[1]))


@dataclass(frozen=True)
class FaceRegion:
    """One face as a filter sees it, in the coordinates of its masked region.

    Attributes:
        landmarks: ``(5, 2)`` points; where the detector gave none, their
            typical places in the face box (`TYPICAL_LANDMARKS`).
        size: the longer side of the face box, which strength scales with.
        track: the face's track id in video (None in photos): filters that
            vary per face (replacement faces) remember their choice per track,
            so a person keeps one look from frame to frame.
    """

    landmarks: np.ndarray
    size: float
    track: int | None = None


def face_regions(faces: Faces, origins: list[Region]) -> list[FaceRegion]:
    """Each face moved into its region's coordinates, with landmarks (estimated where missing)."""
    found = []
    for i, (box, region) in enumerate(zip(faces.xyxy, origins, strict=True)):
        offset = np.array([region[0], region[1]], np.float32)
        points = faces.landmarks[i] if faces.landmarks is not None else None
        if points is None or not np.all(np.isfinite(points)):
            size = np.array([box[2] - box[0], box[3] - box[1]], np.float32)
            points = box[:2] + TYPICAL_LANDMARKS * size
        track = int(faces.track_id[i]) if faces.track_id is not None else -1
        found.append(
            FaceRegion(
                landmarks=np.asarray(points, np.float32) - offset,
                size=face_size(box),
                track=track if track >= 0 else None,
            )
        )
    return found


class RegionFilter(BaseFilter):
    """Base for filters that replace the masked region with a transformed copy.

    Subclasses implement `transform` (or `render`, when they need landmarks or
    a per-face key); this class handles regions, clipping at frame borders, the
    soft mask and blending, so every filter changes pixels inside the mask and
    leaves every pixel outside it bit-identical.
    """

    name = "region"

    mask: MaskSpec

    def __init__(self, *, mask: MaskSpec | None = None) -> None:
        self.mask = mask or MaskSpec()

    def transform(self, patch: np.ndarray, size: float) -> np.ndarray:
        """Return the replacement for ``patch`` (same shape, uint8)."""
        raise NotImplementedError

    def render(self, patch: np.ndarray, face: FaceRegion) -> np.ndarray:
        """The replacement for one face's region; by default `transform` by size alone."""
        return self.transform(patch, face.size)

    def regions(self, faces: Faces, width: int, height: int) -> list[Region]:
        """The pixel region each face's mask occupies (for reports)."""
        return [region_of(box, self.mask.scale, width, height) for box in faces.xyxy]

    def apply(self, frame: np.ndarray, faces: Faces) -> np.ndarray:
        out = frame.copy()
        height, width = frame.shape[:2]
        regions = self.regions(faces, width, height)
        for box, region, face in zip(faces.xyxy, regions, face_regions(faces, regions), strict=True):
            x1, y1, x2, y2 = region
            if x2 <= x1 or y2 <= y1:
                continue
            patch = out[y1:y2, x1:x2]
            replacement = self.render(patch, face)
            alpha = mask_alpha(box, self.mask, region)
            out[y1:y2, x1:x2] = blend(patch, replacement, alpha)
        return out


def blend(patch: np.ndarray, replacement: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``patch`` where alpha is 0, ``replacement`` where 1, a linear mix between."""
    a = alpha[..., None] if patch.ndim == 3 else alpha
    mixed = patch.astype(np.float32) * (1 - a) + replacement.astype(np.float32) * a
    mixed = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return np.where(a > 0, mixed, patch)

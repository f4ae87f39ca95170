"""Wrappers that run a detector on a changed copy of the frame: resized, tiled, mirrored.

A detector only sees faces within its own range of sizes. Upscaling the frame
finds faces below its smallest anchor (2.5x roughly doubles recall on WIDER's
hard subset); a large upscaled frame is cut into overlapping tiles so that
memory stays bounded; a mirrored copy finds profile faces the model is biased
against. Every wrapper maps boxes and landmarks back to the frame's own pixels.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from veil.detection.base import Detector
from veil.faces import Faces

MAX_UPSCALED_SIDE = 4096
"""Upscaling for detection stops when the longer side reaches this many pixels."""

TILE_SIDE = 2048
"""Longest side of one inference; larger (scaled) frames are cut into tiles."""

TILE_OVERLAP = 192
"""Pixels (at the detection scale) that neighbouring tiles share: a face smaller
than this is whole in at least one tile."""

EDGE = 4
"""A box this close to a tile's inner edge was cut by it."""


def effective_scale(
    scale: float, width: int, height: int, max_side: int = MAX_UPSCALED_SIDE, fit_side: int | None = None
) -> float:
    """``scale``, capped: upscaling stops at ``max_side`` (never below 1x); ``fit_side`` shrinks further."""
    longest = max(width, height)
    if scale > 1:
        scale = max(1.0, min(scale, max_side / longest))
    if fit_side is not None:
        scale = min(scale, fit_side / longest)
    return scale


def tile_spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """``(start, stop)`` spans of equal size covering ``[0, length)``, neighbours sharing ``overlap``.

    As few tiles as cover the length, then spread evenly, so that the extra
    work is only the overlaps (about 10% for a 4K frame in 2048 px tiles).
    """
    if length <= tile:
        return [(0, length)]
    count = math.ceil((length - overlap) / (tile - overlap))
    size = math.ceil((length + (count - 1) * overlap) / count)
    starts = np.linspace(0, length - size, count).round().astype(int)
    return [(int(s), int(s) + size) for s in starts]


def touches_edge(
    faces: Faces, left: bool, top: bool, right: bool, bottom: bool, width: int, height: int, edge: int = EDGE
) -> np.ndarray:
    """Faces (in a ``width`` x ``height`` tile's pixels) within ``edge`` of the tile's sides that
    are flagged inner (the frame goes on past them): the tile cut those faces."""
    box = faces.xyxy
    touches = np.zeros(len(faces), bool)
    if left:
        touches |= box[:, 0] <= edge
    if top:
        touches |= box[:, 1] <= edge
    if right:
        touches |= box[:, 2] >= width - edge
    if bottom:
        touches |= box[:, 3] >= height - edge
    return touches


class DetectorWrapper:
    """A detector around another one: same name, and ``threshold`` is the inner detector's."""

    def __init__(self, inner: Detector) -> None:
        self.inner = inner
        self.name = inner.name

    @property
    def threshold(self) -> float:
        return self.inner.threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self.inner.threshold = value


class ScaledDetector(DetectorWrapper):
    """Runs another detector on a resized copy of the frame, tiled when it is large.

    Args:
        inner: the detector to run.
        scale: resize factor; ``> 1`` finds faces smaller than the detector's
            smallest anchor, ``< 1`` trades small faces for speed.
        max_side: upscaling stops when the longer side reaches this (never below 1x):
            faces in a large photo are rarely too small for the detector.
        fit_side: when set, also shrink so the longer side is at most this
            (a speed cap: the `fast` profile's working resolution).
        tile: frames whose resized longer side exceeds this are detected in
            overlapping tiles; boxes cut by an inner tile edge are dropped when
            the face is small enough to be whole in the neighbouring tile.
    """

    def __init__(
        self,
        inner: Detector,
        scale: float,
        max_side: int = MAX_UPSCALED_SIDE,
        fit_side: int | None = None,
        tile: int = TILE_SIDE,
        overlap: int = TILE_OVERLAP,
    ) -> None:
        if scale <= 0:
            raise ValueError(f"detect scale must be positive, got {scale}")
        if not 0 <= overlap < tile:
            raise ValueError(f"tile overlap must be within [0, tile), got {overlap} for tile {tile}")
        super().__init__(inner)
        self.scale = scale
        self.max_side = max_side
        self.fit_side = fit_side
        self.tile = tile
        self.overlap = overlap

    def effective_scale(self, width: int, height: int) -> float:
        """The factor actually used for a ``width`` x ``height`` frame."""
        return effective_scale(self.scale, width, height, self.max_side, self.fit_side)

    def detect(self, frame: np.ndarray) -> Faces:
        height, width = frame.shape[:2]
        scale = self.effective_scale(width, height)
        if scale == 1.0:
            resized = frame
        else:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            interpolation = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
            resized = cv2.resize(frame, size, interpolation=interpolation)
        faces = self.detect_tiled(resized)
        new_h, new_w = resized.shape[:2]
        if (new_w, new_h) != (width, height):
            faces = faces.scaled(width / new_w, height / new_h)
        return faces.clipped(width, height)

    def detect_tiled(self, frame: np.ndarray) -> Faces:
        """The inner detector on ``frame``, in overlapping tiles when it is larger than ``tile``."""
        height, width = frame.shape[:2]
        if max(width, height) <= self.tile:
            return self.inner.detect(frame)
        found = []
        for y1, y2 in tile_spans(height, self.tile, self.overlap):
            for x1, x2 in tile_spans(width, self.tile, self.overlap):
                faces = self.inner.detect(np.ascontiguousarray(frame[y1:y2, x1:x2]))
                keep = ~self._cut(faces, x1 > 0, y1 > 0, x2 < width, y2 < height, x2 - x1, y2 - y1)
                found.append(faces[keep].shifted(x1, y1))
        faces = Faces.concat(found)
        return faces.nms(0.5) if len(faces) else Faces.empty(with_landmarks=True).with_source(self.name)

    def _cut(
        self, faces: Faces, left: bool, top: bool, right: bool, bottom: bool, tile_w: int, tile_h: int
    ) -> np.ndarray:
        """Faces touching an inner tile edge that are small enough to be whole in a neighbour."""
        small = np.maximum(faces.width, faces.height) < self.overlap - 2 * EDGE
        touches = touches_edge(faces, left, top, right, bottom, tile_w, tile_h)
        return touches & small


class FlippedDetector(DetectorWrapper):
    """Runs another detector on the mirror image (test-time flip augmentation).

    Detectors are not exactly symmetric; the mirrored pass finds some profile
    and occluded faces the direct one misses. Landmarks swap left and right.
    """

    def detect(self, frame: np.ndarray) -> Faces:
        width = frame.shape[1]
        faces = self.inner.detect(np.ascontiguousarray(frame[:, ::-1]))
        xyxy = faces.xyxy.copy()
        xyxy[:, 0], xyxy[:, 2] = width - faces.xyxy[:, 2], width - faces.xyxy[:, 0]
        landmarks = None
        if faces.landmarks is not None:
            landmarks = faces.landmarks[:, [1, 0, 2, 4, 3]].copy()
            landmarks[..., 0] = width - landmarks[..., 0]
        return replace(faces, xyxy=xyxy, landmarks=landmarks)


def scale_of(detector: Detector, width: int, height: int) -> float:
    """The factor a (possibly wrapped) detector resizes a ``width`` x ``height`` frame by."""
    while isinstance(detector, FlippedDetector):
        detector = detector.inner
    return detector.effective_scale(width, height) if isinstance(detector, ScaledDetector) else 1.0

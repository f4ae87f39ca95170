"""Track-guided zoom: re-detect known faces in small crops, magnified to the detector's best size.

A face that shrinks, turns or blurs drops below a full-frame pass's
threshold long before it leaves the picture. Cropping a window a few face
sizes wide around where a track predicts the face, and resizing every window
to one small square, shows the detector each face at the size it finds best,
for a fraction of a full frame's pixels (a 128 px square is 0.8% of a 1080p
frame). Equal-size windows run as one batch when the detector supports it.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from veil.detection.base import Detector
from veil.detection.multiscale import DetectorWrapper, touches_edge
from veil.faces import Faces

ZOOM_SIDE = 128
"""Pixels per side of every zoom window as the detector sees it."""

ZOOM_CONTEXT = 3.0
"""A window spans this many face sizes, so the face is about ``ZOOM_SIDE / ZOOM_CONTEXT`` px
(43 px: CenterFace's and YuNet's most reliable size) and may move within it."""

MIN_WINDOW = 24
"""Windows are at least this many frame pixels wide: caps the magnification of tiny faces."""

EDGE = 2
"""A box this close to a window's inner edge was cut by it."""


def zoom_windows(
    boxes: np.ndarray, width: int, height: int, context: float = ZOOM_CONTEXT, smallest: int = MIN_WINDOW
) -> np.ndarray:
    """Square ``(N, 4)`` integer windows ``x1, y1, x2, y2`` around ``boxes``, moved inside the frame.

    Examples:
        >>> zoom_windows(np.array([[100, 100, 120, 120]]), 640, 480).tolist()
        [[80, 80, 140, 140]]
        >>> zoom_windows(np.array([[0, 0, 20, 20]]), 640, 480).tolist()  # moved inside
        [[0, 0, 60, 60]]
    """
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    side = np.maximum(np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) * context, smallest)
    side = np.minimum(np.round(side), min(width, height))
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    x1 = np.clip(np.round(cx - side / 2), 0, width - side)
    y1 = np.clip(np.round(cy - side / 2), 0, height - side)
    return np.stack([x1, y1, x1 + side, y1 + side], axis=1).astype(np.int64)


def detect_batch(detector: Detector, images: Sequence[np.ndarray]) -> list[Faces]:
    """The detector on each image: one batched call when it has ``detect_batch``, else one by one."""
    batched = getattr(detector, "detect_batch", None)
    if callable(batched):
        found: list[Faces] = batched(images)
        return found
    return [detector.detect(image) for image in images]


class ZoomDetector(DetectorWrapper):
    """Runs a detector on magnified windows around given boxes (where tracks expect faces).

    Args:
        inner: the detector (CenterFace batches its windows in one onnxruntime call).
        side: the square size every window is resized to.
        context: window width in face sizes.
    """

    def __init__(self, inner: Detector, side: int = ZOOM_SIDE, context: float = ZOOM_CONTEXT) -> None:
        super().__init__(inner)
        self.side = side
        self.context = context

    def detect_around(self, frame: np.ndarray, boxes: np.ndarray) -> Faces:
        """Faces found in the windows around ``boxes``, in frame pixels (overlaps merged).

        Every face in a window counts, not only the expected one: a neighbour
        in a crowd, magnified, is often found there first.
        """
        if not len(boxes):
            return Faces.empty(with_landmarks=True).with_source(self.name)
        height, width = frame.shape[:2]
        windows = zoom_windows(boxes, width, height, self.context)
        crops = []
        for x1, y1, x2, y2 in windows:
            crop = frame[y1:y2, x1:x2]
            interpolation = cv2.INTER_LINEAR if x2 - x1 < self.side else cv2.INTER_AREA
            crops.append(cv2.resize(crop, (self.side, self.side), interpolation=interpolation))
        found = []
        results = detect_batch(self.inner, crops)
        for (x1, y1, x2, y2), faces in zip(windows, results, strict=True):
            # a face cut by a window edge inside the frame goes on outside it: its box is wrong
            faces = faces[
                ~touches_edge(faces, x1 > 0, y1 > 0, x2 < width, y2 < height, self.side, self.side, EDGE)
            ]
            faces = faces.scaled((x2 - x1) / self.side, (y2 - y1) / self.side).shifted(x1, y1)
            found.append(faces)
        faces = Faces.concat(found)
        return faces.nms(0.4) if len(faces) else Faces.empty(with_landmarks=True).with_source(self.name)

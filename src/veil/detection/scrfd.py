"""A user's own ONNX face detector (``--detector onnx:PATH``), SCRFD / RetinaFace-style.

Supports the standard InsightFace SCRFD export: one input image, and per
feature stride (8, 16, 32) a score map ``(., 1)``, box distances ``(., 4)``
and optionally keypoint offsets ``(., 10)``. Outputs are matched by shape,
not by name, so renamed exports load too.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from veil.detection.base import as_bgr
from veil.detection.onnx_session import make_session
from veil.errors import DetectorUnavailable
from veil.faces import Faces

STRIDES = (8, 16, 32)


class SCRFDDetector:
    """SCRFD-family ONNX model; the image is letterboxed into the model's input size."""

    def __init__(
        self,
        path: str | Path,
        threshold: float = 0.5,
        input_size: int = 640,
        nms_iou: float = 0.4,
    ) -> None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise DetectorUnavailable(path, "ONNX model not found")
        self.name = f"onnx:{path.name}"
        self.threshold = threshold
        self.nms_iou = nms_iou
        try:
            self._session = make_session(path)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise DetectorUnavailable(path, f"cannot load ONNX model ({exc})") from exc
        model_input = self._session.get_inputs()[0]
        self._input = model_input.name
        height, width = model_input.shape[2:4]
        fixed = isinstance(height, int) and isinstance(width, int)
        self.input_hw = (height, width) if fixed else (input_size, input_size)
        self._outputs = self._group_outputs()
        self._anchor_cache: dict[tuple[int, int, int], np.ndarray] = {}

    def _group_outputs(self) -> dict[str, list[str]]:
        """Output names by kind (score/bbox/kps), each ordered from stride 8 to 32."""
        by_width: dict[int, list[tuple[str, int]]] = {1: [], 4: [], 10: []}
        for out in self._session.get_outputs():
            last = out.shape[-1]
            if last in by_width:
                count = out.shape[-2] if isinstance(out.shape[-2], int) else 0
                by_width[last].append((out.name, count))
        if len(by_width[1]) != len(STRIDES) or len(by_width[4]) != len(STRIDES):
            raise DetectorUnavailable(
                self.name, "expected SCRFD outputs (3 score, 3 box, optional 3 keypoint maps)"
            )
        groups = {}
        for width, kind in ((1, "score"), (4, "bbox"), (10, "kps")):
            names = [name for name, _ in sorted(by_width[width], key=lambda item: -item[1])]
            groups[kind] = names
        return groups

    def _anchors(self, height: int, width: int, stride: int, per_cell: int) -> np.ndarray:
        key = (height, width, stride)
        if key not in self._anchor_cache:
            ys, xs = np.mgrid[: height // stride, : width // stride]
            centres = np.stack([xs, ys], axis=-1).reshape(-1, 2).astype(np.float32) * stride
            self._anchor_cache[key] = np.repeat(centres, per_cell, axis=0)
        return self._anchor_cache[key]

    def detect(self, frame: np.ndarray) -> Faces:
        frame = as_bgr(frame)
        height, width = frame.shape[:2]
        in_h, in_w = self.input_hw
        scale = min(in_w / width, in_h / height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        canvas = np.zeros((in_h, in_w, 3), np.uint8)
        canvas[:new_h, :new_w] = cv2.resize(frame, (new_w, new_h))
        blob = cv2.dnn.blobFromImage(canvas, 1 / 128, (in_w, in_h), (127.5, 127.5, 127.5), swapRB=True)
        names = self._outputs["score"] + self._outputs["bbox"] + self._outputs["kps"]
        results = dict(zip(names, self._session.run(names, {self._input: blob}), strict=True))

        boxes, scores, points = [], [], []
        for i, stride in enumerate(STRIDES):
            score = results[self._outputs["score"][i]].reshape(-1)
            cells = (in_h // stride) * (in_w // stride)
            anchors = self._anchors(in_h, in_w, stride, max(1, len(score) // cells))
            keep = np.nonzero(score >= self.threshold)[0]
            if len(keep) == 0:
                continue
            centre = anchors[keep]
            dist = results[self._outputs["bbox"][i]].reshape(-1, 4)[keep] * stride
            boxes.append(np.concatenate([centre - dist[:, :2], centre + dist[:, 2:]], axis=1))
            scores.append(score[keep])
            if self._outputs["kps"]:
                offsets = results[self._outputs["kps"][i]].reshape(-1, 5, 2)[keep] * stride
                points.append(centre[:, None, :] + offsets)
        if not boxes:
            return Faces.empty(with_landmarks=bool(self._outputs["kps"])).with_source(self.name)
        faces = Faces(
            np.concatenate(boxes),
            np.concatenate(scores),
            np.concatenate(points) if points else None,
            source=self.name,
        )
        return faces.nms(self.nms_iou).scaled(1 / scale).clipped(width, height)

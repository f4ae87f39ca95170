"""Box geometry shared by detection, tracking, filters and evaluation: overlap and growth.

Boxes are ``x1, y1, x2, y2`` in frame pixels, as in `veil.Faces.xyxy`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_TINY = np.finfo(np.float64).tiny


def box_area(xyxy: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Area of each ``(N, 4)`` box (0 for boxes with no extent)."""
    boxes = np.asarray(xyxy, np.float64).reshape(-1, 4)
    extent = np.maximum(boxes[:, 2:] - boxes[:, :2], 0)
    return extent[:, 0] * extent[:, 1]


def box_iou(
    a: npt.NDArray[Any],
    b: npt.NDArray[Any],
    *,
    area_a: npt.NDArray[Any] | None = None,
    area_b: npt.NDArray[Any] | None = None,
) -> npt.NDArray[np.float64]:
    """Pairwise intersection-over-union of two ``(N, 4)`` / ``(M, 4)`` xyxy arrays: ``(N, M)``.

    ``area_a``/``area_b``: the boxes' areas (`box_area`), when a loop that calls this
    once per box keeps them (greedy NMS and fusion do), so they are not recomputed.

    Examples:
        >>> box_iou(np.array([[0, 0, 10, 10]]), np.array([[5, 0, 15, 10], [20, 20, 30, 30]])).round(3)
        array([[0.333, 0.   ]])
    """
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    extent = np.minimum(a[:, None, 2:], b[None, :, 2:]) - np.maximum(a[:, None, :2], b[None, :, :2])
    np.maximum(extent, 0, out=extent)
    inter = extent[..., 0] * extent[..., 1]
    area_a = box_area(a) if area_a is None else np.asarray(area_a, np.float64).reshape(-1)
    area_b = box_area(b) if area_b is None else np.asarray(area_b, np.float64).reshape(-1)
    union = area_a[:, None] + area_b[None, :] - inter
    return inter / np.maximum(union, _TINY)  # 0 where boxes have no area (inter is 0 there too)


def grown_box(xyxy: npt.NDArray[Any], scale: float) -> npt.NDArray[np.float64]:
    """The box scaled by ``scale`` about its centre (float ``x1, y1, x2, y2``).

    Examples:
        >>> grown_box(np.array([10, 10, 20, 30]), 2.0)
        array([ 5.,  0., 25., 40.])
    """
    x1, y1, x2, y2 = (float(v) for v in xyxy)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    hw, hh = (x2 - x1) * scale / 2, (y2 - y1) * scale / 2
    return np.array([cx - hw, cy - hh, cx + hw, cy + hh], np.float64)

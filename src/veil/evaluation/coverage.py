"""How much of each true face the applied masks actually hid.

A face counts as *covered* when at least `COVERED` of its ground-truth box
lies under the mask (alpha >= 0.5) of some hidden face: a box that merely
overlaps it, or a mask that hides only the chin, is a leak.
"""

from __future__ import annotations

import numpy as np

from veil.filters.masks import MaskSpec, mask_alpha, region_of

COVERED = 0.7


def mask_union(
    hidden: np.ndarray, spec: MaskSpec, width: int, height: int, window: tuple[int, int, int, int]
) -> np.ndarray:
    """The union (max) of the masks of the ``hidden`` ``(N, 4)`` boxes, over pixel ``window`` of the frame."""
    x1, y1, x2, y2 = window
    canvas = np.zeros((y2 - y1, x2 - x1), np.float32)
    for box in np.asarray(hidden, np.float64).reshape(-1, 4):
        region = region_of(box, spec.scale, width, height)
        ix1, iy1 = max(x1, region[0]), max(y1, region[1])
        ix2, iy2 = min(x2, region[2]), min(y2, region[3])
        if ix2 <= ix1 or iy2 <= iy1:
            continue
        alpha = mask_alpha(box, spec, region)
        part = alpha[iy1 - region[1] : iy2 - region[1], ix1 - region[0] : ix2 - region[0]]
        view = canvas[iy1 - y1 : iy2 - y1, ix1 - x1 : ix2 - x1]
        np.maximum(view, part, out=view)
    return canvas


def covered_fraction(truth: np.ndarray, hidden: np.ndarray, spec: MaskSpec, width: int, height: int) -> float:
    """Fraction of the pixels of face box ``truth`` under the masks of the ``hidden`` ``(N, 4)`` boxes."""
    window = region_of(np.asarray(truth, np.float64), 1.0, width, height)
    if window[2] <= window[0] or window[3] <= window[1]:
        return 1.0  # entirely outside the frame: nothing to leak
    return float((mask_union(hidden, spec, width, height, window) >= 0.5).mean())


def masked_area(hidden: np.ndarray, spec: MaskSpec, width: int, height: int) -> float:
    """Fraction of the whole frame under the masks: what hiding costs the picture."""
    return float((mask_union(hidden, spec, width, height, (0, 0, width, height)) >= 0.5).mean())


def uncovered(
    truths: np.ndarray, hidden: np.ndarray, spec: MaskSpec, width: int, height: int, need: float = COVERED
) -> np.ndarray:
    """A bool per ground-truth face: True where the masks hid less than ``need`` of it."""
    return np.array(
        [covered_fraction(t, hidden, spec, width, height) < need for t in np.asarray(truths).reshape(-1, 4)],
        bool,
    )

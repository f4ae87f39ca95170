"""What video hiding costs the picture: hidden area, collateral, false blocks; and a clip with scene cuts.

No dev clip has face annotations, so precision is measured against a *generous*
reference of plausible faces: CenterFace and YuNet at 2x, any score >= 0.3,
each box grown 1.6x. On each checked frame:

* **hidden %**: the share of the frame under the masks (mask alpha >= 0.5, the
  same rasterisation `veil.filters.masks` renders with, so the mask is exact);
* **collateral %**: the share of the frame hidden outside every plausible face;
* **false blocks**: connected hidden regions of at least `BLOCK_PIXELS` pixels that
  touch no plausible face: a block on the pavement, a body, a facade.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from veil.detection import load_detector
from veil.evaluation.coverage import mask_union
from veil.faces import Faces
from veil.filters import MaskSpec
from veil.geometry import grown_box

PLAUSIBLE_SCORE = 0.3
PLAUSIBLE_GROWTH = 1.6
BLOCK_PIXELS = 150


def search_reference(frames: dict[int, np.ndarray]) -> dict[int, Faces]:
    """CenterFace x2 and YuNet x2 at score >= `PLAUSIBLE_SCORE`, merged: the strong reference
    (each model's own default cut-off) and the plausible one are both taken from it."""
    detectors = [load_detector(name, PLAUSIBLE_SCORE, 2.0) for name in ("centerface", "yunet")]
    found = {}
    for i, frame in frames.items():
        found[i] = Faces.concat([d.detect(frame) for d in detectors])
    return found


def plausible_regions(faces: Faces, width: int, height: int) -> np.ndarray:
    """A bool ``(height, width)`` mask: every plausible face's box grown `PLAUSIBLE_GROWTH`."""
    region = np.zeros((height, width), bool)
    for box in faces.xyxy.astype(np.float64):
        x1, y1, x2, y2 = grown_box(box, PLAUSIBLE_GROWTH)
        region[max(0, int(y1)) : max(0, int(np.ceil(y2))), max(0, int(x1)) : max(0, int(np.ceil(x2)))] = True
    return region


def hidden_mask(boxes: np.ndarray, spec: MaskSpec, width: int, height: int) -> np.ndarray:
    """The pixels the masks of ``boxes`` hide (alpha >= 0.5), as rendered."""
    return mask_union(boxes, spec, width, height, (0, 0, width, height)) >= 0.5


def frame_precision(hidden: np.ndarray, plausible: np.ndarray) -> tuple[float, float, int]:
    """Hidden share, collateral share and false blocks of one frame."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hidden.astype(np.uint8), connectivity=8)
    touching = set(np.unique(labels[hidden & plausible]).tolist())
    blocks = sum(
        1
        for label in range(1, count)
        if stats[label, cv2.CC_STAT_AREA] >= BLOCK_PIXELS and label not in touching
    )
    return float(hidden.mean()), float((hidden & ~plausible).mean()), blocks


def precision(
    hidden_boxes: dict[int, np.ndarray], plausible: dict[int, Faces], spec: MaskSpec, size: tuple[int, int]
) -> dict[str, float]:
    """Mean hidden %, collateral % and false blocks per frame over the frames of ``plausible``."""
    width, height = size
    rows = [
        frame_precision(
            hidden_mask(hidden_boxes.get(i, np.zeros((0, 4))), spec, width, height),
            plausible_regions(faces, width, height),
        )
        for i, faces in plausible.items()
    ]
    hidden, collateral, blocks = (np.array(column, np.float64) for column in zip(*rows, strict=True))
    return {
        "hidden_pct": 100 * float(hidden.mean()),
        "collateral_pct": 100 * float(collateral.mean()),
        "false_blocks": float(blocks.mean()),
    }


CUT_CLIP = "cuts: stage + 1080p street + stage (2 hard cuts)"
CUT_SIZE = (640, 360)


def make_cut_clip(data: Path, path: Path, fps: int = 25) -> Path:
    """A clip with two hard cuts, from the dev clips: 90 stage frames, the 105 street frames
    shrunk to 640x360, then the next 90 stage frames. Cuts at frames 90 and 195."""

    def frames(name: str, start: int, stop: int) -> list[np.ndarray]:
        with av.open(str(data / name)) as container:
            decoded = (f.to_ndarray(format="bgr24") for f in container.decode(video=0))
            return [cv2.resize(f, CUT_SIZE, interpolation=cv2.INTER_AREA) for i, f in enumerate(decoded)
                    if start <= i < stop]  # fmt: skip

    stage, street = "short_hamilton_clip.mp4", "facenet_pytorch_video.mp4"
    parts = frames(stage, 0, 90) + frames(street, 0, 105) + frames(stage, 90, 180)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = CUT_SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "threads": "1"}
        for pixels in parts:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="bgr24")))
        container.mux(stream.encode(None))
    return path

"""How video frames are searched for faces: a cheap scan, an upscaled sweep, and zoom on tracks.

Upscaling every whole frame buys recall at several times the cost. In video,
time can carry it instead:

* **scan**: a cheap full-frame pass on every frame (or none);
* **sweep**: an upscaled pass spread over several frames, one tile per frame,
  so every part of the picture gets the small-face pass every ``tiles``
  frames; the tracker covers a face found there back to where it entered;
* **zoom**: every face a track expects in this frame is re-detected in a
  magnified window around its predicted box (`veil.detection.zoom`), so a
  face that shrinks, turns or blurs stays found, with a tight box.

Each face records which pass found it (``found_by``: scan, sweep or zoom;
the tracker adds ``fill``). The recipes are chosen in benchmarks/results/video.md.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from veil.detection.base import Detector
from veil.detection.fusion import Member
from veil.detection.multiscale import ScaledDetector, effective_scale, touches_edge
from veil.detection.thresholds import default_threshold
from veil.detection.zoom import ZOOM_CONTEXT, ZOOM_SIDE, ZoomDetector
from veil.faces import Faces
from veil.geometry import box_iou
from veil.threads import models_threaded, search_threads

SWEEP_OVERLAP = 24
"""Frame pixels that neighbouring sweep tiles share: the sweep is for faces smaller than
this (larger ones are the scan's and the zoom's), and a wider band costs more on small frames."""

SAME_FACE_IOU = 0.3
"""An expected box and a detection overlapping this much are the same face."""

MERGE_IOU = 0.4
"""Boxes of one face found by several passes overlap by more than this; the best-scoring one stays."""

CONCURRENT_MODELS = frozenset({"yunet", "centerface", "retinaface"})
"""Models whose detectors several threads may call at once (onnxruntime sessions, libfacedetection)."""


@dataclass(frozen=True)
class VideoRecipe:
    """What runs on each video frame (see the module docstring).

    Attributes:
        scan: the full-frame passes on every frame (none: the sweep alone finds new faces).
        scan_every: per scan member, the one frame in N it runs on (missing: every frame);
            tracks and zoom carry the frames between.
        sweep: the upscaled pass, spread over ``tiles`` frames, or None.
        sweep_share: the sweep's pixels per frame, as a share of the frame's own: an upscaled
            frame is cut into as many tiles as that takes (2x at 0.5: 8 tiles, one per frame).
        sweep_side: the sweep's upscaling stops when the frame's longer side reaches this.
        zoom: detectors re-run around every face a track expects.
        zoom_side: zoom windows' size as the detector sees them.
        zoom_hits, zoom_score: a track is zoomed on once it has this many detections, or
            one scoring this much (a lone weak detection is more often a false alarm).
        zoom_skip: a track whose face a full-frame pass found this frame scoring this much
            is not zoomed on (above 1: always zoom).
    """

    scan: tuple[Member, ...] = (Member("centerface", 1.0),)
    scan_every: tuple[int, ...] = ()
    sweep: Member | None = None
    sweep_share: float = 1.0
    sweep_side: int = 4096
    zoom: tuple[str, ...] = ()
    zoom_side: int = ZOOM_SIDE
    zoom_context: float = ZOOM_CONTEXT
    zoom_hits: int = 1
    zoom_score: float = 0.0
    zoom_skip: float = 1.1

    @property
    def label(self) -> str:
        """A readable key, e.g. ``scan centerface@0.5x + sweep centerface@2x/4 + zoom centerface``."""
        parts = []
        if self.scan:
            runs = zip(self.scan, self.every, strict=True)
            passes = [m.pass_label + (f"/{n}" if n > 1 else "") for m, n in runs]
            parts.append(f"scan {'+'.join(passes)}")
        if self.sweep is not None:
            parts.append(f"sweep {self.sweep.pass_label}<={self.sweep_side}px share {self.sweep_share:g}")
        if self.zoom:
            parts.append(f"zoom {'+'.join(self.zoom)}@{self.zoom_side}px")
        return " + ".join(parts)

    @property
    def looks_twice(self) -> bool:
        """Whether a face gets a second look (the sweep's tiles, the zoom): what confirms a lone find."""
        return self.sweep is not None or bool(self.zoom)

    @property
    def every(self) -> tuple[int, ...]:
        """How often each scan member runs (one frame in N)."""
        return tuple(self.scan_every[i] if i < len(self.scan_every) else 1 for i in range(len(self.scan)))


def even_spans(length: int, count: int, overlap: int) -> list[tuple[int, int]]:
    """``count`` equal ``(start, stop)`` spans covering ``[0, length)``, neighbours sharing ``overlap``.

    >>> even_spans(100, 2, 10)
    [(0, 55), (45, 100)]
    """
    if count <= 1:
        return [(0, length)]
    size = min(length, math.ceil((length + (count - 1) * overlap) / count))
    starts = np.linspace(0, length - size, count).round().astype(int)
    return [(int(s), int(s) + size) for s in starts]


def tile_grid(width: int, height: int, tiles: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """``tiles`` windows ``x1, y1, x2, y2`` covering the frame, as square as the count allows.

    >>> tile_grid(200, 100, 2, 10)
    [(0, 0, 105, 100), (95, 0, 200, 100)]
    """
    best = min(
        ((rows, tiles // rows) for rows in range(1, tiles + 1) if tiles % rows == 0),
        key=lambda rc: abs(math.log((width / rc[1]) / (height / rc[0]))),
    )
    return [
        (x1, y1, x2, y2)
        for y1, y2 in even_spans(height, best[0], overlap)
        for x1, x2 in even_spans(width, best[1], overlap)
    ]


class Sweep:
    """An upscaled full-frame pass, one tile per frame: the ``i``-th call searches tile ``i % tiles``.

    The tile count follows the frame size: as many as keep each frame's share
    of upscaled pixels at ``share`` of the frame's own.

    Tiles overlap by `overlap` frame pixels, so a face smaller than that is
    whole in one of them. A face cut by an inner edge is dropped: a small one
    is whole in the neighbouring tile, and a large one is left to the scan and
    the zoom (its part alone would start a track that no gallery can recognise).
    """

    def __init__(
        self, inner: Detector, scale: float, share: float, max_side: int, overlap: int = SWEEP_OVERLAP
    ) -> None:
        self.inner = inner
        self.scale = scale
        self.share = share
        self.max_side = max_side
        self.overlap = overlap

    def tiles(self, width: int, height: int) -> int:
        """How many frames one sweep of a ``width`` x ``height`` picture takes."""
        scale = effective_scale(self.scale, width, height, self.max_side)
        return max(1, math.ceil(scale**2 / self.share - 1e-9))

    def detect(self, index: int, frame: np.ndarray) -> Faces:
        height, width = frame.shape[:2]
        scale = effective_scale(self.scale, width, height, self.max_side)
        tiles = self.tiles(width, height)
        x1, y1, x2, y2 = tile_grid(width, height, tiles, self.overlap)[index % tiles]
        tile = np.ascontiguousarray(frame[y1:y2, x1:x2])
        faces = ScaledDetector(self.inner, scale, max_side=max(width, height) * 8).detect(tile)
        cut = touches_edge(faces, x1 > 0, y1 > 0, x2 < width, y2 < height, x2 - x1, y2 - y1)
        return faces[~cut].shifted(x1, y1)


class VideoSearch:
    """Finds faces in one video frame with a `VideoRecipe`, given where tracks expect faces.

    Examples:
        >>> import cv2
        >>> frame = cv2.imread("examples/newton.png")
        >>> search = VideoSearch(VideoRecipe(zoom=("centerface",)), threshold=0.2)
        >>> search.detect(frame).found_by                          # the scan finds the face
        array(['scan'], dtype=object)
        >>> search.detect(frame, np.array([[334, 89, 439, 231]])).found_by  # found: no zoom needed
        array(['scan'], dtype=object)
    """

    def __init__(self, recipe: VideoRecipe, threshold: float) -> None:
        from veil.detection.registry import load_detector

        self.recipe = recipe
        self.name = recipe.label
        self._threshold = threshold
        models: dict[str, Detector] = {}

        names = {m.detector for m in recipe.scan} | set(recipe.zoom)
        if recipe.sweep is not None:
            names.add(recipe.sweep.detector)
        self.concurrent = names <= CONCURRENT_MODELS
        """Whether `full_frame` may run on several frames at once (`veil.threads.ordered_map`)."""

        def model(name: str) -> Detector:
            if name not in models:
                # ``threshold`` is CenterFace's; other models keep their own video default.
                own = threshold if name == "centerface" else default_threshold(name, video=True)
                models[name] = load_detector(name, own)
            return models[name]

        # frames searched several at once keep every core busy: one core per call is enough
        single = self.concurrent and search_threads() > 1
        with models_threaded(1) if single else contextlib.nullcontext():
            self.scans = [
                ScaledDetector(model(m.detector), m.scale, fit_side=m.fit_side) for m in recipe.scan
            ]
            self.sweep = None
            if recipe.sweep is not None:
                sweep = recipe.sweep
                self.sweep = Sweep(model(sweep.detector), sweep.scale, recipe.sweep_share, recipe.sweep_side)
            self.zooms = [
                ZoomDetector(model(name), recipe.zoom_side, recipe.zoom_context) for name in recipe.zoom
            ]
        self._models = models
        # time spent in each pass (summed over threads), for benchmarks/video.py
        self.seconds: dict[str, float] = {"scan": 0.0, "sweep": 0.0, "zoom": 0.0}
        self._timing = threading.Lock()
        self._swept = 0  # frames searched so far: with --detect-every, every tile still comes round

    @property
    def threshold(self) -> float:
        return self._threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self._threshold = value
        for detector in self._models.values():
            detector.threshold = value

    @property
    def wants_expected(self) -> bool:
        """Whether `detect` uses the boxes tracks expect (only zoom does)."""
        return bool(self.zooms)

    def detect(
        self, frame: np.ndarray, expected: np.ndarray | None = None, sweep_index: int | None = None
    ) -> Faces:
        """Faces in the next frame of a video, each labelled with the pass that found it.

        ``expected``: ``(N, 4)`` boxes where tracks predict a face in this frame.
        ``sweep_index``: which sweep tile this frame gets (default: the calls so far).
        """
        return self.around(frame, self.full_frame(frame, sweep_index), expected)

    def full_frame(self, frame: np.ndarray, sweep_index: int | None = None) -> Faces:
        """The scan and sweep passes alone: they need no tracks, so chunks of a video can run
        them apart (`veil.batch.chunked`); `around` then finishes the frame."""
        start = time.perf_counter()
        index = self._swept if sweep_index is None else sweep_index
        self._swept = index + 1
        runs = zip(self.scans, self.recipe.every, strict=True)
        scans = [scan for scan, every in runs if index % every == 0]
        found = [_labelled(scan.detect(frame), "scan") for scan in scans]
        scanned = time.perf_counter()
        if self.sweep is not None:
            found.append(_labelled(self.sweep.detect(index, frame), "sweep"))
        self._time("scan", scanned - start)
        self._time("sweep", time.perf_counter() - scanned)
        return Faces.concat(found)

    def around(self, frame: np.ndarray, faces: Faces, expected: np.ndarray | None = None) -> Faces:
        """``faces`` (from `full_frame`) plus the zoom's around every ``expected`` box they lack, merged."""
        start = time.perf_counter()
        if expected is not None and len(expected) and self.zooms:
            expected = self._not_yet_found(expected, faces)
            around = [_labelled(zoom.detect_around(frame, expected), "zoom") for zoom in self.zooms]
            faces = Faces.concat([faces, *around])
        self._time("zoom", time.perf_counter() - start)
        if not len(faces):
            return _labelled(Faces.empty(with_landmarks=True), "scan")
        return faces.nms(MERGE_IOU)

    def _time(self, stage: str, seconds: float) -> None:
        with self._timing:
            self.seconds[stage] += seconds

    def _not_yet_found(self, expected: np.ndarray, found: Faces) -> np.ndarray:
        """The expected boxes no full-frame pass found this frame with a score of at least ``zoom_skip``."""
        sure = found.xyxy[found.score >= self.recipe.zoom_skip].astype(np.float64)
        if not len(sure) or not len(expected):
            return expected
        return expected[box_iou(np.asarray(expected, np.float64), sure).max(axis=1) < SAME_FACE_IOU]


def _labelled(faces: Faces, found_by: str) -> Faces:
    return replace(faces, found_by=np.full(len(faces), found_by, dtype=object))

"""Fusing several detectors, scales and flips into one calibrated set of faces.

Each *member* (a detector at a scale, perhaps mirrored) finds faces on its
own, within its band of face sizes (`Member.keep`). Boxes that overlap
across members are clustered; each cluster becomes one face whose box is the
score-weighted mean of its members' boxes, whose landmarks come from its most
confident member, and whose score comes from one of two schemes, the one that
scores the recipe's faces best (`SCHEMES`):

- ``stacked``: the larger of the calibrated probability of its most confident
  member alone (Platt scaling per member: every member's scores on one
  probability scale) and a stacked logistic model of which members found it and
  how confidently: ``logit P = bias + sum over members k that found it of
  (a_k logit(s_k) + c_k)``;
- ``noisy-or``: ``1 - prod(1 - p_k)`` over the calibrated probabilities of the
  members that found it (for recipes of several model designs, whose misses are
  less alike than those of one model at several scales).

Either way a face found by any single member keeps at least that member's
calibrated probability, and agreement can only raise it. The weights and the
scheme are fitted on ../shared/data (`benchmarks/fit_fusion.py`, which compares
the schemes and max on the same clusters in benchmarks/results/fusion.md) and
shipped in ``fusion_weights.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from veil.detection.base import Detector
from veil.detection.multiscale import scale_of
from veil.faces import Faces
from veil.geometry import box_area, box_iou

FUSION_IOU = 0.5
"""Boxes from different members overlapping by more than this are one face."""

MEMBER_FLOOR = 0.05
"""Members report every candidate above this raw score; the fused score decides."""

SAME_SCALE = 0.1
"""Members whose effective scales on a frame differ by less than this (relative)
find the same faces: the second reuses the first one's result."""

WEIGHTS_FILE = Path(__file__).with_name("fusion_weights.json")

SCHEMES = ("stacked", "noisy-or")
"""How a cluster's member scores become one probability (see the module docstring)."""


@dataclass(frozen=True)
class Member:
    """One pass of a detector: its name, resize factor, mirroring and speed cap."""

    detector: str
    scale: float = 1.0
    flip: bool = False
    fit_side: int | None = None  # shrink so the longer side is at most this
    smallest: int | None = None  # drop faces smaller than this, in the member's resized pixels
    largest: int | None = None  # drop faces this large or larger, in the member's resized pixels

    @property
    def label(self) -> str:
        """A stable name, e.g. ``centerface@2.5x-faces<320px``: the key of its fitted weights."""
        text = self.pass_label
        if self.smallest is not None:
            text += f"-faces>={self.smallest}px"
        if self.largest is not None:
            text += f"-faces<{self.largest}px"
        return text

    @property
    def pass_label(self) -> str:
        """The detector pass alone (what it runs, not which faces it keeps), e.g. ``centerface@2.5x-flip``."""
        text = f"{self.detector}@{self.scale:g}x"
        if self.fit_side is not None:
            text += f"<={self.fit_side}px"
        return text + ("-flip" if self.flip else "")

    def keep(self, faces: Faces, scale: float) -> Faces:
        """The faces this member is trusted with at effective ``scale`` (its band of sizes).

        Each pass is best within a band of face sizes: upscaled, a detector
        sees a large face in pieces and boxes it too small; at 1x, its tiny
        faces are mostly false alarms that the upscaled pass judges better.
        """
        size = np.maximum(faces.width, faces.height) * scale
        keep = np.ones(len(faces), bool)
        if self.smallest is not None:
            keep &= size >= self.smallest
        if self.largest is not None:
            keep &= size < self.largest
        return faces if keep.all() else faces[keep]


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float64)))


@dataclass(frozen=True)
class FusionWeights:
    """The fitted model.

    ``alone[k] = (a, b)``: Platt scaling of member k's raw score, the
    probability of a face it finds on its own. ``bias`` and ``members[k] =
    (a_k, c_k)``: the stacked logistic model over every member's evidence.
    A fused face scores the larger of the two, so that agreement can only
    raise a face's confidence, never sink a face that one member is sure of
    (say, a large face only the 1x pass sees whole).
    """

    bias: float
    members: dict[str, tuple[float, float]]
    alone: dict[str, tuple[float, float]]
    scheme: str = "stacked"

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown fusion scheme {self.scheme!r}; choose from {', '.join(SCHEMES)}")

    @classmethod
    def identity(cls, labels: Sequence[str]) -> FusionWeights:
        """Raw scores passed through unchanged (what fitting starts from)."""
        return cls(0.0, {label: (1.0, 0.0) for label in labels}, {label: (1.0, 0.0) for label in labels})

    def member_logit(self, label: str, scores: np.ndarray) -> np.ndarray:
        """One member's stacked evidence: ``a_k * logit(s) + c_k``."""
        a, c = self.members[label]
        return a * logit(scores) + c

    def single(self, label: str, scores: np.ndarray) -> np.ndarray:
        """Calibrated probability of a face found by this member alone."""
        a, b = self.alone[label]
        return sigmoid(a * logit(scores) + b)

    def fused(self, scores: np.ndarray, labels: Sequence[str]) -> np.ndarray:
        """Probability of each clustered face from its ``(C, K)`` member scores (NaN: not found)."""
        stacked = self.bias + np.zeros(len(scores))
        best = np.zeros(len(scores))
        missed = np.ones(len(scores))  # noisy-OR: the chance that every finding member is wrong
        for k, label in enumerate(labels):
            found = ~np.isnan(scores[:, k])
            single = self.single(label, scores[found, k])
            stacked[found] += self.member_logit(label, scores[found, k])
            best[found] = np.maximum(best[found], single)
            missed[found] *= 1 - single
        if self.scheme == "noisy-or":
            return 1 - missed
        return np.maximum(sigmoid(stacked), best)

    def with_scheme(self, scheme: str) -> FusionWeights:
        """The same weights scored by another scheme."""
        return replace(self, scheme=scheme)

    def to_json(self) -> dict[str, object]:
        return {
            "bias": self.bias,
            "members": {k: list(v) for k, v in self.members.items()},
            "alone": {k: list(v) for k, v in self.alone.items()},
            "scheme": self.scheme,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FusionWeights:
        def pairs(name: str) -> dict[str, tuple[float, float]]:
            return {k: (float(a), float(b)) for k, (a, b) in data[name].items()}

        return cls(float(data["bias"]), pairs("members"), pairs("alone"), str(data.get("scheme", "stacked")))


@dataclass
class Clusters:
    """Overlapping boxes grouped into faces, with each member's best raw score per face."""

    faces: Faces  # fused boxes and landmarks; score not yet set
    scores: np.ndarray  # (C, K): member k's best raw score for face c, NaN where it did not find it


def cluster(
    parts: Sequence[Faces], labels: Sequence[str], weights: FusionWeights, iou: float = FUSION_IOU
) -> Clusters:
    """Group the members' boxes into faces, most confident first (greedy, like NMS).

    A box joins the cluster whose current fused box it overlaps most (IoU >
    ``iou``); otherwise it starts a new cluster. The fused box is the mean of
    the cluster's boxes weighted by their calibrated scores.
    """
    sizes = [len(p) for p in parts]
    if not sum(sizes):
        return Clusters(Faces.empty(with_landmarks=True), np.zeros((0, len(parts))))
    boxes = np.concatenate([p.xyxy for p in parts]).astype(np.float64)
    raw = np.concatenate([p.score for p in parts]).astype(np.float64)
    member = np.repeat(np.arange(len(parts)), sizes)
    prob = np.concatenate([weights.single(label, p.score) for label, p in zip(labels, parts, strict=True)])
    landmarks = np.concatenate(
        [
            p.landmarks if p.landmarks is not None else np.full((len(p), 5, 2), np.nan, np.float32)
            for p in parts
        ]
    )
    count = 0  # clusters so far; their arrays are preallocated (this loop runs per candidate box)
    fused = np.empty((len(boxes), 4))
    area = np.empty(len(boxes))  # of each cluster's fused box, kept for the overlap test
    weight_sum = np.empty(len(boxes))
    best = np.empty(len(boxes), np.int64)  # the most confident box with landmarks (or any box)
    scores = np.full((len(boxes), len(parts)), np.nan)
    box_areas = box_area(boxes)
    has_points = ~np.isnan(landmarks).all(axis=(1, 2))
    for i in np.argsort(-prob, kind="stable"):
        j = -1
        if count:
            overlaps = box_iou(boxes[i], fused[:count], area_a=box_areas[i], area_b=area[:count])[0]
            j = int(np.argmax(overlaps))
            if overlaps[j] <= iou:
                j = -1
        k = member[i]
        if j < 0:
            fused[count], area[count], weight_sum[count], best[count] = boxes[i], box_areas[i], prob[i], i
            scores[count, k] = raw[i]
            count += 1
            continue
        total = weight_sum[j] + prob[i]
        fused[j] = (fused[j] * weight_sum[j] + boxes[i] * prob[i]) / max(total, 1e-12)
        weight_sum[j] = total
        area[j] = box_area(fused[j])[0]
        if not has_points[best[j]] and has_points[i]:
            best[j] = i
        if np.isnan(scores[j, k]) or raw[i] > scores[j, k]:
            scores[j, k] = raw[i]
    scores = scores[:count]
    faces = Faces(
        fused[:count].astype(np.float32),
        np.zeros(count, np.float32),
        landmarks[best[:count]],
        source=np.array([_agreeing(labels, row) for row in scores], dtype=object),
    )
    return Clusters(faces, scores)


def _agreeing(labels: Sequence[str], row: np.ndarray) -> str:
    """The members that found a face, e.g. ``centerface@1x+centerface@2.5x``."""
    return "+".join(label for label, score in zip(labels, row, strict=True) if not np.isnan(score))


def fuse(
    parts: Sequence[Faces], labels: Sequence[str], weights: FusionWeights, iou: float = FUSION_IOU
) -> Faces:
    """One face per cluster of overlapping member boxes, scored by the fitted model."""
    clusters = cluster(parts, labels, weights, iou)
    faces = clusters.faces
    faces.score = weights.fused(clusters.scores, labels).astype(np.float32)
    return faces


class FusedDetector:
    """Several members run on each frame and fused into one calibrated set of faces.

    ``threshold`` applies to the fused probability; members report every
    candidate down to `MEMBER_FLOOR` so that weak agreeing evidence counts.
    """

    def __init__(
        self,
        name: str,
        members: Sequence[tuple[Member, Detector]],
        weights: FusionWeights,
        threshold: float,
        iou: float = FUSION_IOU,
    ) -> None:
        missing = [m.label for m, _ in members if m.label not in weights.members]
        if missing:
            raise ValueError(
                f"no fitted fusion weights for {', '.join(missing)} (run benchmarks/fit_fusion.py)"
            )
        self.name = name
        self.members = list(members)
        self.labels = [m.label for m, _ in members]
        self.weights = weights
        self.threshold = threshold
        self.iou = iou

    def detect_members(self, frame: np.ndarray) -> list[Faces]:
        """Each member's own faces (what fusion starts from; used to refit the weights).

        A scale that cannot find new faces is skipped: on a large frame,
        upscaling is capped, so 2x and 3x can end up at the same size, and the
        second member then reuses the first one's result.
        """
        height, width = frame.shape[:2]
        done: list[tuple[Member, float, Faces]] = []
        for member, detector in self.members:
            scale = scale_of(detector, width, height)
            same = (
                faces
                for m, s, faces in done
                if (m.detector, m.flip) == (member.detector, member.flip) and abs(s - scale) <= SAME_SCALE * s
            )
            reused = next(same, None)
            faces = detector.detect(frame) if reused is None else reused
            done.append((member, scale, faces))
        return [m.keep(faces, scale) for m, scale, faces in done]

    def detect(self, frame: np.ndarray) -> Faces:
        return fuse(self.detect_members(frame), self.labels, self.weights, self.iou).above(self.threshold)


def load_weights(recipe: str, path: Path = WEIGHTS_FILE) -> FusionWeights:
    """The shipped weights for a recipe name (e.g. ``balanced``)."""
    data = json.loads(path.read_text())
    if recipe not in data["recipes"]:
        raise ValueError(f"no fusion weights for recipe {recipe!r} in {path}")
    return FusionWeights.from_json(data["recipes"][recipe])

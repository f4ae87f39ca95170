"""Fitting the fusion model (`veil.detection.fusion`) on annotated photos.

Each member's detections on each photo are clustered into faces exactly as
at run time; each face is labelled true or false positive by the benchmark's
matching rule (IoU >= 0.5, ignore regions dropped); a ridge-regularised
logistic regression then learns how much each member's score, and its mere
agreement, says about a face being real. Refit with `benchmarks/fit_fusion.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from veil.detection.fusion import FUSION_IOU, FusionWeights, cluster, logit, sigmoid
from veil.evaluation.metrics import IGNORED, TP, matches
from veil.faces import Faces

Truth = tuple[np.ndarray, np.ndarray]
"""Ground-truth boxes ``(M, 4)`` and which of them are positives (the rest are ignore regions)."""


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3, iterations: int = 100) -> np.ndarray:
    """Logistic regression by Newton's method; returns the weights with the intercept last."""
    design = np.column_stack([x, np.ones(len(x))])
    w = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = sigmoid(design @ w)
        gradient = design.T @ (p - y) + ridge * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + ridge * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _features(scores: np.ndarray) -> np.ndarray:
    """Per member k: ``found_k * logit(s_k)`` and ``found_k`` (so a_k and c_k are learnt)."""
    found = ~np.isnan(scores)
    columns = []
    for k in range(scores.shape[1]):
        columns.append(np.where(found[:, k], logit(np.nan_to_num(scores[:, k], nan=0.5)), 0.0))
        columns.append(found[:, k].astype(np.float64))
    return np.column_stack(columns) if columns else np.zeros((len(scores), 0))


def labelled_clusters(
    member_faces: Sequence[Sequence[Faces]],
    truths: Sequence[Truth],
    labels: Sequence[str],
    weights: FusionWeights,
    iou: float = FUSION_IOU,
) -> tuple[np.ndarray, np.ndarray]:
    """Every fused face on every photo: its features and whether it is a true positive.

    Faces on ignore regions are left out.
    """
    xs, ys = [], []
    for parts, (boxes, positive) in zip(member_faces, truths, strict=True):
        clusters = cluster(parts, labels, weights, iou)
        if not len(clusters.faces):
            continue
        found, _ = matches(clusters.faces.xyxy, weights.fused(clusters.scores, labels), boxes, positive)
        keep = found != IGNORED
        xs.append(_features(clusters.scores[keep]))
        ys.append((found[keep] == TP).astype(np.float64))
    return np.concatenate(xs), np.concatenate(ys)


def fit_fusion(
    member_faces: Sequence[Sequence[Faces]],
    truths: Sequence[Truth],
    labels: Sequence[str],
    passes: int = 2,
    iou: float = FUSION_IOU,
) -> FusionWeights:
    """Fit the fusion weights for members ``labels`` from their faces on annotated photos.

    Each member's Platt scaling is fitted on its own detections; the stacked
    model then on the clusters, which the first pass forms in order of
    calibrated single-member score and later passes in the fitted order.
    """
    alone = {}
    for k, label in enumerate(labels):
        own = [[parts[k]] for parts in member_faces]
        x, y = labelled_clusters(own, truths, [label], FusionWeights.identity([label]), iou)
        a, b = fit_logistic(x[:, :1], y)  # the "found" column is all ones: the intercept's
        alone[label] = (float(a), float(b))
    weights = FusionWeights(0.0, {label: (0.0, 0.0) for label in labels}, alone)
    for _ in range(passes):
        x, y = labelled_clusters(member_faces, truths, labels, weights, iou)
        w = fit_logistic(x, y)
        stacked = {label: (float(w[2 * k]), float(w[2 * k + 1])) for k, label in enumerate(labels)}
        weights = FusionWeights(float(w[-1]), stacked, alone)
    return weights

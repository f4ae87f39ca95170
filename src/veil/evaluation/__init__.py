"""Measuring veil: datasets with ground truth, and the metrics the benchmarks print."""

from veil.evaluation.coverage import covered_fraction, masked_area, uncovered
from veil.evaluation.datasets import GroundTruth, load_detection_dataset
from veil.evaluation.metrics import DetectionScores, match_detections, score_detections

__all__ = [
    "DetectionScores",
    "GroundTruth",
    "covered_fraction",
    "load_detection_dataset",
    "masked_area",
    "match_detections",
    "score_detections",
    "uncovered",
]

"""Tables for `veil eval` results: the same rows print in the terminal, go into Markdown and benchmarks."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

Table = tuple[list[str], list[list[str]]]


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def detection_tables(result: dict[str, Any]) -> list[Table]:
    """Scores per subset, then recall by face size per subset."""
    subsets = result["subsets"]
    scores = (
        ["subset", "AP", "recall", "precision", "FP / image", "faces", "images"],
        [
            [
                name,
                _f(s["ap"]),
                _f(s["recall"]),
                _f(s["precision"]),
                _f(s["fp_per_image"], 2),
                str(s["positives"]),
                str(s["images"]),
            ]
            for name, s in subsets.items()
        ],
    )
    buckets = list(next(iter(subsets.values()))["recall_by_size"]) if subsets else []
    by_size = (
        ["subset", *(f"recall {b}" for b in buckets)],
        [
            [name, *(f"{_f(s['recall_by_size'][b][0])} ({s['recall_by_size'][b][1]})" for b in buckets)]
            for name, s in subsets.items()
        ],
    )
    tables = [scores, by_size]
    if "misses" in result:
        tables.append(
            (
                ["missed faces by", "value", "faces", "missed", "miss rate"],
                [
                    [key, value, str(r["faces"]), str(r["missed"]), _f(r["miss_rate"])]
                    for key, values in result["misses"]["rates"].items()
                    for value, r in values.items()
                ],
            )
        )
    return tables


def privacy_tables(result: dict[str, Any]) -> list[Table]:
    chance = result["chance"]
    return [
        (
            [
                "filter",
                "naive rank-1",
                "parrot rank-1",
                "PCA+KNN rank-1",
                "chance",
                "distance to own face",
                "unlinkable",
            ],
            [
                [
                    name,
                    _f(r["naive"]),
                    _f(r["parrot"]),
                    _f(r["pca-knn"]),
                    _f(chance),
                    _f(r["distance_to_own_face"]),
                    _f(r["unlinkable"]),
                ]
                for name, r in result["filters"].items()
            ],
        )
    ]


def utility_tables(result: dict[str, Any]) -> list[Table]:
    return [
        (
            [
                "filter",
                "detected before",
                "detected after",
                "still detected",
                "IoU before",
                "IoU after",
                "landmark error",
            ],
            [
                [
                    name,
                    _f(r["detected_before"]),
                    _f(r["detected_after"]),
                    _f(r["still_detected"]),
                    _f(r["iou_before"]),
                    _f(r["iou_after"]),
                    _f(r["landmark_error"]),
                ]
                for name, r in result["filters"].items()
            ],
        )
    ]


def markdown(tables: list[Table]) -> str:
    parts = []
    for headers, rows in tables:
        lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def save(path: str | Path, result: dict[str, Any], tables: list[Table], title: str) -> None:
    """``.json``: the full result (curves included); anything else: a Markdown page with the tables."""
    from veil.files import write_atomic, write_json

    if Path(path).suffix.lower() == ".json":
        write_json(path, result)
    else:
        write_atomic(path, f"# {title}\n\n{markdown(tables)}")

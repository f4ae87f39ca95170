"""What the Python API's image types cost: one photo given as each type veil takes, timed against
the BGR array (veil's own form), interleaved in one process.

Every input is the same picture (the Solvay photo, 29 faces, 3000 x 2000 px and a 768 px
portrait), so each row differs from the BGR row only by the conversions in and out; the
faces found must be the same in every row, and the table says so.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Literal

import cv2
import numpy as np
from PIL import Image

from common import EXAMPLES, RESULTS, machine_line, markdown_table
from veil import Anonymizer

ROUNDS = 5
PHOTOS = {"Solvay (3000 px, 29 faces)": "solvay_conference_1927.jpg", "Newton (768 px, 1 face)": "newton.png"}


def inputs(bgr: np.ndarray) -> dict[str, tuple[object, Literal["bgr", "rgb"]]]:
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    return {
        "BGR uint8 array (veil's own)": (bgr, "bgr"),
        "RGB uint8 array (color='rgb')": (rgb, "rgb"),
        "PIL image, RGB": (Image.fromarray(rgb), "bgr"),
        "float32 RGB in [0, 1]": (rgb.astype(np.float32) / 255, "rgb"),
        "grey uint8 (H, W)": (cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), "bgr"),
    }


def main() -> None:
    anonymizer = Anonymizer()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for label, name in PHOTOS.items():
        bgr = cv2.imread(str(EXAMPLES / name))
        given = inputs(bgr)
        times: dict[str, list[float]] = {row: [] for row in given}
        found: dict[str, int] = {}
        anonymizer.anonymize(bgr)  # warm-up: models loaded, caches filled
        for _ in range(ROUNDS):
            for row, (image, color) in given.items():
                start = time.perf_counter()
                _, faces = anonymizer.anonymize(image, color=color)
                times[row].append(time.perf_counter() - start)
                found[row] = len(faces)
        base = statistics.median(times["BGR uint8 array (veil's own)"])
        results[label] = {
            row: {
                "ms": statistics.median(t) * 1000,
                "ratio": statistics.median(t) / base,
                "faces": found[row],
            }
            for row, t in times.items()
        }
        print(label, json.dumps(results[label]), flush=True)
    lines = [
        "# The Python API's image types: the cost of taking and giving back each type",
        "",
        f"`python benchmarks/api_types.py` ({machine_line()}). `veil.Anonymizer().anonymize(image)` with "
        f"default settings, the same picture given as each type; medians of {ROUNDS} interleaved rounds "
        "in one process; ratio against the BGR array, veil's own form.",
        "",
    ]
    for label, rows in results.items():
        table = [[row, f"{r['ms']:.0f}", f"{r['ratio']:.2f}x", str(r["faces"])] for row, r in rows.items()]
        lines += [f"## {label}", "", markdown_table(["input", "ms", "x BGR array", "faces"], table), ""]
    (RESULTS / "api_types.md").write_text("\n".join(lines))
    (RESULTS / "api_types.json").write_text(json.dumps(results, indent=1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""The docs' plots, drawn from the benchmark results (never by hand).

    python benchmarks/plots.py               # writes docs/plots/*.png from benchmarks/results/*.json

Each plot names the command and the date that produced its data (read from
the first lines of the result's Markdown), so a plot is never older than it
says. Plots:

* ``detection_pr.png``: precision against recall on WIDER hard and the masked
  set, through the thresholds ``detection.py`` sweeps (0.1 to 0.7);
* ``detection.png``: WIDER hard AP and masked-face AP against time per photo,
  for every profile, single detector and scale, and deface (``detection.json``);
* ``video.png``: per clip, speed against faces left uncovered, and false blocks
  against faces left uncovered, for veil's rows and deface (``video_precision.json``);
* ``filters.png``: re-identification (the parrot attacker) against the share of
  faces still detected, per filter (``filters.json``);
* ``batch.png``: throughput of plain veil, the process pool and Ray (``batch.json``).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt

from common import RESULTS, ROOT

OUT = ROOT / "docs" / "plots"
DETECTION_SETS = (("wider/hard", "WIDER FACE val, hard"), ("mask/all", "masked faces"))
"""The two detection results plotted side by side: (key in detection.json, title)."""


def load(name: str) -> Any:
    return json.loads((RESULTS / f"{name}.json").read_text())


def provenance(name: str) -> str:
    """``command (date)`` from the first lines of ``results/NAME.md``."""
    head = "\n".join((RESULTS / f"{name}.md").read_text().splitlines()[:4])
    command = re.search(r"`(python benchmarks/[^`]*)`", head)
    date = re.search(r"(\d{4}-\d{2}-\d{2})", head)
    return f"data: {command[1] if command else name} ({date[1] if date else 'undated'})"


def finish(figure: Any, name: str, source: str, out: Path) -> Path:
    figure.text(0.01, 0.005, provenance(source), fontsize=7, color="#555555")
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    path = out / f"{name}.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def detection(out: Path) -> Path:
    rows = load("detection")
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for axis, (metric, title) in zip(axes, DETECTION_SETS, strict=True):
        for row in rows:
            label = row["config"]["label"]
            colour = "#d62728" if "deface" in label else "#1f77b4" if "profile" in label else "#7f7f7f"
            axis.scatter(row["ms_per_image"], row[metric]["ap"], color=colour, zorder=3)
            axis.annotate(label, (row["ms_per_image"], row[metric]["ap"]), fontsize=7,
                          xytext=(4, 3), textcoords="offset points")  # fmt: skip
        axis.set(xscale="log", xlabel="ms per photo (log)", ylabel="AP", title=title)
        axis.grid(alpha=0.3)
    return finish(figure, "detection", "detection", out)


def detection_curves(out: Path) -> Path:
    """Precision against recall through the thresholds of ``detection.py``'s sweep (0.1 to 0.7)."""
    rows = load("detection")
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for axis, (metric, title) in zip(axes, DETECTION_SETS, strict=True):
        for row in rows:
            sweep = row["sweep"][metric]
            points = sorted((point["recall"], point["precision"]) for point in sweep.values())
            label = row["config"]["label"]
            style = "--" if "deface" in label else "-"
            axis.plot(*zip(*points, strict=True), style, marker=".", label=label)
        axis.set(xlabel="recall", ylabel="precision", title=title, xlim=(0, 1), ylim=(0, 1.02))
        axis.grid(alpha=0.3)
    axes[1].legend(fontsize=7, loc="lower left")
    return finish(figure, "detection_pr", "detection", out)


def video(out: Path) -> Path:
    clips = load("video_precision")
    figure, axes = plt.subplots(2, len(clips), figsize=(4 * len(clips), 7), squeeze=False)
    for column, (clip, result) in enumerate(clips.items()):
        for row, values in result["rows"].items():
            colour = "#d62728" if row == "deface" else "#1f77b4" if row == "veil" else "#7f7f7f"
            points = ((0, values["fps"]), (1, values.get("false_blocks")))
            for line, y in points:
                if y is None:
                    continue
                axis = axes[line][column]
                axis.scatter(values["uncovered"], y, color=colour, zorder=3)
                axis.annotate(
                    row, (values["uncovered"], y), fontsize=7, xytext=(4, 3), textcoords="offset points"
                )
        axes[0][column].set(title=clip.split(" (")[0][:32], ylabel="frames per second")
        axes[1][column].set(xlabel="faces left uncovered", ylabel="false blocks per frame")
        for line in (0, 1):
            axes[line][column].grid(alpha=0.3)
    return finish(figure, "video", "video_precision", out)


def filters(out: Path) -> Path:
    data = load("filters")
    privacy, utility = data["privacy"], data["utility"]["wider"]
    figure, axis = plt.subplots(figsize=(6.5, 4.5))
    for name, attacks in privacy["filters"].items():
        if name not in utility["filters"]:
            continue
        kept = utility["filters"][name]
        share = kept["detected_after"] / max(kept["detected_before"], 1)
        axis.scatter(share, attacks["parrot"], color="#1f77b4", zorder=3)
        axis.annotate(name, (share, attacks["parrot"]), fontsize=7, xytext=(4, 3), textcoords="offset points")
    axis.axhline(privacy["chance"], color="#2ca02c", linestyle="--", label="chance")
    axis.set(xlabel="faces still detected after the filter (WIDER)", ylabel="re-identified (parrot attacker)")
    axis.legend()
    axis.grid(alpha=0.3)
    return finish(figure, "filters", "filters", out)


def batch(out: Path) -> Path:
    data = load("batch")
    kinds = [kind for kind in ("photos", "video", "long_video") if data.get(kind)]
    figure, axes = plt.subplots(1, len(kinds), figsize=(4.5 * len(kinds), 3.8), squeeze=False)
    for axis, kind in zip(axes[0], kinds, strict=True):
        runs = data[kind]
        axis.barh([run["run"] for run in runs], [run["rate"] for run in runs], color="#1f77b4")
        axis.set(title=kind.replace("_", " "), xlabel="items per second")
        axis.invert_yaxis()
        axis.tick_params(axis="y", labelsize=7)
    return finish(figure, "batch", "batch", out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for draw in (detection_curves, detection, video, filters, batch):
        print(draw(args.out))


if __name__ == "__main__":
    main()

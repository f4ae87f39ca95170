"""`veil batch` throughput: photos/s and video fps with 1 and 2 workers, local Ray and a two-node
Ray cluster (two `ray start` on this machine), against one plain `veil` run.

    python benchmarks/batch.py          # writes benchmarks/results/batch.md and .json

Photos: the three shipped portraits/groups, 8 copies each (24 items). Video:
two copies of the 1080p pedestrian clip from ../shared/data (105 frames
each). Every row is a fresh process on a fresh DEST, run one after the other
in one session: plain ``veil SRC -o OUT`` (one process), then ``veil batch
SRC --dest OUT --workers N``. Per-item overhead = (batch with 1 worker - plain)
/ items. The last table projects the measured per-node rates (2 workers on
this 2-core machine) to 1 M photos and 1,000 h of 25 fps 1080p video.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import DATA, EXAMPLES, RESULTS, machine_line, markdown_table, require_data

VEIL = [sys.executable, "-m", "veil.cli"]
COPIES = 8
VIDEO = "video/facenet_pytorch_video.mp4"
VIDEO_COPIES = 2
VIDEO_FRAMES = 105


def photos(folder: Path) -> int:
    folder.mkdir(parents=True)
    for i in range(COPIES):
        for name in ("newton.png", "gauss.png", "solvay_conference_1927.jpg"):
            shutil.copy(EXAMPLES / name, folder / f"{i}_{name}")
    return COPIES * 3


def videos(folder: Path) -> int:
    clip = require_data(DATA / VIDEO)
    folder.mkdir(parents=True)
    for i in range(VIDEO_COPIES):
        shutil.copy(clip, folder / f"{i}_{clip.name}")
    return VIDEO_COPIES


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*command, "-q"], check=True, env=RAY_ENV)
    return time.perf_counter() - started


RAY = str(Path(sys.executable).with_name("ray"))
RAY_PORT = "6390"
RAY_ENV = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


def two_node_cluster(command: list[str]) -> float:
    """``command``'s seconds on a Ray cluster of two 1-CPU nodes started on this machine."""
    start = [RAY, "start", "--num-cpus=1"]
    head = [*start, "--head", f"--port={RAY_PORT}", "--include-dashboard=false"]
    subprocess.run(head, check=True, env=RAY_ENV, capture_output=True)
    try:
        subprocess.run(
            [*start, f"--address=127.0.0.1:{RAY_PORT}"], check=True, env=RAY_ENV, capture_output=True
        )
        return seconds(command)
    finally:
        subprocess.run([RAY, "stop", "--force"], env=RAY_ENV, capture_output=True, check=False)


def measure(source: Path, work: Path, items: int, unit: int) -> list[dict[str, object]]:
    rows = []
    batch = [*VEIL, "batch", str(source)]
    runs = [("plain veil (one process)", [*VEIL, str(source), "-o"])]
    runs += [(f"veil batch --workers {n}", [*batch, "--workers", str(n), "--dest"]) for n in (1, 2)]
    runs += [("veil batch --ray auto (local Ray, 2 workers)", [*batch, "--ray", "auto", "--dest"])]
    runs += [
        (
            "veil batch --ray ADDRESS (two 1-CPU Ray nodes)",
            [*batch, "--ray", f"127.0.0.1:{RAY_PORT}", "--dest"],
        )
    ]
    for label, command in runs:
        dest = work / f"out-{len(rows)}"
        run = two_node_cluster if "ADDRESS" in label else seconds
        took = run([*command, str(dest)])
        rows.append({"run": label, "seconds": round(took, 1), "rate": round(items * unit / took, 2)})
        shutil.rmtree(dest)
    overhead = (float(rows[1]["seconds"]) - float(rows[0]["seconds"])) / items  # type: ignore[arg-type]
    for row in rows:
        row["overhead_per_item_s"] = round(overhead, 2)
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        n_photos = photos(work / "photos")
        photo_rows = measure(work / "photos", work, n_photos, 1)
        n_videos = videos(work / "videos")
        video_rows = measure(work / "videos", work, n_videos, VIDEO_FRAMES)
    photo_rate = float(photo_rows[2]["rate"])  # type: ignore[arg-type]
    video_fps = float(video_rows[2]["rate"])  # type: ignore[arg-type]
    projections = []
    for nodes in (1, 10, 100):
        photo_days = 1_000_000 / (photo_rate * nodes) / 86400
        video_days = 1000 * 3600 * 25 / (video_fps * nodes) / 86400
        projections.append([str(nodes), f"{photo_days:.1f}", f"{video_days:.0f}"])

    def table(rows: list[dict[str, object]], unit: str) -> str:
        return markdown_table(
            ["run", "seconds", unit, "overhead per item (s)"],
            [[str(r["run"]), f"{r['seconds']}", f"{r['rate']}", f"{r['overhead_per_item_s']}"] for r in rows],
        )

    text = "\n".join(
        [
            "# `veil batch`: throughput with 1 and 2 workers, local Ray and a two-node Ray cluster",
            "",
            f"`python benchmarks/batch.py` ({machine_line()}, 2 cores). Default settings (balanced profile).",
            "",
            f"### Photos ({n_photos}: Newton, Gauss, Solvay x {COPIES})",
            "",
            table(photo_rows, "photos/s"),
            "",
            f"### Video ({n_videos} x the 1080p pedestrian clip, {VIDEO_FRAMES} frames each)",
            "",
            table(video_rows, "frames/s"),
            "",
            "### On paper: the measured rate of one 2-core node (2 workers), times N nodes",
            "",
            markdown_table(["nodes", "1 M photos (days)", "1,000 h of 1080p at 25 fps (days)"], projections),
            "",
        ]
    )
    print(text)
    (RESULTS / "batch.md").write_text(text)
    data = {"photos": photo_rows, "video": video_rows, "projection": projections}
    (RESULTS / "batch.json").write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""`veil batch` throughput: photos/s and video fps with 1 and 2 workers, local Ray and a two-node
Ray cluster (two `ray start` on this machine), against one plain `veil` run.

    python benchmarks/batch.py          # writes benchmarks/results/batch.md and .json

Photos: the three shipped portraits/groups, 8 copies each (24 items). Video:
two copies of the 1080p pedestrian clip from ../shared/data (105 frames
each). Long video: one 16.8 s 1080p video (that clip forwards, backwards,
forwards, backwards; a keyframe every 2 s), whole on one worker or cut into
4 s chunks (`veil.batch.chunked`). Every row is a fresh process on a fresh
DEST, run one after the other in one session: plain ``veil SRC -o OUT`` (one
process), then ``veil batch SRC --dest OUT --workers N``. Per-item overhead =
(batch with 1 worker - plain) / items. The last table projects the measured
per-node rates (2 workers on this 2-core machine) to 1 M photos and 1,000 h
of 25 fps 1080p video.
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


LONG_PASSES = 4
LONG_KEYINT = 50
CHUNK_SECONDS = "4"


def long_video(folder: Path) -> int:
    """The 1080p clip played forwards and backwards ``LONG_PASSES`` times (no jumps for the tracker)."""
    import av

    folder.mkdir(parents=True)
    with av.open(str(require_data(DATA / VIDEO))) as source:
        frames = [frame.to_ndarray(format="bgr24") for frame in source.decode(video=0)]
    count = 0
    with av.open(str(folder / "long.mp4"), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "g": str(LONG_KEYINT), "keyint_min": str(LONG_KEYINT)}
        for turn in range(LONG_PASSES):
            for pixels in frames if turn % 2 == 0 else frames[::-1]:
                frame = av.VideoFrame.from_ndarray(pixels, format="bgr24")
                frame.pts = count
                container.mux(stream.encode(frame))
                count += 1
        container.mux(stream.encode(None))
    return count


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


def measure(source: Path, work: Path, items: int, unit: int, long: bool = False) -> list[dict[str, object]]:
    """Each run's seconds and rate; a run's command ends where its output folder goes."""
    rows = []
    batch = [*VEIL, "batch", str(source)]
    runs = [("plain veil (one process)", [*VEIL, str(source), "-o"])]
    if long:
        two = [*batch, "--workers", "2"]
        chunks = ["--chunk-seconds", CHUNK_SECONDS]
        runs += [("veil batch --workers 2, whole (--chunk-seconds 0)", [*two, "--chunk-seconds", "0"])]
        runs += [(f"veil batch --workers 2, {CHUNK_SECONDS} s chunks", [*two, *chunks])]
        runs += [(f"veil batch --ray auto, {CHUNK_SECONDS} s chunks", [*batch, "--ray", "auto", *chunks])]
        runs += [
            (
                f"veil batch --ray ADDRESS (two 1-CPU Ray nodes), {CHUNK_SECONDS} s chunks",
                [*batch, "--ray", f"127.0.0.1:{RAY_PORT}", *chunks],
            )
        ]
        runs = [(label, [*command, "--dest"] if "batch" in label else command) for label, command in runs]
    else:
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
        row: dict[str, object] = {"run": label, "seconds": round(took, 1)}
        row["rate"] = round(items * unit / took, 2)
        ledger = dest / "veil-batch.json"
        if ledger.exists():  # a chunked video's phases (veil.batch.chunked)
            for entry in json.loads(ledger.read_text())["items"].values():
                if "phases" in entry:
                    row["phases"] = entry["phases"]
        rows.append(row)
        shutil.rmtree(dest)
    return rows


def overhead(rows: list[dict[str, object]], items: int) -> float:
    """Seconds per item that ``veil batch --workers 1`` adds to a plain run (negative: saves)."""
    return (float(rows[1]["seconds"]) - float(rows[0]["seconds"])) / items  # type: ignore[arg-type]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        n_photos = photos(work / "photos")
        photo_rows = measure(work / "photos", work, n_photos, 1)
        n_videos = videos(work / "videos")
        video_rows = measure(work / "videos", work, n_videos, VIDEO_FRAMES)
        long_frames = long_video(work / "long")
        long_rows = measure(work / "long", work, 1, long_frames, long=True)
    photo_rate = float(photo_rows[2]["rate"])  # type: ignore[arg-type]
    video_fps = float(video_rows[2]["rate"])  # type: ignore[arg-type]
    projections = []
    for nodes in (1, 10, 100):
        photo_days = 1_000_000 / (photo_rate * nodes) / 86400
        video_days = 1000 * 3600 * 25 / (video_fps * nodes) / 86400
        projections.append([str(nodes), f"{photo_days:.1f}", f"{video_days:.0f}"])

    def table(rows: list[dict[str, object]], unit: str) -> str:
        base = float(rows[0]["seconds"])  # type: ignore[arg-type]
        return markdown_table(
            ["run", "seconds", unit, "vs plain"],
            [
                [str(r["run"]), f"{r['seconds']}", f"{r['rate']}", f"{base / float(r['seconds']):.2f}x"]  # type: ignore[arg-type]
                for r in rows
            ],
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
            f"Per-item overhead of `veil batch --workers 1` against plain veil: "
            f"{overhead(photo_rows, n_photos):+.2f} s.",
            "",
            f"### Video ({n_videos} x the 1080p pedestrian clip, {VIDEO_FRAMES} frames each)",
            "",
            table(video_rows, "frames/s"),
            "",
            f"Per-item overhead of `veil batch --workers 1` against plain veil: "
            f"{overhead(video_rows, n_videos):+.2f} s.",
            "",
            f"### One long video ({long_frames} frames of 1080p), whole or in {CHUNK_SECONDS} s chunks",
            "",
            table(long_rows, "frames/s"),
            "",
            *[
                f"- {row['run']}: phases "
                + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in row["phases"].items())  # type: ignore[attr-defined]
                for row in long_rows
                if "phases" in row
            ],
            "",
            "### On paper: the measured rate of one 2-core node (2 workers), times N nodes",
            "",
            markdown_table(["nodes", "1 M photos (days)", "1,000 h of 1080p at 25 fps (days)"], projections),
            "",
        ]
    )
    print(text)
    (RESULTS / "batch.md").write_text(text)
    data = {"photos": photo_rows, "video": video_rows, "long_video": long_rows, "projection": projections}
    (RESULTS / "batch.json").write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Review page speed: a frame on demand (seek + decode) in a long video against a short clip.

    python benchmarks/review.py        # writes benchmarks/results/review.md and .json

The review page fetches each video frame when the reviewer asks for it
(`veil.review.render.video_frame`: seek to the keyframe before it, decode on),
so browsing should cost the same in an hour of video as in a clip: the cost
is bounded by the distance to the previous keyframe (x264's default keyint is
250 frames), not by the file's length. Both videos are generated 1080p H.264
(x264 defaults, keyint 250); 30 frames at random positions are fetched from
each, interleaved, and the JPEG the page receives is encoded too.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, ROOT, machine_line, markdown_table

sys.path.insert(0, str(ROOT))  # the benchmarks package: code the tests share

from benchmarks.hostile_corpus import ffmpeg
from veil.review.render import jpeg, video_frame

LENGTHS = {"10 s clip": 10, "10 min video": 600}
SAMPLES = 30


def make(path: Path, seconds: int) -> Path:
    source = f"testsrc2=s=1920x1080:r=25:d={seconds}"
    command = [str(ffmpeg()), "-v", "error", "-y", "-f", "lavfi", "-i", source, "-c:v", "libx264"]
    subprocess.run([*command, "-preset", "ultrafast", "-g", "250", str(path)], check=True)
    return path


def main() -> None:
    rng = random.Random(0)
    timings: dict[str, list[float]] = {name: [] for name in LENGTHS}
    with tempfile.TemporaryDirectory() as folder:
        videos = {name: make(Path(folder) / f"{seconds}.mp4", seconds) for name, seconds in LENGTHS.items()}
        for _ in range(SAMPLES):
            for name, seconds in LENGTHS.items():
                at = rng.randrange(seconds * 25) / 25
                started = time.perf_counter()
                jpeg(video_frame(videos[name], at))
                timings[name].append((time.perf_counter() - started) * 1000)
    rows = []
    for name, values in timings.items():
        ordered = sorted(values)
        rows.append(
            {
                "video": name,
                "median_ms": round(statistics.median(values)),
                "p90_ms": round(ordered[int(0.9 * len(ordered)) - 1]),
                "max_ms": round(ordered[-1]),
            }
        )
    ratio = rows[1]["median_ms"] / rows[0]["median_ms"]
    text = "\n".join(
        [
            "# Review page: a 1080p frame on demand (seek + decode + JPEG)",
            "",
            f"`python benchmarks/review.py` ({machine_line()}, 2 cores). {SAMPLES} random frames "
            "from each video, interleaved; H.264 1080p, keyframe every 250 frames.",
            "",
            markdown_table(
                ["video", "median ms", "p90 ms", "max ms"],
                [[r["video"], str(r["median_ms"]), str(r["p90_ms"]), str(r["max_ms"])] for r in rows],
            ),
            "",
            f"Median in the long video / median in the clip: {ratio:.2f}x.",
            "",
        ]
    )
    print(text)
    (RESULTS / "review.md").write_text(text)
    (RESULTS / "review.json").write_text(
        json.dumps({"rows": rows, "ratio": round(ratio, 2)}, indent=1) + "\n"
    )


if __name__ == "__main__":
    main()

"""Hostile input: what refusing a huge video costs, how good the memory estimate is, the corpus run.

    python benchmarks/hostile.py          # writes benchmarks/results/hostile.md and .json

Three tables, each command run as a user runs it (``veil ... -q``) in its own
process, with its peak RSS:

* **Refusing huge frames.** A 12000x12000 H.264 frame under ``--max-pixels
  100000000``: veil refuses it from the stream's headers. Beside it, the
  peak of merely opening the same file the way veil did before (``av.open``
  probes the stream by decoding a frame) and of decoding its first frame.
* **Memory estimate.** `veil.memory.estimate_video_bytes` against the measured
  peak of anonymising generated videos (``--profile fast``) of several frame
  sizes, lengths and ``--memory`` look-aheads: the estimate must not fall
  far below what is measured, or ``--max-memory`` would not protect.
* **The hostile corpus** of ``tests/hostile`` in one folder run: how many
  files of each outcome, and the run's time and peak.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import RESULTS, ROOT, machine_line, markdown_table, timed

sys.path.insert(0, str(ROOT))  # the benchmarks package: code the tests share

from benchmarks.hostile_corpus import CASES, MAX_MEMORY, MAX_PIXELS, build_corpus, ffmpeg
from veil.memory import estimate_video_bytes

VEIL = [sys.executable, "-m", "veil.cli"]
MIB = 2**20
ESTIMATE_CASES = [  # width, height, frames, --memory
    (2000, 1500, 100, 0),
    (2000, 1500, 100, 50),
    (4000, 3000, 2, 10),
    (4000, 3000, 10, 10),
    (4000, 3000, 40, 0),
    (4000, 3000, 40, 10),
    (12000, 12000, 2, 10),
]
OPEN_THE_OLD_WAY = "import av, sys; av.open(sys.argv[1])"
DECODE_ONE = "import av, sys; next(av.open(sys.argv[1]).decode(video=0))"


def make_video(path: Path, width: int, height: int, frames: int) -> Path:
    source = f"testsrc2=s={width}x{height}:r=25"
    command = [str(ffmpeg()), "-v", "error", "-y", "-f", "lavfi", "-i", source, "-frames:v", str(frames)]
    subprocess.run([*command, "-c:v", "libx264", "-preset", "ultrafast", str(path)], check=True)
    return path


def refusal_rows(work: Path) -> list[dict[str, object]]:
    huge = make_video(work / "huge.mp4", 12000, 12000, 1)
    rows = []
    for label, command in (
        ("veil refuses it (--max-pixels 100000000)", [*VEIL, str(huge), "-o", str(work / "o.mp4"), "-q",
                                                     "--max-pixels", "100000000"]),
        ("open it as veil did before (av.open decodes a frame to probe)", [sys.executable, "-c",
                                                                          OPEN_THE_OLD_WAY, str(huge)]),
        ("decode its first frame", [sys.executable, "-c", DECODE_ONE, str(huge)]),
    ):  # fmt: skip
        seconds, peak = timed(command, check=False)
        rows.append({"row": label, "seconds": round(seconds, 2), "peak_mb": round(peak)})
    return rows


def estimate_rows(work: Path) -> list[dict[str, object]]:
    rows = []
    for width, height, frames, memory in ESTIMATE_CASES:
        clip = make_video(work / f"{width}x{height}x{frames}.mp4", width, height, frames)
        command = [*VEIL, str(clip), "-o", str(work / "out.mp4"), "-q", "--profile", "fast",
                   "--memory", str(memory), "--max-memory", "1T", "--max-pixels", "200000000"]  # fmt: skip
        seconds, peak = timed(command)
        estimate = estimate_video_bytes(width, height, frames, memory) / MIB
        rows.append({
            "video": f"{width}x{height}, {frames} frames", "memory": memory, "measured_mb": round(peak),
            "estimate_mb": round(estimate), "estimate_over_measured": round(estimate / peak, 2),
            "seconds": round(seconds, 1),
        })  # fmt: skip
        clip.unlink()
    return rows


def corpus_row(work: Path) -> dict[str, object]:
    build_corpus(work / "corpus")
    command = [*VEIL, str(work / "corpus"), "-o", str(work / "corpus_out"), "--profile", "fast",
               "--max-pixels", str(MAX_PIXELS), "--max-memory", MAX_MEMORY]  # fmt: skip
    seconds, peak = timed(command, check=False)
    kinds = ("written", "warning", "error", "skipped")
    counts = {kind: sum(case.outcome == kind for case in CASES) for kind in kinds}
    return {"files": len(CASES), **counts, "seconds": round(seconds, 1), "peak_mb": round(peak)}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        refusals = refusal_rows(work)
        estimates = estimate_rows(work)
        corpus = corpus_row(work)
    kinds = ("written", "warning", "error", "skipped")
    lines = [
        "# Hostile input: refusing huge videos early, the memory estimate, the corpus run",
        "",
        f"`python benchmarks/hostile.py` ({machine_line()}, 2 cores). Each command in its own process;"
        " peak MB = its max RSS.",
        "",
        "### A 12000x12000 H.264 frame (144 MP)",
        "",
        markdown_table(
            ["what", "seconds", "peak MB"],
            [[r["row"], f"{r['seconds']:.2f}", str(r["peak_mb"])] for r in refusals],
        ),
        "",
        "### `veil.memory` estimate against measured peaks (`--profile fast`, x264 veryfast)",
        "",
        markdown_table(
            ["video", "--memory", "measured MB", "estimate MB", "estimate / measured", "seconds"],
            [
                [
                    str(r["video"]),
                    str(r["memory"]),
                    str(r["measured_mb"]),
                    str(r["estimate_mb"]),
                    f"{r['estimate_over_measured']:.2f}",
                    f"{r['seconds']:.1f}",
                ]
                for r in estimates
            ],
        ),
        "",
        f"### The hostile corpus (tests/hostile), one folder run (--max-pixels {MAX_PIXELS}, "
        f"--max-memory {MAX_MEMORY})",
        "",
        markdown_table(
            ["files", "written", "written with a warning", "error", "skipped", "seconds", "peak MB"],
            [[str(corpus[k]) for k in ("files", *kinds, "seconds", "peak_mb")]],
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile.md").write_text(text)
    data = {"refusal": refusals, "estimate": estimates, "corpus": corpus}
    (RESULTS / "hostile.json").write_text(json.dumps(data, indent=1) + "\n")


if __name__ == "__main__":
    main()

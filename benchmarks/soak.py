"""Soak: a video of 30,000+ frames through veil with ``--report``: flat memory, progress, audio in sync.

    python benchmarks/soak.py                  # default and --profile fast; writes results/soak.md and .json
    python benchmarks/soak.py --loops 3        # a quick look (3 x 275 frames)

The stage clip of ``../shared/data/video`` (640x360, 275 frames, 29.97 fps,
with sound) is looped by stream copy ``--loops`` times (110: 30,250 frames,
about 17 minutes) and anonymised as a user would, with the progress bar on a
terminal (a pseudo-terminal here). Every half second the process's resident
memory is read from ``/proc``. Checked:

* memory flat: the median RSS of the run's last tenth within 10% of its
  first tenth (after the models have loaded);
* progress shown with a time remaining (the bar's ETA column);
* the output whole: every frame written, and the audio still in sync at the
  end: where audio and video end, output against input, each within one frame;
* the report streamed: its size, and `veil.report_stream.iter_frames` reads back every frame.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import av

from common import DATA, RESULTS, ROOT, machine_line, markdown_table, require_data, write_results

sys.path.insert(0, str(ROOT))  # the benchmarks package: code the tests share

from benchmarks.hostile_corpus import ffmpeg
from veil.report_stream import iter_frames

CLIP = DATA / "video" / "short_hamilton_clip.mp4"
VEIL = [sys.executable, "-m", "veil.cli"]
SAMPLE_SECONDS = 0.5
ETA = re.compile(r"(?<!\d)\d+:\d\d:\d\d(?!\d)")  # rich's TimeRemainingColumn, e.g. 0:09:41


def looped(source: Path, loops: int, target: Path) -> Path:
    """``source`` played ``loops`` times, by stream copy (no re-encoding)."""
    command = [str(ffmpeg()), "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i", str(source),
               "-c", "copy", str(target)]  # fmt: skip
    subprocess.run(command, check=True)
    return target


def stream_ends(path: Path) -> dict[str, float | int]:
    """Frames decoded, and where the video and the audio end, in seconds (from their packets)."""
    ends = {"video": 0.0, "audio": 0.0}
    frames = 0
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.pts is None or packet.stream.type not in ends:
                continue
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            ends[packet.stream.type] = max(ends[packet.stream.type], end)
            frames += packet.stream.type == "video" and packet.size > 0
    return {"frames": frames, **ends}


def rss_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else None


def soak(source: Path, profile: str | None, work: Path) -> dict[str, Any]:
    """One run of veil over ``source`` with a report, watched."""
    output, report = work / f"out-{profile or 'default'}.mp4", work / f"report-{profile or 'default'}.json"
    command = [*VEIL, str(source), "-o", str(output), "--report", str(report)]
    if profile:
        command += ["--profile", profile]
    master, slave = pty.openpty()
    os.set_blocking(master, True)
    started = time.perf_counter()
    environment = {**os.environ, "COLUMNS": "100"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=slave, env=environment)
    os.close(slave)
    terminal: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            terminal.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    samples: list[tuple[float, float]] = []
    while process.poll() is None:
        rss = rss_mib(process.pid)
        if rss is not None:
            samples.append((time.perf_counter() - started, rss))
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    reader.join(timeout=5)
    os.close(master)
    shown = b"".join(terminal).decode("utf-8", "replace")
    tenth = max(1, len(samples) // 10)
    first = statistics.median(rss for _, rss in samples[tenth : 2 * tenth])  # after the models load
    last = statistics.median(rss for _, rss in samples[-tenth:])
    before, after = stream_ends(source), stream_ends(output)
    step = before["frames"] and before["video"] / before["frames"]
    frames_in_report = sum(1 for _ in iter_frames(report))
    return {
        "profile": profile or "balanced (default)",
        "exit": process.returncode,
        "seconds": round(seconds, 1),
        "fps": round(int(after["frames"]) / seconds, 1),
        "rss_first_tenth_mib": round(first),
        "rss_last_tenth_mib": round(last),
        "rss_peak_mib": round(max(rss for _, rss in samples)),
        "rss_change": round(last / first - 1, 3),
        "flat": abs(last / first - 1) <= 0.10,
        "progress_shown": "veil" in shown and bool(ETA.search(shown)),
        "frames_in": before["frames"],
        "frames_out": after["frames"],
        "video_end_in": round(float(before["video"]), 3),
        "video_end_out": round(float(after["video"]), 3),
        "audio_end_in": round(float(before["audio"]), 3),
        "audio_end_out": round(float(after["audio"]), 3),
        "in_sync": abs(float(after["audio"]) - float(before["audio"])) <= step
        and abs(float(after["video"]) - float(before["video"])) <= step,
        "report_mb": round(report.stat().st_size / 2**20, 1),
        "report_frames": frames_in_report,
        "samples": [[round(t, 1), round(rss)] for t, rss in samples[:: max(1, len(samples) // 200)]],
    }


HEADERS = ["profile", "commit, date", "exit", "seconds", "fps", "RSS first tenth MiB", "RSS last tenth MiB",
           "change", "peak MiB", "flat", "progress + ETA", "frames in / out", "video end in / out s",
           "audio end in / out s", "in sync", "report MB", "report frames read back"]  # fmt: skip


def table_row(r: dict[str, Any]) -> list[str]:
    def yes(value: object) -> str:
        return "yes" if value else "**no**"

    return [r["profile"], f"{r.get('commit', '?')}, {r.get('date', '?')}", str(r["exit"]), str(r["seconds"]),
            str(r["fps"]), str(r["rss_first_tenth_mib"]), str(r["rss_last_tenth_mib"]),
            f"{r['rss_change']:+.1%}", str(r["rss_peak_mib"]), yes(r["flat"]), yes(r["progress_shown"]),
            f"{r['frames_in']:,} / {r['frames_out']:,}", f"{r['video_end_in']} / {r['video_end_out']}",
            f"{r['audio_end_in']} / {r['audio_end_out']}", yes(r["in_sync"]), str(r["report_mb"]),
            f"{r['report_frames']:,}"]  # fmt: skip


def _dirty() -> bool:
    status = subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True)
    return bool(status.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loops", type=int, default=110)
    parser.add_argument("--profiles", nargs="+", default=["balanced", "fast"])
    parser.add_argument("--out", default=str(RESULTS / "soak.md"))
    parser.add_argument(
        "--keep-other-rows",
        action="store_true",
        help="keep the rows of profiles not run now from the last results",
    )
    args = parser.parse_args()
    require_data(CLIP)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    with tempfile.TemporaryDirectory(dir=ROOT.parent) as folder:
        work = Path(folder)
        source = looped(CLIP, args.loops, work / "long.mp4")
        runs = [soak(source, None if p == "balanced" else p, work) for p in args.profiles]
    for run in runs:
        run["commit"] = commit.stdout.strip() + (" (uncommitted changes)" if _dirty() else "")
        run["date"] = time.strftime("%Y-%m-%d")
    previous = Path(args.out).with_suffix(".json")
    if args.keep_other_rows and previous.is_file():
        done = {run["profile"] for run in runs}
        runs += [run for run in json.loads(previous.read_text())["runs"] if run["profile"] not in done]
    frames = runs[0]["frames_in"]
    lines = [
        "# Soak: a long video with --report, default and fast profiles",
        "",
        f"`python benchmarks/soak.py --loops {args.loops}` ({machine_line()}, 2 cores): the stage clip "
        f"looped {args.loops} times by stream copy ({frames:,} frames, 640x360, with audio), through "
        "`veil LONG.mp4 -o OUT.mp4 --report REPORT.json` with the progress bar on a pseudo-terminal. "
        "RSS read from /proc every 0.5 s; *first* and *last tenth* are the medians over the second "
        "and the last tenth of the run (the first holds the models loading). *In sync*: output audio "
        "and video each end within one frame of the input's.",
        "",
        markdown_table(HEADERS, [table_row(run) for run in runs]),
        "",
    ]
    write_results("\n".join(lines), {"loops": args.loops, "runs": runs}, args.out)


if __name__ == "__main__":
    main()

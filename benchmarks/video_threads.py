"""How much the video pipeline's threading buys: the same veil, frames searched one at a time
with yuface's own binding (which holds Python's lock) against several at once without the lock.

    python benchmarks/video_threads.py              # writes benchmarks/results/video_threads.md
    python benchmarks/video_threads.py --repeat 1   # quicker

Both rows run `veil CLIP -o OUT` with the shipped balanced profile, end to end (process
start to file written), interleaved round by round on each clip of ../shared/data/video,
and report the median. The "before" row is the pipeline as it was until issue 14's last
change: YuNet through `yuface.detect` (the GIL held for the whole call, OpenMP threads
spinning while they wait), the full-frame passes of one frame at a time, and every model
free to use every core within a call. The "now" row runs YuNet in libfacedetection too (through
`ctypes`, without the lock), so that the rows differ by the threading alone: YuNet's faster
engine, onnxruntime, has its own benchmark (benchmarks/yunet_engines.py) and its rows in
benchmarks/video.py. The detections are the same in both (tests/detection/test_yunet.py,
tests/batch/test_chunked.py).

    python benchmarks/video_threads.py --run before|now CLIP OUT

is the runner each row calls.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import av

from common import DATA, RESULTS, machine_line, markdown_table, require_data, timed, write_results

CLIPS = ["facenet_pytorch_video.mp4", "short_hamilton_clip.mp4", "MOT20-05-raw_even_shorter.mp4"]
ROWS = {
    "before: yuface's binding (GIL held), one frame searched at a time": "before",
    "now: libfacedetection without the GIL, frames searched on every core": "now",
}


def run(mode: str, clip: str, out: str) -> None:
    """One veil run with YuNet in libfacedetection; ``before`` puts back yuface's binding and
    the one-frame-at-a-time search."""
    import veil.detection.yunet

    veil.detection.yunet.graph_detect = lambda library: None
    if mode == "before":
        import veil.anonymizer
        import veil.detection.video

        veil.detection.yunet.native_detect = lambda: None
        veil.anonymizer.search_threads = veil.detection.video.search_threads = lambda: 1
    from veil.cli import main

    sys.argv = ["veil", clip, "-o", out, "-q"]
    main()


def frames_of(path: Path) -> int:
    with av.open(str(path)) as container:
        return container.streams.video[0].frames or sum(1 for _ in container.decode(video=0))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "video_threads.md"))
    parser.add_argument("--run", nargs=3, metavar=("MODE", "CLIP", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(*args.run)
        return
    folder = require_data(DATA / "video")
    results: dict[str, dict[str, list[float]]] = {}
    for clip in CLIPS:
        path = folder / clip
        results[clip] = {row: [] for row in ROWS}
        for _ in range(args.repeat):
            for row, mode in ROWS.items():
                out = Path("/tmp") / f"veil-threads-{mode}.mp4"
                seconds, _ = timed([sys.executable, __file__, "--run", mode, str(path), str(out)])
                results[clip][row].append(seconds)
                print(f"{clip} {mode}: {seconds:.1f} s", flush=True)
    table = []
    for clip, rows in results.items():
        frames = frames_of(folder / clip)
        before = statistics.median(rows[next(iter(ROWS))])
        for row, times in rows.items():
            median = statistics.median(times)
            table.append([clip, row, f"{median:.1f}", f"{frames / median:.2f}", f"{before / median:.2f}x"])
    text = (
        "# Video pipeline threading: the same veil, before and after\n\n"
        f"`python benchmarks/video_threads.py --repeat {args.repeat}` ({machine_line()}). "
        f"Seconds: median of {args.repeat} interleaved runs, process start to file written; "
        "`veil CLIP -o OUT`, balanced profile, YuNet in libfacedetection, on both rows.\n\n"
        + markdown_table(["clip", "row", "seconds", "fps", "speed-up"], table)
        + "\n"
    )
    write_results(text, results, args.out)


if __name__ == "__main__":
    main()

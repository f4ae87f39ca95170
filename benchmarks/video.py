"""Video speed and coverage: veil against deface and against plain FFmpeg transcoding (the floor).

    python benchmarks/video.py                    # writes benchmarks/results/video.md
    python benchmarks/video.py --repeat 3         # medians over 3 interleaved rounds

On each clip in ../shared/data/video, in one session and interleaved round by
round, it times three commands end to end (process start to file written):

* **FFmpeg floor**: `ffmpeg -i clip -c:v libx264 -crf 20 -preset fast -c:a copy` with the
  ffmpeg binary from imageio-ffmpeg: decoding and encoding only, with veil's encoder settings;
* **veil** with its defaults (`veil clip -o out.mp4`);
* **deface** with its defaults plus `--keep-audio` (same CenterFace model, thr 0.2, full-size frames).

Coverage: no clip has face annotations, so every ``--every``-th frame is
searched by the strongest pass we have (CenterFace and YuNet, each at 2x, merged),
and we count the faces it finds that each tool's masks left less than 70%
hidden. veil's masks come from its ``--report``; deface's are recomputed from
its own detector and its own mask geometry (ellipse over the box grown by
0.3 of its size on every side, i.e. 1.6x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from common import DATA, DEFACE_MASK, RESULTS, machine_line, markdown_table, require_data
from veil.detection import load_detector
from veil.evaluation import uncovered
from veil.faces import Faces
from veil.filters import MaskSpec
from veil.media.video import EncoderSettings

CLIPS = ["facenet_pytorch_video.mp4", "short_hamilton_clip.mp4", "MOT20-05-raw_even_shorter.mp4"]
VEIL_MASK = MaskSpec("ellipse", 1.3)


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return elapsed


def commands(clip: Path, work: Path, settings: EncoderSettings) -> dict[str, list[str]]:
    veil_cli = [sys.executable, "-m", "veil.cli"]
    return {
        "ffmpeg": [
            ffmpeg_exe(), "-v", "error", "-y", "-i", str(clip), "-map", "0:v:0", "-map", "0:a?",
            "-c:v", "libx264", "-crf", str(settings.crf), "-preset", settings.preset,
            "-pix_fmt", "yuv420p", "-c:a", "copy", str(work / "ffmpeg.mp4"),
        ],
        "veil": [*veil_cli, str(clip), "-o", str(work / "veil.mp4"), "-q", "--report", str(work / "r.json")],
        "deface": [
            str(Path(sys.executable).with_name("deface")), str(clip), "-o", str(work / "deface.mp4"),
            "--keep-audio",
        ],
    }


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def sampled_frames(path: Path, every: int) -> dict[int, np.ndarray]:
    with av.open(str(path)) as container:
        return {
            i: frame.to_ndarray(format="bgr24")
            for i, frame in enumerate(container.decode(video=0))
            if i % every == 0
        }


def reference_faces(frames: dict[int, np.ndarray]) -> dict[int, Faces]:
    """The strongest pass: CenterFace x2 and YuNet x2, merged."""
    detectors = [load_detector("centerface", None, 2.0), load_detector("yunet", None, 2.0)]
    return {i: Faces.concat([d.detect(f) for d in detectors]).nms(0.4) for i, f in frames.items()}


def deface_faces(frames: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """What deface hides: its own CenterFace on the RGB frame at thr 0.2, full size."""
    from deface.centerface import CenterFace

    model = CenterFace(in_shape=None, backend="auto")
    found = {}
    for i, frame in frames.items():
        dets, _ = model(np.ascontiguousarray(frame[:, :, ::-1]), threshold=0.2)
        found[i] = np.asarray(dets, np.float64).reshape(-1, 5)[:, :4]
    return found


def veil_faces(report: Path) -> dict[int, np.ndarray]:
    entry = json.loads(report.read_text())["files"][0]
    return {
        frame["index"]: np.array([f["box"] for f in frame["faces"]], np.float64).reshape(-1, 4)
        for frame in entry["frames"]
    }


def count_uncovered(
    reference: dict[int, Faces], hidden: dict[int, np.ndarray], spec: MaskSpec, size: tuple[int, int]
) -> int:
    return sum(int(uncovered(faces.xyxy, hidden.get(i, np.empty((0, 4))), spec, *size).sum())
               for i, faces in reference.items())  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1, help="interleaved timing rounds (median reported)")
    parser.add_argument("--every", type=int, default=3, help="coverage: check every n-th frame")
    parser.add_argument("--clips", nargs="*", default=CLIPS)
    parser.add_argument("--tools", nargs="*", default=["ffmpeg", "veil", "deface"])
    parser.add_argument("--out", default=str(RESULTS / "video.md"))
    parser.add_argument("--render-only", action="store_true", help="rewrite the table from the saved JSON")
    args = parser.parse_args()
    settings = EncoderSettings()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    os.environ.update(env)

    if args.render_only:
        results = json.loads(Path(args.out).with_suffix(".json").read_text())
        write(results, args, settings)
        return
    results = {}
    for name in args.clips:
        results[name] = measure(name, args, settings)
        print(name, json.dumps(results[name]), flush=True)
    write(results, args, settings)


def measure(name: str, args: argparse.Namespace, settings: EncoderSettings) -> dict:
    """Time every tool on one clip, then count the reference faces each left uncovered."""
    clip = require_data(DATA / "video" / name)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
    frames = frame_count(clip)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        times: dict[str, list[float]] = {tool: [] for tool in args.tools}
        for _ in range(args.repeat):
            for tool, command in commands(clip, work, settings).items():
                if tool in args.tools:
                    times[tool].append(timed(command))
                    print(f"{name} {tool}: {times[tool][-1]:.1f} s", flush=True)
        sample = sampled_frames(clip, args.every)
        reference = reference_faces(sample)
        seconds = {tool: statistics.median(t) for tool, t in times.items()}
        result = {
            "size": size,
            "frames": frames,
            "frames_written": {tool: frame_count(work / f"{tool}.mp4") for tool in args.tools},
            "seconds": seconds,
            "fps": {tool: frames / value for tool, value in seconds.items()},
            "reference_faces": sum(len(f) for f in reference.values()),
            "checked_frames": len(sample),
        }
        if "veil" in args.tools:
            hidden = veil_faces(work / "r.json")
            result["uncovered_veil"] = count_uncovered(reference, hidden, VEIL_MASK, size)
        if "deface" in args.tools:
            hidden = deface_faces(sample)
            result["uncovered_deface"] = count_uncovered(reference, hidden, DEFACE_MASK, size)
    return result


def write(results: dict, args: argparse.Namespace, settings: EncoderSettings) -> None:
    rows = []
    for name, result in results.items():
        fps, (width, height), frames = result["fps"], result["size"], result["frames"]
        written = result["frames_written"]
        rows.append(
            [
                f"{name} ({width}x{height}, {frames} frames)",
                *(f"{fps[t]:.2f}" if t in fps else "-" for t in ("veil", "deface", "ffmpeg")),
                f"{fps['veil'] / fps['deface']:.2f}x" if {"veil", "deface"} <= fps.keys() else "-",
                f"{fps['veil'] / fps['ffmpeg']:.2f}x" if {"veil", "ffmpeg"} <= fps.keys() else "-",
                f"{result['reference_faces']} in {result['checked_frames']}",
                str(result.get("uncovered_veil", "-")),
                str(result.get("uncovered_deface", "-")),
                " / ".join(str(written.get(t, "-")) for t in ("veil", "deface")),
            ]
        )
    table = markdown_table(
        [
            "clip",
            "veil fps",
            "deface fps",
            "FFmpeg floor fps",
            "veil / deface",
            "veil / floor",
            "reference faces (frames checked)",
            "left uncovered by veil",
            "by deface",
            "frames written veil / deface",
        ],
        rows,
    )
    text = (
        "# Video: speed and coverage against deface and the FFmpeg floor\n\n"
        f"`python benchmarks/video.py --repeat {args.repeat} --every {args.every}` ({machine_line()}, "
        f"{os.cpu_count()} cores). fps = frames / wall seconds from process start to file written, "
        f"median of {args.repeat} interleaved round(s). Encoder for veil and the floor: libx264 "
        f"crf {settings.crf}, preset {settings.preset}; deface uses imageio's libx264 defaults "
        "(about crf 25, preset medium).\n\n"
        f"{table}\n\nCoverage: on one frame in {args.every}, the faces found by CenterFace x2 + YuNet x2 "
        "(merged) that the tool's masks hid less than 70% of.\n"
    )
    print(text)
    Path(args.out).write_text(text)
    Path(args.out).with_suffix(".json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

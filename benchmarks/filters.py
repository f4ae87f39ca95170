"""Every filter at default strength on both axes: is the person gone, and is the face still a face?

    python benchmarks/filters.py                 # writes benchmarks/results/filters.md and docs/filters.png
    python benchmarks/filters.py --limit 40      # quick look (first 40 images of each detection set)
    python benchmarks/filters.py --sheet-only    # just the contact sheet (no data needed)
    python benchmarks/filters.py --speed         # ms per photo for each filter -> results/filters_speed.md

Privacy is `veil eval privacy` on ../shared/data/identity/deepface_13ids
(labelled photos of 13 public figures): rank-1 re-identification by dlib's embedding against
the clean photos (naive) and against photos anonymised with the same filter
(parrot), leave-one-out, beside chance; and the embedding distance from each
face to its own clean self. Utility is `veil eval utility` on the Kaggle mask
set (427 street photos) and WIDER val (100 crowd images): every true face is
hidden (with the landmarks CenterFace found on it), then CenterFace at 2x runs
again. *Still detected* is the share of faces found before that are found
after; IoU change is the mean IoU after minus before on faces found both
times; landmark error is the mean landmark movement over the face size.

Bars (issue 7): landmark-blur and face keep naive and parrot rank-1 within
0.05 of chance while at least 90% of the anonymised faces are still detected.
"""

from __future__ import annotations

import argparse
import json
import time

import cv2
import numpy as np

from common import DATA, RESULTS, ROOT, machine_line, markdown_table, require_data
from veil.detection import load_detector
from veil.evaluation import load_detection_dataset
from veil.evaluation.privacy import FaceEmbedder, evaluate_privacy, load_subjects
from veil.evaluation.utility import evaluate_utility
from veil.filters import FaceReplaceFilter, Filter, make_filter
from veil.media.images import read_photo

FILTERS = ("blur", "pixelate", "solid", "landmark-blur", "face")
BARRED = ("landmark-blur", "face")
SETS = {"mask": "detection/face_mask_kaggle853", "wider": "detection/widerface_val200_416"}
SHEET = ROOT / "docs" / "filters.png"
TRADE_OFF = {
    "landmark-blur, feature strength 0.5": {"name": "landmark-blur", "feature_strength": 0.5},
    "landmark-blur, feature strength 2": {"name": "landmark-blur", "feature_strength": 2.0},
    "landmark-blur, strength 2": {"name": "landmark-blur", "strength": 2.0},
    "landmark-blur, strength 0.5": {"name": "landmark-blur", "strength": 0.5},
    "face, mask scale 1.3": {"name": "face", "mask_scale": 1.3},
}
SEEDS = 5
"""The face filter's drawn face is picked by a salted hash; which face lands on which photo
moves rank-1 by a few faces in 61, so its privacy is the mean over this many salts."""


def build(spec: dict) -> Filter:
    from veil.filters import MaskSpec

    options = dict(spec)
    name = options.pop("name")
    scale = options.pop("mask_scale", None)
    return make_filter(name, mask=MaskSpec(scale=scale) if scale else None, **options)


def average_over_seeds(results: dict, salted: list[str]) -> None:
    """Replace the face filter's privacy figures by their mean over salts, keeping the range."""
    runs = [results["face"], *(results.pop(name) for name in salted)]
    for key in ("naive", "parrot", "pca-knn", "distance_to_own_face", "unlinkable"):
        values = [run[key] for run in runs]
        results["face"][key] = float(np.mean(values))
        results["face"][f"{key}_range"] = [float(min(values)), float(max(values))]
    results["face"]["seeds"] = len(runs)


def contact_sheet(path=SHEET) -> None:
    """Newton's portrait (public domain) under every filter, cropped to the head, labelled."""
    image = read_photo(ROOT / "examples" / "newton.png").pixels
    detector = load_detector("centerface", None, 1.0)
    faces = detector.detect(image)
    x1, y1, x2, y2 = faces.xyxy[int(np.argmax(faces.area))]
    cx, cy, side = (x1 + x2) / 2, (y1 + y2) / 2, 1.9 * max(x2 - x1, y2 - y1)
    top, left = int(max(0, cy - side / 2)), int(max(0, cx - side / 2))
    tiles = []
    side_px = 200
    for name in ("original", *FILTERS):
        out = image if name == "original" else make_filter(name).apply(image, faces)
        crop = cv2.resize(
            out[top : top + int(side), left : left + int(side)],
            (side_px, side_px),
            interpolation=cv2.INTER_AREA,
        )
        label = np.full((28, side_px, 3), 255, np.uint8)
        cv2.putText(label, name, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(np.vstack([crop, label]))
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.hstack(tiles))


def speed(rounds: int = 15) -> None:
    """Median ms to apply each filter to the shipped photos, rounds interleaved (same process)."""
    detector = load_detector("centerface", None, 2.0)
    photos, found = {}, {}
    for file in ("newton.png", "solvay_conference_1927.jpg"):
        image = read_photo(ROOT / "examples" / file).pixels
        faces = detector.detect(image)
        name = f"{file} ({len(faces)} faces, {image.shape[1]}x{image.shape[0]})"
        photos[name], found[name] = image, faces
    filters = {name: make_filter(name) for name in FILTERS}
    times: dict[tuple[str, str], list[float]] = {(f, p): [] for f in filters for p in photos}
    for _ in range(rounds):
        for filter_name, chosen in filters.items():
            for photo_name, image in photos.items():
                start = time.perf_counter()
                chosen.apply(image, found[photo_name])
                times[filter_name, photo_name].append((time.perf_counter() - start) * 1000)
    rows = [[name, *(f"{np.median(times[name, photo]):.1f}" for photo in photos)] for name in filters]
    table = markdown_table(["filter", *(f"ms, {photo}" for photo in photos)], rows)
    print(table)
    (RESULTS / "filters_speed.md").write_text(
        "# Filter speed\n\n"
        f"`python benchmarks/filters.py --speed` ({machine_line()}): median of {rounds} interleaved "
        "rounds, filter only (faces found once beforehand by CenterFace at 2x).\n\n" + table + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, help="only the first N images of each detection set")
    parser.add_argument("--sheet-only", action="store_true", help="only draw docs/filters.png")
    parser.add_argument("--speed", action="store_true", help="only time the filters on the shipped photos")
    args = parser.parse_args()
    if args.speed:
        speed()
        return
    contact_sheet()
    if args.sheet_only:
        return
    filters = {name: make_filter(name) for name in FILTERS}
    filters.update({label: build(spec) for label, spec in TRADE_OFF.items()})
    subjects = load_subjects(
        require_data(DATA / "identity" / "deepface_13ids"), load_detector("centerface", None, 1.0)
    )
    salted = {f"face, seed {seed}": FaceReplaceFilter(seed=seed) for seed in range(1, SEEDS)}
    privacy = evaluate_privacy(subjects, {"none (clean photo)": None, **filters, **salted}, FaceEmbedder())
    average_over_seeds(privacy["filters"], list(salted))
    print("privacy done", flush=True)
    detector = load_detector("centerface", None, 2.0)
    utility = {}
    for set_name, relative in SETS.items():
        items, _ = load_detection_dataset(require_data(DATA / relative))
        utility[set_name] = evaluate_utility(items[: args.limit] if args.limit else items, filters, detector)
        print(set_name, "done", flush=True)
    chance = privacy["chance"]
    rows = []
    verdicts = []
    for name in filters:
        p, m, w = (
            privacy["filters"][name],
            utility["mask"]["filters"][name],
            utility["wider"]["filters"][name],
        )
        rows.append(
            [
                f"**{name}**" if name in FILTERS else name,
                f"{p['naive']:.3f}",
                f"{p['parrot']:.3f}",
                f"{p['distance_to_own_face']:.3f}",
                f"{m['still_detected']:.3f}",
                f"{m['iou_after'] - m['iou_before']:+.3f}",
                f"{m['landmark_error']:.3f}",
                f"{w['still_detected']:.3f}",
                f"{w['landmark_error']:.3f}",
            ]
        )
        if name in BARRED:
            hidden = max(p["naive"], p["parrot"]) <= chance + 0.05
            kept = m["still_detected"] >= 0.9
            spread = (
                f" (mean of {p['seeds']} salts; naive {p['naive_range'][0]:.3f}-{p['naive_range'][1]:.3f}, "
                f"parrot {p['parrot_range'][0]:.3f}-{p['parrot_range'][1]:.3f})"
                if "seeds" in p
                else ""
            )
            verdicts.append(
                f"- **{name}**: re-identification {'within' if hidden else 'NOT within'} 0.05 of chance "
                f"(naive {p['naive']:.3f}, parrot {p['parrot']:.3f}, chance {chance:.3f}){spread}; "
                f"{m['still_detected']:.1%} still detected on the mask set "
                f"({'meets' if kept else 'misses'} the 90% bar; WIDER {w['still_detected']:.1%})."
            )
    table = markdown_table(
        [
            "filter",
            "naive rank-1",
            "parrot rank-1",
            "distance to own face",
            "still detected (mask)",
            "IoU change (mask)",
            "landmark error (mask)",
            "still detected (WIDER)",
            "landmark error (WIDER)",
        ],
        rows,
    )
    limit = f" --limit {args.limit}" if args.limit else ""
    clean = privacy["filters"]["none (clean photo)"]
    text = (
        "# Filters: privacy and utility\n\n"
        f"`python benchmarks/filters.py{limit}` ({machine_line()}). {privacy['faces']} faces of "
        f"{privacy['identities']} people for privacy (chance {chance:.3f}; clean photos: naive "
        f"{clean['naive']:.3f}; a different person is typically {privacy['different_person_distance']:.3f} "
        f"away); {utility['mask']['faces']} mask-set faces and {utility['wider']['faces']} WIDER faces "
        "for utility. Default-strength filters in bold; the other rows show the trade-off.\n\n"
        + __doc__.split("\n\n", 2)[2].strip()
        + "\n\n"
        + table
        + "\n\n"
        + "\n".join(verdicts)
        + "\n\nThe contact sheet of every filter on Newton's portrait is `docs/filters.png`"
        + " (the docs' filters page).\n"
    )
    print(table)
    print("\n".join(verdicts))
    (RESULTS / "filters.md").write_text(text)
    (RESULTS / "filters.json").write_text(json.dumps({"privacy": privacy, "utility": utility}, indent=1))


if __name__ == "__main__":
    main()

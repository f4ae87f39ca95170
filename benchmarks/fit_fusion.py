"""Fit the fusion weights of every profile recipe, and compare fusion schemes.

    python benchmarks/fit_fusion.py          # refit: writes src/veil/detection/fusion_weights.json
                                            # and benchmarks/results/fusion.md

Every member of every recipe (veil.detection.profiles) runs once on both
annotated sets in ../shared/data/detection (WIDER val hard with ignore
regions; the Kaggle mask set); its raw detections are cached under
benchmarks/.cache. Each recipe's weights are then fitted on both sets
together, and it ships with the scheme whose AP summed over both sets is
higher: stacked (our calibrated stacking) or noisy-OR of per-member
Platt-calibrated scores. The table also reports, per recipe, AP when the
weights are fitted on the *other* set only (an honest out-of-sample check),
and AP of every scheme on the same clusters, with the best single member's
calibrated score (max) for comparison.
"""

from __future__ import annotations

import argparse
import json
import pickle
from collections.abc import Sequence

import cv2
import numpy as np

from common import DATA, RESULTS, ROOT, machine_line, markdown_table, require_data
from veil.detection.fusion import SCHEMES, WEIGHTS_FILE, FusionWeights, Member, cluster
from veil.detection.profiles import all_recipes, build_members
from veil.evaluation import load_detection_dataset, score_detections
from veil.evaluation.calibration import Truth, fit_fusion
from veil.faces import Faces

CACHE = ROOT / "benchmarks" / ".cache"
SETS = {"wider": ("widerface_val200_416", "hard"), "mask": ("face_mask_kaggle853", "all")}


def load_sets() -> dict[str, tuple[list, list[Truth]]]:
    base = require_data(DATA / "detection")
    sets = {}
    for name, (folder, subset) in SETS.items():
        items, _ = load_detection_dataset(base / folder)
        sets[name] = (items, [(item.boxes, item.positives[subset]) for item in items])
    return sets


def member_faces(member: Member, detector: object, name: str, items: list) -> list[Faces]:
    """The member's faces on every photo of a set (before `Member.keep`), cached by its pass."""
    path = CACHE / f"{name}-{member.pass_label}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    found = [detector.detect(cv2.imread(str(item.image))) for item in items]  # type: ignore[attr-defined]
    CACHE.mkdir(exist_ok=True)
    path.write_bytes(pickle.dumps(found))
    return found


def fused_ap(
    parts: Sequence[Sequence[Faces]],
    truths: list[Truth],
    labels: list[str],
    weights: FusionWeights,
    scheme: str,
) -> float:
    """AP of the recipe's clusters scored by one scheme: a shipped one (`SCHEMES`), or ``max`` of
    its calibrated members."""
    detections = []
    for image_parts in parts:
        clusters = cluster(image_parts, labels, weights)
        if scheme == "max":
            found = ~np.isnan(clusters.scores)
            single = [weights.single(label, clusters.scores[:, k]) for k, label in enumerate(labels)]
            score = np.max(np.where(found, np.column_stack(single), 0.0), axis=1)
        else:
            score = weights.with_scheme(scheme).fused(clusters.scores, labels)
        detections.append((clusters.faces.xyxy, score))
    return score_detections(detections, truths, 0.5).ap


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(WEIGHTS_FILE))
    args = parser.parse_args()
    sets = load_sets()
    recipes = all_recipes()
    members = {m.label: (m, d) for members in recipes.values() for m, d in build_members(members)}
    faces: dict[str, dict[str, list[Faces]]] = {}
    for label, (member, detector) in members.items():
        faces[label] = {}
        for name, (items, _) in sets.items():
            found = member_faces(member, detector, name, items)
            faces[label][name] = [member.keep(f, member.scale) for f in found]
        print(f"detected {label}", flush=True)

    def parts_of(labels: list[str], name: str) -> list[list[Faces]]:
        return [list(row) for row in zip(*(faces[label][name] for label in labels), strict=True)]

    truths = {name: truths for name, (_, truths) in sets.items()}
    fitted: dict[str, dict] = {}
    rows = []
    for key, recipe in recipes.items():
        labels = [m.label for m in recipe]
        parts = {name: parts_of(labels, name) for name in sets}
        both = fit_fusion(parts["wider"] + parts["mask"], truths["wider"] + truths["mask"], labels)
        ap = {
            (name, scheme): fused_ap(parts[name], truths[name], labels, both, scheme)
            for name in sets
            for scheme in (*SCHEMES, "max")
        }
        # the scheme that ranks this recipe's faces best over both sets (a tie keeps stacked)
        shipped = max(SCHEMES, key=lambda s: (sum(ap[(name, s)] for name in sets), s == "stacked"))
        fitted[key] = both.with_scheme(shipped).to_json()
        row = [key, shipped]
        for name, other in (("wider", "mask"), ("mask", "wider")):
            cross = fit_fusion(parts[other], truths[other], labels).with_scheme(shipped)
            row += [
                f"{ap[(name, shipped)]:.3f}",
                f"{fused_ap(parts[name], truths[name], labels, cross, shipped):.3f}",
                *(f"{ap[(name, scheme)]:.3f}" for scheme in (*SCHEMES, "max")),
            ]
        rows.append(row)
        print(" | ".join(row), flush=True)

    with open(args.out, "w") as stream:
        json.dump({"fitted_on": list(SETS), "recipes": fitted}, stream, indent=1)
        stream.write("\n")
    headers = ["recipe", "shipped scheme"] + [
        f"{name} {col}"
        for name in ("WIDER hard AP", "mask AP")
        for col in ("shipped", "shipped, fit on other set", "stacked", "noisy-OR", "max")
    ]
    text = markdown_table(headers, rows)
    print(text)
    with open(RESULTS / "fusion.md", "w") as stream:
        stream.write("# Fusion schemes\n\n")
        stream.write(f"`python benchmarks/fit_fusion.py` on {machine_line()}.\n\n")
        stream.write(__doc__.split("\n\n", 2)[2].strip() + "\n\n" + text + "\n")
    print(f"wrote {args.out} and {RESULTS / 'fusion.md'}")


if __name__ == "__main__":
    main()

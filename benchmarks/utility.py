"""Utility benchmark: do anonymised faces stay detectable, and how far do their landmarks move?

    python benchmarks/utility.py              # writes benchmarks/results/utility.md
    python benchmarks/utility.py --limit 20   # quick look

Runs `veil eval utility` with every filter at default strength on the Kaggle
face-mask set (427 street photos, 2020 faces) and on WIDER FACE val (100
crowd images): each true face is hidden with the filter, then CenterFace (the
default detector, 2x) runs on the clean and the anonymised image. Landmark
error is the mean distance between landmarks found before and after, as a
fraction of the face size.
"""

from __future__ import annotations

import argparse
import json

from common import DATA, RESULTS, machine_line, require_data
from veil.detection import load_detector
from veil.evaluation import load_detection_dataset
from veil.evaluation.tables import markdown, utility_tables
from veil.evaluation.utility import evaluate_utility
from veil.filters import make_filter

SETS = {"mask": "detection/face_mask_kaggle853", "wider": "detection/widerface_val200_416"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, help="only the first N images of each set")
    args = parser.parse_args()
    detector = load_detector("centerface", None, 2.0)
    filters = {name: make_filter(name) for name in ("blur", "pixelate", "solid")}
    parts, results = [], {}
    for name, relative in SETS.items():
        items, _ = load_detection_dataset(require_data(DATA / relative))
        items = items[: args.limit] if args.limit else items
        results[name] = evaluate_utility(items, filters, detector)
        table = markdown(utility_tables(results[name]))
        print(name, "\n", table, flush=True)
        parts.append(f"## {name} ({len(items)} images, {results[name]['faces']} faces)\n\n{table}")
    limit = f" --limit {args.limit}" if args.limit else ""
    text = (
        "# Utility: is the anonymised face still a face?\n\n"
        f"`python benchmarks/utility.py{limit}` ({machine_line()}).\n\n"
        + __doc__.split("\n\n", 2)[2].strip()
        + "\n\n"
        + "\n".join(parts)
    )
    (RESULTS / "utility.md").write_text(text)
    (RESULTS / "utility.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

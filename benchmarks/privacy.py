"""Privacy benchmark: re-identification after every filter at default strength, three attackers.

    python benchmarks/privacy.py            # writes benchmarks/results/privacy.md

Runs `veil eval privacy` on ../shared/data/identity/deepface_13ids (61 labelled
photos of 13 people), plus deface's fixed 20-pixel mosaic as a baseline and
blur at higher strengths. Attackers (leave-one-out, chance beside them):
naive (dlib embedding vs clean photos), parrot (the gallery anonymised with the
same filter) and PCA+KNN (eigenfaces learned on the anonymised gallery).
Faces are found with CenterFace at 1x: at 2x it boxes large portrait faces too
tightly for dlib's alignment.
"""

from __future__ import annotations

import json

from common import DATA, RESULTS, machine_line, require_data
from veil.detection import load_detector
from veil.evaluation.privacy import FaceEmbedder, evaluate_privacy, load_subjects
from veil.evaluation.tables import markdown, privacy_tables
from veil.filters import MaskSpec, PixelateFilter, make_filter


class FixedMosaic(PixelateFilter):
    """deface's mosaic: 20-pixel blocks whatever the face size (box mask, scale 1.3)."""

    name = "deface-mosaic-20px"

    def block_size(self, size: float) -> int:
        return 20


def main() -> None:
    folder = require_data(DATA / "identity" / "deepface_13ids")
    subjects = load_subjects(folder, load_detector("centerface", None, 1.0))
    filters = {
        "none (clean photo)": None,
        "deface mosaic, fixed 20 px": FixedMosaic(mask=MaskSpec("box", 1.3, 0.0)),
        "blur": make_filter("blur"),
        "blur, strength 3": make_filter("blur", strength=3.0),
        "blur, strength 8": make_filter("blur", strength=8.0),
        "pixelate, blocks of face / 5 (veil 0.1)": make_filter("pixelate", strength=1 / 3),
        "**pixelate (default: blocks of 0.6 x face)**": make_filter("pixelate"),
        "solid": make_filter("solid"),
    }
    result = evaluate_privacy(subjects, filters, FaceEmbedder())
    table = markdown(privacy_tables(result))
    print(table)
    text = (
        "# Privacy: re-identification after anonymisation\n\n"
        f"`python benchmarks/privacy.py` ({machine_line()}); {result['faces']} faces of "
        f"{result['identities']} people; chance {result['chance']:.3f}; typical distance between two "
        f"different people {result['different_person_distance']:.3f} (\"unlinkable\": the anonymised face "
        "is farther than that from its own clean face).\n\n"
        + __doc__.split("\n\n", 2)[2].strip()
        + "\n\n"
        + table
    )
    (RESULTS / "privacy.md").write_text(text)
    (RESULTS / "privacy.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

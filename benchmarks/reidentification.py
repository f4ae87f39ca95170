"""Re-identification after anonymisation: does a face recogniser still know who it is?

    python benchmarks/reidentification.py     # writes benchmarks/results/reidentification.md

On ../shared/data/identity/deepface_13ids (61 labelled photos of 13 people):
each photo's face is anonymised, embedded with dlib's 128-d ResNet
(`face_recognition_models`, aligned by the 5-point landmarks), and matched to
the clean photos of everyone else (the probe's own clean photo excluded).
Rank-1 re-identification is the share whose nearest clean photo shows the same
person; chance is the expected share for a random guess. The full privacy
evaluation (parrot attacker, PCA+KNN) is `veil eval privacy` in a later issue.
"""

from __future__ import annotations

import csv

import cv2
import numpy as np

from common import DATA, RESULTS, machine_line, markdown_table, require_data
from veil.detection import load_detector
from veil.faces import Faces
from veil.filters import MaskSpec, PixelateFilter, make_filter


class FixedMosaic(PixelateFilter):
    """deface's mosaic: 20-pixel blocks whatever the face size (used with a box mask, scale 1.3)."""

    name = "deface-mosaic-20px"

    def block_size(self, size: float) -> int:
        return 20


def main() -> None:
    import dlib
    import face_recognition_models as models

    folder = require_data(DATA / "identity" / "deepface_13ids")
    with open(folder / "identities.csv") as stream:
        rows = list(csv.DictReader(stream))
    detector = load_detector("centerface")
    shape = dlib.shape_predictor(models.pose_predictor_five_point_model_location())
    encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())

    def embed(image: np.ndarray, box: np.ndarray) -> np.ndarray:
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        rect = dlib.rectangle(*(int(v) for v in box))
        return np.array(encoder.compute_face_descriptor(rgb, shape(rgb, rect)))

    photos, boxes, labels = [], [], []
    for row in rows:
        image = cv2.imread(str(folder / row["file"]))
        faces = detector.detect(image)
        if not len(faces):
            continue
        largest = faces[int(np.argmax(faces.area))]
        photos.append(image)
        boxes.append(largest)
        labels.append(row["identity"])
    labels_arr = np.array(labels)
    clean = np.stack([embed(p, f.xyxy[0]) for p, f in zip(photos, boxes, strict=True)])
    n = len(photos)
    chance = np.mean([(np.sum(labels_arr == labels_arr[i]) - 1) / (n - 1) for i in range(n)])

    filters = {
        "none (clean photo)": None,
        "deface mosaic, fixed 20 px": FixedMosaic(mask=MaskSpec("box", 1.3, 0.0)),
        "veil pixelate (default)": make_filter("pixelate"),
        "veil blur (default)": make_filter("blur"),
        "veil solid": make_filter("solid"),
    }
    table = []
    for name, flt in filters.items():
        hits, distances = 0, []
        for i, (photo, face) in enumerate(zip(photos, boxes, strict=True)):
            probe_image = photo if flt is None else flt.apply(photo, Faces.concat([face]))
            probe = embed(probe_image, face.xyxy[0])
            distance = np.linalg.norm(clean - probe, axis=1)
            distances.append(distance[i])
            distance[i] = np.inf  # its own clean photo is not in the gallery
            hits += labels_arr[int(np.argmin(distance))] == labels_arr[i]
        table.append([name, f"{hits / n:.3f}", f"{chance:.3f}", f"{np.median(distances):.3f}"])
        print(f"{name:30s} rank-1 {hits / n:.3f} (chance {chance:.3f})", flush=True)
    text = markdown_table(
        ["filter", "rank-1 re-identification", "chance", "median distance to own clean face"], table
    )
    print(text)
    with open(RESULTS / "reidentification.md", "w") as stream:
        stream.write("# Re-identification after anonymisation\n\n")
        stream.write(f"`python benchmarks/reidentification.py` on {machine_line()}; {n} faces.\n\n")
        stream.write(__doc__.split("\n\n", 2)[2].strip() + "\n\n")
        stream.write("dlib's own same-person threshold is a distance of 0.6.\n\n")
        stream.write(text + "\n")


if __name__ == "__main__":
    main()

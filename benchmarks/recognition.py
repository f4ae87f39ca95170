"""Known faces: keep/hide decisions, identification of blurred faces, and video per-track voting.

    python benchmarks/recognition.py      # writes benchmarks/results/recognition.md

1. Threshold: embedding distances of the 520 labelled pairs in
   identity/deepface_13ids/pairs.csv (same / different person).
2. Keep/hide on deepface_13ids: the first photo (by file name) of each of the
   first 7 people (by name) is enrolled; their other photos are members, the 6
   other people are strangers. Each photo's largest face is decided under
   `--keep`: a member kept as themselves is right; a member hidden is a lost
   picture (utility); a stranger kept is a privacy leak.
3. Identification after blurring: every person enrolled from one photo (with
   crops), the other photos blurred at each strength, then ranked by both
   `veil identify` methods (rank-1 accuracy; chance is 1/13).
4. Video: video/short_hamilton_clip.mp4 with the two gallery photos in
   hamilton_known_faces under `--keep`: the share of frames with a face in
   which some face is kept and in which some face is hidden, and how often a
   track switches between kept and hidden, with per-track voting (veil) and
   with an independent decision per frame.
"""

from __future__ import annotations

import csv
import functools
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from common import DATA, RESULTS, machine_line, markdown_table, require_data
from veil.anonymizer import Anonymizer
from veil.errors import GalleryError
from veil.faces import Faces
from veil.filters import make_filter
from veil.media.images import read_photo
from veil.recognition.embedding import FaceEmbedder
from veil.recognition.gallery import Gallery
from veil.recognition.identify import identify
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD, KnownFaces

THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6)
STRENGTHS = (0.0, 0.25, 0.5, 1.0, 2.0)
ENROLLED_PEOPLE = 7
UNLABELED = "unlabeled"  # these photos show labelled people too (id01's reflection, id01 in a couple)


def enrol(
    gallery: Gallery,
    person: str,
    path: Path,
    anonymizer: Anonymizer,
    embedder: FaceEmbedder,
    crop: bool = False,
) -> bool:
    """Enrol as a user would: a photo with several faces is refused, and the next one is tried."""
    try:
        gallery.add(person, path, anonymizer.detector, embedder, with_crop=crop)
    except GalleryError:
        return False
    return True


@functools.cache
def detected(anonymizer: Anonymizer, path: Path) -> tuple[np.ndarray, Faces]:
    pixels = read_photo(path).pixels
    return pixels, anonymizer.detect(pixels)


def largest_face(anonymizer: Anonymizer, path: Path) -> tuple[np.ndarray, Faces | None]:
    pixels, faces = detected(anonymizer, path)
    return pixels, (faces[int(np.argmax(faces.area))] if len(faces) else None)


def pair_table(folder: Path, anonymizer: Anonymizer, embedder: FaceEmbedder) -> list[list[str]]:
    cache: dict[str, np.ndarray | None] = {}

    def vector(name: str) -> np.ndarray | None:
        if name not in cache:
            pixels, face = largest_face(anonymizer, folder / name)
            cache[name] = None if face is None else embedder.embed(pixels, face.xyxy[0])
        return cache[name]

    same, different = [], []
    with open(folder / "pairs.csv") as stream:
        for row in csv.DictReader(stream):
            a, b = vector(row["file_a"]), vector(row["file_b"])
            if a is not None and b is not None:
                (same if row["same"] == "1" else different).append(float(np.linalg.norm(a - b)))
    same_d, diff_d = np.array(same), np.array(different)
    return [
        [
            f"{t:g}",
            f"{np.mean(same_d <= t):.3f}",
            f"{np.mean(diff_d <= t):.4f}",
            f"{len(same_d)}/{len(diff_d)}",
        ]
        for t in THRESHOLDS
    ]


def keep_table(folder: Path, anonymizer: Anonymizer, embedder: FaceEmbedder) -> list[list[str]]:
    with open(folder / "identities.csv") as stream:
        photos = sorted(
            (row["identity"], row["file"]) for row in csv.DictReader(stream) if row["identity"] != UNLABELED
        )
    people = sorted({person for person, _ in photos})
    enrolled = set(people[:ENROLLED_PEOPLE])
    gallery = Gallery([])
    probes = []
    for person, file in photos:
        if (
            person in enrolled
            and person not in gallery.names
            and enrol(gallery, person, folder / file, anonymizer, embedder)
        ):
            continue
        probes.append((person, folder / file))
    rows = []
    for threshold in THRESHOLDS:
        known = KnownFaces(gallery, "keep", threshold, embedder)
        counts: dict[str, int] = defaultdict(int)
        for person, path in probes:
            pixels, face = largest_face(anonymizer, path)
            if face is None:
                continue
            decision = known.decide(pixels, face)
            kept, who = not decision.hide[0], decision.identity[0]
            if person in enrolled:
                counts["members"] += 1
                counts["member kept as self"] += kept and who == person
                counts["member kept as other"] += kept and who != person
            else:
                counts["strangers"] += 1
                counts["stranger kept"] += kept
        members, strangers = counts["members"], counts["strangers"]
        rows.append(
            [
                f"{threshold:g}",
                f"{counts['member kept as self'] / members:.3f}",
                f"{counts['member kept as other'] / members:.3f}",
                f"{counts['stranger kept'] / strangers:.3f} ({counts['stranger kept']}/{strangers})",
                f"{members}",
            ]
        )
    return rows


def identify_table(folder: Path, anonymizer: Anonymizer, embedder: FaceEmbedder) -> list[list[str]]:
    with open(folder / "identities.csv") as stream:
        photos = sorted(
            (row["identity"], row["file"]) for row in csv.DictReader(stream) if row["identity"] != UNLABELED
        )
    gallery = Gallery([])
    probes = []
    for person, file in photos:
        if person not in gallery.names and enrol(gallery, person, folder / file, anonymizer, embedder, True):
            continue
        probes.append((person, folder / file))
    faces = [(person, *largest_face(anonymizer, path)) for person, path in probes]
    faces = [(person, pixels, face) for person, pixels, face in faces if face is not None]
    rows = []
    for strength in STRENGTHS:
        blur = make_filter("blur", strength=strength) if strength else None
        hits = {"embedding": 0, "pca-knn": 0}
        for person, pixels, face in faces:
            probe = pixels if blur is None else blur.apply(pixels, face)
            for method in hits:
                ranking = identify(probe, face, gallery, method, blur, embedder)[0]  # type: ignore[arg-type]
                hits[method] += ranking[0][0] == person
        rows.append(
            [
                "clear" if not strength else f"blur {strength:g}",
                f"{hits['embedding'] / len(faces):.3f}",
                f"{hits['pca-knn'] / len(faces):.3f}",
                f"{1 / len(gallery.names):.3f}",
                str(len(faces)),
            ]
        )
    return rows


def video_table(clip: Path, known_folder: Path, work: Path) -> list[list[str]]:
    embedder = FaceEmbedder()
    anonymizer = Anonymizer()
    gallery = Gallery([])
    for photo in sorted(known_folder.iterdir()):
        gallery.add(photo.stem, photo, anonymizer.detector, embedder)
    gallery_path = work / "hamilton_gallery.json"
    gallery.save(gallery_path)
    keeper = Anonymizer(keep=str(gallery_path))
    record = keeper.process_file(clip, None)
    assert record.frames is not None and keeper.known is not None
    per_frame = KnownFaces(gallery, "keep", DEFAULT_MATCH_THRESHOLD, embedder)
    rows = []
    # per-track voting, as veil runs; then the same faces decided frame by frame
    for label, decide in (("per-track vote (veil)", None), ("per frame", per_frame)):
        with_face = kept = hidden = switches = 0
        last: dict[int, bool] = {}
        from veil.media.video import VideoReader

        pixels_by_index: dict[int, np.ndarray] = {}
        if decide is not None:
            with VideoReader(clip) as reader:
                pixels_by_index = {frame.index: frame.pixels for frame in reader.frames()}
        for frame in record.frames:
            faces = frame.faces
            if not len(faces):
                continue
            if decide is None:
                assert faces.hide is not None
                hide = faces.hide
            else:
                hide = decide.decide(pixels_by_index[frame.index], faces).hide
            with_face += 1
            kept += bool((~hide).any())
            hidden += bool(hide.any())
            for track, h in zip(faces.track_id if faces.track_id is not None else [], hide, strict=False):
                switches += int(track) in last and last[int(track)] != bool(h)
                last[int(track)] = bool(h)
        rows.append(
            [label, str(with_face), f"{kept / with_face:.3f}", f"{hidden / with_face:.3f}", str(switches)]
        )
    return rows


def video_section(vid: list[list[str]]) -> str:
    return (
        "## Video: short_hamilton_clip.mp4, `--keep` the two people in hamilton_known_faces\n\n"
        + markdown_table(
            [
                "decision",
                "frames with a face",
                "frames where a face is kept",
                "frames where a face is hidden",
                "keep/hide switches within tracks",
            ],
            vid,
        )
        + "\n"
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--video-only", action="store_true", help="redo only part 4 (keeps parts 1-3)")
    args = parser.parse_args()
    identity = require_data(DATA / "identity" / "deepface_13ids")
    video = require_data(DATA / "video")
    anonymizer, embedder = Anonymizer(), FaceEmbedder()
    if args.video_only:
        old = json.loads((RESULTS / "recognition.json").read_text())
        text = (RESULTS / "recognition.md").read_text().split("## Video")[0]
        work = RESULTS.parent / ".cache"
        vid = video_table(video / "short_hamilton_clip.mp4", video / "hamilton_known_faces", work)
        (RESULTS / "recognition.md").write_text(text + video_section(vid))
        (RESULTS / "recognition.json").write_text(json.dumps({**old, "video": vid}, indent=1))
        print(video_section(vid))
        return
    sections = []
    pairs = pair_table(identity, anonymizer, embedder)
    sections.append(
        "## Match threshold (pairs.csv)\n\n"
        + markdown_table(
            ["threshold", "same-person pairs accepted", "different-person pairs accepted", "pairs"], pairs
        )
    )
    print(sections[-1], flush=True)
    keep = keep_table(identity, anonymizer, embedder)
    sections.append(
        f"## Keep/hide (`--keep`, {ENROLLED_PEOPLE} people enrolled from one photo each)\n\n"
        + markdown_table(
            [
                "threshold",
                "member kept (right person)",
                "member kept as someone else",
                "stranger kept (leak)",
                "members",
            ],
            keep,
        )
    )
    print(sections[-1], flush=True)
    ident = identify_table(identity, anonymizer, embedder)
    sections.append(
        "## Identifying blurred faces (`veil identify`, rank-1)\n\n"
        + markdown_table(
            ["probe", "embedding NN", "PCA + KNN (gallery blurred alike)", "chance", "faces"], ident
        )
    )
    print(sections[-1], flush=True)
    work = RESULTS.parent / ".cache"
    work.mkdir(exist_ok=True)
    vid = video_table(video / "short_hamilton_clip.mp4", video / "hamilton_known_faces", work)
    sections.append(video_section(vid).strip())
    print(sections[-1], flush=True)
    text = (
        "# Known faces\n\n"
        f"`python benchmarks/recognition.py` on {machine_line()}; default match threshold "
        f"{DEFAULT_MATCH_THRESHOLD}.\n\n"
        + __doc__.split("\n\n", 2)[2].strip()
        + "\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
    (RESULTS / "recognition.md").write_text(text)
    (RESULTS / "recognition.json").write_text(
        json.dumps({"pairs": pairs, "keep": keep, "identify": ident, "video": vid}, indent=1)
    )
    print(f"wrote {RESULTS / 'recognition.md'}")


if __name__ == "__main__":
    main()

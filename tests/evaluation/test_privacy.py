"""Re-identification attackers on hand-made embeddings and crops, and on real photos."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tests.conftest import require_data
from veil.evaluation.privacy import chance_level, pca_knn_rank1, rank1


def test_chance_is_the_share_of_other_photos_of_the_same_person():
    assert chance_level(np.array(["a", "a", "b", "b"])) == pytest.approx(1 / 3)
    assert chance_level(np.array(["a", "a", "a", "b"])) == pytest.approx((2 / 3 * 3 + 0) / 4)


def test_rank1_is_leave_one_out():
    labels = np.array(["a", "a", "b", "b"])
    clustered = np.array([[0.0, 0], [0.1, 0], [5, 5], [5.1, 5]])
    assert rank1(clustered, clustered, labels) == 1.0  # nearest other photo is the same person
    swapped = np.array([[0.0, 0], [5, 5], [0.1, 0], [5.1, 5]])
    assert rank1(swapped, swapped, labels) == 0.0


def test_pca_knn_learns_what_the_filter_leaves():
    rng = np.random.default_rng(0)
    labels = np.repeat(["a", "b", "c"], 4)
    prototypes = rng.normal(size=(3, 64))
    crops = prototypes[np.repeat(np.arange(3), 4)] + 0.05 * rng.normal(size=(12, 64))
    assert pca_knn_rank1(crops, labels, components=5) == 1.0
    noise = rng.normal(size=(12, 64))
    assert pca_knn_rank1(noise, labels, components=5) < 0.7


def test_strong_filter_defeats_the_naive_attacker_on_real_photos(tmp_path):
    pytest.importorskip("dlib")
    from veil.detection import load_detector
    from veil.evaluation.privacy import FaceEmbedder, evaluate_privacy, load_subjects
    from veil.filters import make_filter

    folder = require_data("identity/deepface_13ids")
    with (folder / "identities.csv").open() as stream:
        rows = [r for r in csv.DictReader(stream) if r["identity"] in ("id01", "id02", "id03")]
    table = tmp_path / "identities.csv"
    with table.open("w") as stream:
        stream.write("file,identity\n" + "".join(f"{folder / r['file']},{r['identity']}\n" for r in rows))
    subjects = load_subjects(tmp_path, load_detector("centerface"))
    result = evaluate_privacy(subjects, {"clean": None, "solid": make_filter("solid")}, FaceEmbedder())
    assert result["faces"] >= 6
    assert result["filters"]["clean"]["naive"] > 0.6  # the recogniser works on clean faces
    assert result["filters"]["solid"]["naive"] < result["filters"]["clean"]["naive"]
    assert result["filters"]["clean"]["distance_to_own_face"] == pytest.approx(0.0)
    assert result["filters"]["solid"]["distance_to_own_face"] > result["different_person_distance"] * 0.8

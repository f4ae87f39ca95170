"""Fusion of members, tiling, mirroring and profiles: boxes land where the faces are."""

from __future__ import annotations

import itertools
import json

import cv2
import numpy as np
import pytest

from tests.conftest import PORTRAIT_FACES, SOLVAY_PEOPLE, run_cli
from veil.detection import FlippedDetector, FusedDetector, ScaledDetector, load_detector, load_profile
from veil.detection.fusion import SCHEMES, WEIGHTS_FILE, FusionWeights, Member, fuse
from veil.detection.multiscale import tile_spans
from veil.detection.profiles import PROFILES, all_recipes
from veil.evaluation.calibration import fit_logistic
from veil.faces import Faces
from veil.geometry import box_iou

WEIGHTS = FusionWeights(-1.0, {"a": (1.0, 0.5), "b": (1.0, 0.5)}, {"a": (1.0, -0.5), "b": (1.0, -0.5)})


def faces(*boxes: tuple[float, float, float, float], score: float = 0.8) -> Faces:
    return Faces(np.array(boxes, np.float32), np.full(len(boxes), score, np.float32))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_face_found_by_one_member_is_kept_with_its_calibrated_score(scheme):
    weights = WEIGHTS.with_scheme(scheme)
    fused = fuse([faces((10, 10, 50, 50)), faces((200, 200, 260, 260))], ["a", "b"], weights)
    assert len(fused) == 2
    assert np.allclose(np.sort(fused.xyxy[:, 0]), [10, 200])
    expected = WEIGHTS.single("a", np.array([0.8]))[0]
    assert np.allclose(fused.score, expected, atol=1e-6)
    assert set(fused.source) == {"a", "b"}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_overlapping_boxes_from_two_members_merge_and_agreement_raises_the_score(scheme):
    fused = fuse([faces((10, 10, 50, 50)), faces((14, 12, 54, 52))], ["a", "b"], WEIGHTS.with_scheme(scheme))
    assert len(fused) == 1
    assert fused.score[0] > WEIGHTS.single("a", np.array([0.8]))[0]
    assert np.allclose(fused.xyxy[0], [12, 11, 52, 51])  # equal weights: the mean box
    assert fused.source[0] == "a+b"


def test_noisy_or_is_the_chance_that_not_every_finding_member_is_wrong():
    weights = WEIGHTS.with_scheme("noisy-or")
    p = WEIGHTS.single("a", np.array([0.8]))[0]
    fused = fuse([faces((10, 10, 50, 50)), faces((14, 12, 54, 52))], ["a", "b"], weights)
    assert np.isclose(fused.score[0], 1 - (1 - p) ** 2, atol=1e-6)
    assert FusionWeights.from_json(json.loads(json.dumps(weights.to_json()))) == weights
    with pytest.raises(ValueError, match="unknown fusion scheme"):
        WEIGHTS.with_scheme("mean")


def test_landmarks_come_from_the_most_confident_member_that_has_them():
    with_points = Faces(
        np.array([[10, 10, 50, 50]], np.float32),
        np.array([0.6], np.float32),
        np.full((1, 5, 2), 30, np.float32),
    )
    fused = fuse([faces((10, 10, 50, 50), score=0.9), with_points], ["a", "b"], WEIGHTS)
    assert len(fused) == 1
    assert np.allclose(fused.landmarks[0], 30)


def test_no_members_no_faces():
    assert len(fuse([Faces.empty(), Faces.empty()], ["a", "b"], WEIGHTS)) == 0


class SquareDetector:
    """Finds bright squares (a stand-in face detector with exact boxes); counts its calls."""

    name = "squares"
    threshold = 0.5

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame: np.ndarray) -> Faces:
        self.calls += 1
        grey = frame if frame.ndim == 2 else frame[..., 0]
        count, _, stats, _ = cv2.connectedComponentsWithStats((grey > 128).astype(np.uint8))
        boxes = [(x, y, x + w, y + h) for x, y, w, h, _ in stats[1:count]]
        return Faces(np.array(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.9), source=self.name)


def test_tile_spans_cover_the_length_with_the_overlap():
    spans = tile_spans(3840, 2048, 192)
    assert spans[0][0] == 0 and spans[-1][1] == 3840
    assert all(a[1] - b[0] >= 192 for a, b in itertools.pairwise(spans))
    assert len({stop - start for start, stop in spans}) == 1
    assert tile_spans(1000, 2048, 192) == [(0, 1000)]


def test_a_face_across_a_tile_border_is_found_once_at_its_exact_place():
    frame = np.zeros((600, 1800, 3), np.uint8)
    (_x1, x2), _ = tile_spans(1800, 1000, 200)  # first tile ends at x2
    box = (x2 - 60, 250, x2 + 40, 350)  # straddles the first tile's right edge
    frame[box[1] : box[3], box[0] : box[2]] = 255
    tiled = ScaledDetector(SquareDetector(), 1.0, tile=1000, overlap=200)
    found = tiled.detect(frame)
    assert len(found) == 1
    assert np.allclose(found.xyxy[0], box)


def test_a_real_face_across_a_tile_border_is_found_once(newton):
    x1, y1, x2, y2 = PORTRAIT_FACES["newton.png"]
    canvas = np.full((1200, 2400, 3), 127, np.uint8)
    face = newton[y1 - 40 : y2 + 40, x1 - 40 : x2 + 40]
    spans = tile_spans(2400, 1400, 400)
    left = spans[0][1] - face.shape[1] // 2  # the face is cut in half by the first tile's edge
    canvas[500 : 500 + face.shape[0], left : left + face.shape[1]] = face
    truth = np.array([[left + 40, 540, left + 40 + x2 - x1, 540 + y2 - y1]])
    found = ScaledDetector(load_detector("centerface"), 1.0, tile=1400, overlap=400).detect(canvas)
    assert len(found) == 1
    assert box_iou(found.xyxy, truth)[0, 0] > 0.5


def test_flipped_detector_maps_boxes_and_landmarks_back(newton):
    direct = load_detector("centerface").detect(newton)
    mirrored = FlippedDetector(load_detector("centerface")).detect(newton)
    assert len(mirrored) == 1
    assert box_iou(direct.xyxy, mirrored.xyxy)[0, 0] > 0.8
    left_eye, right_eye = mirrored.landmarks[0, 0], mirrored.landmarks[0, 1]
    assert left_eye[0] < right_eye[0]


def test_a_scale_capped_to_the_same_size_reuses_the_first_members_result():
    squares = SquareDetector()
    members = [
        (Member("squares", 2.0), ScaledDetector(squares, 2.0, max_side=1000)),
        (Member("squares", 3.0), ScaledDetector(squares, 3.0, max_side=1000)),
    ]
    weights = FusionWeights.identity([m.label for m, _ in members])
    frame = np.zeros((500, 1000, 3), np.uint8)  # both scales are capped at 1x by max_side
    frame[100:150, 100:150] = 255
    fused = FusedDetector("test", members, weights, 0.1).detect(frame)
    assert squares.calls == 1
    assert len(fused) == 1


def test_fit_logistic_recovers_known_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 2))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(1.5 * x[:, 0] - 2 * x[:, 1] + 0.5)))).astype(float)
    w = fit_logistic(x, y)
    assert np.allclose(w, [1.5, -2, 0.5], atol=0.2)


def test_every_profile_recipe_has_shipped_weights():
    shipped = json.loads(WEIGHTS_FILE.read_text())["recipes"]
    assert set(all_recipes()) <= set(shipped)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_finds_the_portrait_face_once(name, newton):
    detector = load_profile(name)
    found = detector.detect(newton)
    assert len(found) == 1
    assert box_iou(found.xyxy, np.array([PORTRAIT_FACES["newton.png"]]))[0, 0] > 0.5
    assert 0 <= found.score[0] <= 1 and found.landmarks is not None


def test_balanced_finds_the_people_in_the_group_photo(solvay):
    found = load_profile("balanced").detect(solvay)
    assert SOLVAY_PEOPLE - 3 <= len(found) <= SOLVAY_PEOPLE + 3


def test_cli_profile_and_detector_choices(tmp_path, newton):
    photo = tmp_path / "p.png"
    cv2.imwrite(str(photo), newton)
    report = tmp_path / "r.json"
    code, output = run_cli("detect", str(photo), "--profile", "fast", "--json", str(report))
    assert code == 0, output
    code, output = run_cli(str(photo), "--profile", "slow")
    assert code == 2 and "slow" in output

"""landmark-blur and face: faces stay faces to a detector, landmarks stay put, tracks keep one look."""

from __future__ import annotations

import numpy as np
import pytest

from veil.detection import load_detector
from veil.faces import Faces
from veil.filters import FaceReplaceFilter, LandmarkBlurFilter, make_filter
from veil.filters.replace import fit_affine
from veil.filters.synthetic_face import VARIANTS, synthetic_face, template_landmarks
from veil.geometry import box_iou


@pytest.fixture(scope="module")
def detector():
    return load_detector("centerface", None, 1.0)


def only_face(detector, image: np.ndarray) -> Faces:
    faces = detector.detect(image)
    assert len(faces) == 1, f"expected one face, found {len(faces)}"
    return faces


def landmark_shift(before: Faces, after: Faces) -> float:
    """Mean landmark movement as a fraction of the face size."""
    size = float(np.sqrt(np.prod(before.xyxy[0, 2:] - before.xyxy[0, :2])))
    return float(np.linalg.norm(before.landmarks[0] - after.landmarks[0], axis=1).mean() / size)


def found_again(
    detector, image: np.ndarray, clean: Faces, name: str, min_iou: float
) -> tuple[np.ndarray, Faces]:
    """Hide the face with filter ``name`` and check the detector finds it where it was."""
    hidden = make_filter(name).apply(image, clean)
    found = detector.detect(hidden)
    assert len(found) == 1, f"the face is no longer detected after {name}"
    assert box_iou(clean.xyxy, found.xyxy)[0, 0] > min_iou
    assert landmark_shift(clean, found) < 0.08
    return hidden, found


@pytest.mark.parametrize("name", ["newton", "gauss"])
def test_landmark_blur_leaves_landmarks_where_they_were(name, detector, request):
    image = request.getfixturevalue(name)
    clean = only_face(detector, image)
    _, found = found_again(detector, image, clean, "landmark-blur", 0.7)
    # plain blur, even at half landmark-blur's heavy sigma, loses what landmark-blur keeps
    plain = make_filter("blur", strength=2.0).apply(image, clean)
    lost = detector.detect(plain)
    assert len(lost) == 0 or landmark_shift(clean, lost) > landmark_shift(clean, found)


def test_landmark_blur_is_lighter_on_the_features_than_around_them(newton, detector):
    clean = only_face(detector, newton)
    hidden = make_filter("landmark-blur").apply(newton, clean)
    heavy = make_filter("blur", strength=4.0).apply(
        newton, clean
    )  # sigma face / 2, landmark-blur's heavy one
    left_eye, right_eye = clean.landmarks[0, :2]
    eye = np.round(left_eye).astype(int)
    forehead = np.round((left_eye + right_eye) / 2 - [0, 0.6 * (right_eye[0] - left_eye[0])]).astype(int)

    def detail(image: np.ndarray, at: np.ndarray) -> float:
        x, y = at
        return float(image[y - 6 : y + 7, x - 6 : x + 7].astype(np.float32).std(axis=(0, 1)).mean())

    assert detail(hidden, eye) > 3 * detail(heavy, eye)  # the eye keeps its shape
    assert detail(hidden, eye) < detail(newton, eye)  # but is still blurred
    x, y = forehead
    assert (
        np.abs(hidden[y - 6 : y + 7, x - 6 : x + 7].astype(int) - heavy[y - 6 : y + 7, x - 6 : x + 7]).max()
        <= 2
    )


@pytest.mark.parametrize("name", ["newton", "gauss"])
def test_replacement_face_is_detected_where_the_original_was(name, detector, request):
    image = request.getfixturevalue(name)
    clean = only_face(detector, image)
    replaced, _ = found_again(detector, image, clean, "face", 0.6)
    x1, y1, x2, y2 = clean.xyxy[0].astype(int)
    inside = np.abs(replaced[y1:y2, x1:x2].astype(int) - image[y1:y2, x1:x2]).max(axis=-1)
    assert (inside > 10).mean() > 0.8, "most of the face should be redrawn"


def test_replacement_is_deterministic_and_kept_per_track(newton, detector):
    clean = only_face(detector, newton)
    tracked = Faces(clean.xyxy, clean.score, clean.landmarks, track_id=[7])
    noisy = np.clip(
        newton.astype(int) + np.random.default_rng(0).integers(-3, 4, newton.shape), 0, 255
    ).astype(np.uint8)
    # no track (photos): the pixels pick the face, so the same photo gives the same output
    first, again = FaceReplaceFilter(), FaceReplaceFilter()
    assert np.array_equal(first.apply(newton, clean), again.apply(newton, clean))
    region = first.regions(clean, newton.shape[1], newton.shape[0])[0]
    crop = (slice(region[1], region[3]), slice(region[0], region[2]))
    by_pixels = {FaceReplaceFilter().variant(frame[crop], _region(clean)) for frame in _frames(newton, 24)}
    assert len(by_pixels) > 1, "different pixels should not always give the same face"
    # one track: the first frame picks, later frames (other pixels) keep it
    video = FaceReplaceFilter()
    frame_one = video.apply(newton, tracked)
    frame_two = video.apply(noisy, tracked)
    difference = np.abs(frame_one[crop].astype(int) - frame_two[crop]).mean()
    assert difference < 3, "the same track got a different face"
    assert video.variant(noisy[crop], _region(tracked)) == video.variant(newton[crop], _region(tracked))
    video.reset()
    assert video._track_variants == {}


def test_every_variant_is_a_face_on_the_template_landmarks(detector):
    marks = template_landmarks()
    for variant in range(VARIANTS):
        drawn = synthetic_face(variant)
        assert np.array_equal(drawn.landmarks, marks)
        assert drawn.alpha.min() >= 0 and drawn.alpha.max() == 1
        canvas = (drawn.bgr * drawn.alpha[..., None] * 255 + 128 * (1 - drawn.alpha[..., None])).astype(
            np.uint8
        )
        found = detector.detect(canvas)
        assert len(found) == 1, f"variant {variant} is not detected as a face"
        assert np.abs(found.landmarks[0] - marks).max() < 10
    assert not np.array_equal(synthetic_face(0).bgr, synthetic_face(1).bgr)


def test_fit_affine_recovers_a_map_and_survives_a_profile():
    source = template_landmarks().astype(np.float64)
    matrix = np.array([[0.8, 0.1, 30.0], [-0.05, 1.1, 12.0]])
    target = source @ matrix[:, :2].T + matrix[:, 2]
    assert np.allclose(fit_affine(source, target), matrix, atol=1e-6)
    collinear = np.stack([np.linspace(10, 14, 5), np.linspace(10, 60, 5)], axis=1)
    fallback = fit_affine(source, collinear)
    assert np.linalg.det(fallback[:, :2]) > 0  # a similarity, never a mirror or a collapse


def test_landmarks_are_estimated_from_the_box_when_missing(newton, detector):
    clean = only_face(detector, newton)
    boxes_only = Faces(clean.xyxy, clean.score)
    replaced = make_filter("face").apply(newton, boxes_only)
    assert len(detector.detect(replaced)) == 1
    assert isinstance(make_filter("landmark-blur"), LandmarkBlurFilter)
    blurred = make_filter("landmark-blur").apply(newton, boxes_only)
    assert not np.array_equal(blurred, newton)


def _region(faces: Faces):
    from veil.filters.base import face_regions

    return face_regions(faces, [(0, 0, 1, 1)])[0]


def _frames(image: np.ndarray, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [
        np.clip(image.astype(int) + rng.integers(-2, 3, image.shape), 0, 255).astype(np.uint8)
        for _ in range(count)
    ]


@pytest.mark.parametrize("name", ["face", "landmark-blur"])
def test_grey_frames_stay_grey(name, newton, detector):
    import cv2

    clean = only_face(detector, newton)
    grey = cv2.cvtColor(newton, cv2.COLOR_BGR2GRAY)
    out = make_filter(name).apply(grey, clean)
    assert out.shape == grey.shape
    x1, y1, x2, y2 = clean.xyxy[0].astype(int)
    assert np.abs(out[y1:y2, x1:x2].astype(int) - grey[y1:y2, x1:x2]).mean() > 5


def test_black_and_white_photo_gets_a_grey_face_and_a_colour_photo_a_coloured_one(newton, detector):
    import cv2

    clean = only_face(detector, newton)
    grey = cv2.cvtColor(cv2.cvtColor(newton, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    x1, y1, x2, y2 = clean.xyxy[0].astype(int)

    def chroma(image: np.ndarray) -> float:
        patch = image[y1:y2, x1:x2].astype(int)
        return float((patch.max(axis=-1) - patch.min(axis=-1)).mean())

    assert chroma(make_filter("face").apply(grey, clean)) < 3
    assert chroma(make_filter("face").apply(newton, clean)) > 15

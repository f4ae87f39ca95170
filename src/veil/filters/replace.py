"""`--filter face`: each face replaced by a drawn face of nobody, posed and lit like the original.

Natural-looking replacement faces keep the released data full of detectable
faces that belong to nobody. Here a `synthetic_face` variant
is warped onto the original's five landmarks by an affine fit, which carries
pose, size and roll, shifted to the original's rough skin tone in Lab, and
feathered into a heavy blur of the original: hair, ears and anything the
oval does not cover are blurred away, and the edge has no seam.

Which variant a face gets is drawn from a hash of its pixels, so it says
nothing about who the person is, and two photos of one person get unrelated
faces. (While tuning, one variant for everybody let an attacker who replaces
his own photos too match people by what surrounds the drawn face: rank-1
0.24 against chance 0.07.) In video the first frame of a track picks, and the
track keeps that face until `reset` (the next video).
"""

from __future__ import annotations

import hashlib

import cv2
import numpy as np

from veil.filters.base import FaceRegion, RegionFilter
from veil.filters.blur import gaussian_blur
from veil.filters.masks import MaskSpec
from veil.filters.synthetic_face import VARIANTS, SyntheticFace, synthetic_face

FACE_MASK_SCALE = 1.6
"""The face filter's default mask growth: hair and ears next to a drawn face are
identity cues that the other filters' 1.3 leaves in view (parrot rank-1 0.127 at
1.3 against 0.108 at 1.6 in benchmarks/results/filters.md; 1.3 keeps 2 points
more faces detected)."""

SURROUND_SIGMA_PER_FACE = 1 / 4
"""Blur of whatever the drawn oval leaves uncovered inside the mask (hair, ears, background)."""

SKIN_LAB_RANGE = ((30.0, 85.0), (4.0, 28.0), (6.0, 34.0))
"""Bounds on the matched skin tone in Lab (L, a, b): a mask or a hat under the
sample points gives a plausible skin, not a blue or white face."""

GREY_CHROMA = 6.0
"""Skin chroma (Lab) below which a photo counts as partly grey: its drawn face loses colour
in proportion. Skin in colour photos lies well above it."""

MAX_STRETCH = 2.5
"""Largest ratio between the affine fit's two scales before it falls back to a similarity."""


def fit_affine(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """2x3 least-squares affine map of the template landmarks onto the face's.

    A full affine follows yaw (a turned face is narrower) and tilt; when the
    landmarks are nearly collinear (a profile) it degenerates, and a
    similarity (rotation, scale, shift) is used instead.
    """
    ones = np.ones((len(source), 1), np.float64)
    design = np.hstack([source.astype(np.float64), ones])
    solution, *_ = np.linalg.lstsq(design, target.astype(np.float64), rcond=None)
    matrix = solution.T
    singular = np.linalg.svd(matrix[:, :2], compute_uv=False)
    if np.linalg.det(matrix[:, :2]) > 0 and singular[0] <= MAX_STRETCH * singular[1]:
        return matrix
    similarity, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.LMEDS)
    if similarity is None:
        return matrix
    return np.asarray(similarity, np.float64)


def skin_tone(patch: np.ndarray, face: FaceRegion) -> np.ndarray:
    """The original's skin colour in Lab (median over forehead and cheeks, clamped to skin) and colourfulness.

    Returns ``L, a, b, colourfulness``: colourfulness is 1 for any colour photo and falls
    towards 0 in black-and-white ones, where a pink face would stand out.
    """
    h, w = patch.shape[:2]
    left_eye, right_eye, _, mouth_left, mouth_right = face.landmarks
    eye_gap = max(2.0, float(np.linalg.norm(right_eye - left_eye)))
    centres = [
        (left_eye + right_eye) / 2 - [0, 0.45 * eye_gap],  # forehead
        (left_eye + mouth_left) / 2 - [0.15 * eye_gap, 0],  # cheeks
        (right_eye + mouth_right) / 2 + [0.15 * eye_gap, 0],
    ]
    radius = max(1, round(0.15 * eye_gap))
    samples = []
    for x, y in centres:
        x1, y1 = max(0, round(x) - radius), max(0, round(y) - radius)
        x2, y2 = min(w, round(x) + radius + 1), min(h, round(y) + radius + 1)
        if x2 > x1 and y2 > y1:
            samples.append(patch[y1:y2, x1:x2].reshape(-1, 3))
    pixels = np.concatenate(samples) if samples else patch.reshape(-1, 3)
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.float32) / 255, cv2.COLOR_BGR2Lab).reshape(-1, 3)
    median = np.median(lab, axis=0)
    tone = np.array([np.clip(v, lo, hi) for v, (lo, hi) in zip(median, SKIN_LAB_RANGE, strict=True)])
    colourful = min(1.0, float(np.hypot(median[1], median[2])) / GREY_CHROMA)
    tone[1:] *= colourful
    return np.append(tone, colourful).astype(np.float32)


def recolour(face: SyntheticFace, tone: np.ndarray) -> np.ndarray:
    """The drawn face (BGR float) shifted in Lab so its bare skin has ``tone`` (L, a, b, colourfulness).

    Colourfulness scales the face's own colours too, so a black-and-white photo gets a grey face.
    """
    lab = cv2.cvtColor(face.bgr, cv2.COLOR_BGR2Lab)
    own = cv2.cvtColor(face.skin.reshape(1, 1, 3), cv2.COLOR_BGR2Lab).reshape(3)
    lab[..., 0] += tone[0] - own[0]
    lab[..., 1:] = (lab[..., 1:] - own[1:]) * tone[3] + tone[1:3]
    return np.clip(cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2BGR), 0, 1)


class FaceReplaceFilter(RegionFilter):
    """Replace each face with a drawn, identity-free face warped to its landmarks.

    ``strength`` scales the blur around the drawn face (hair, ears: what the oval leaves).
    """

    name = "face"
    stateful = True  # one drawn face per track

    def __init__(self, strength: float = 1.0, *, mask: MaskSpec | None = None, seed: int = 0) -> None:
        super().__init__(mask=mask or MaskSpec(scale=FACE_MASK_SCALE))
        if strength <= 0:
            raise ValueError(f"strength must be positive, got {strength}")
        self.strength = strength
        # salts the choice of drawn face: two releases of one photo with different seeds
        # give unrelated faces (and a benchmark can average over seeds)
        self.seed = seed
        self._track_variants: dict[int, int] = {}

    def reset(self) -> None:
        """Forget the faces given to tracks (track ids start again in the next video)."""
        self._track_variants.clear()

    def variant(self, patch: np.ndarray, face: FaceRegion) -> int:
        """The drawn face for this face: a hash of its pixels, kept per track."""
        if face.track is not None and face.track in self._track_variants:
            return self._track_variants[face.track]
        salt = self.seed.to_bytes(8, "little", signed=True)
        digest = hashlib.blake2b(np.ascontiguousarray(patch).tobytes(), digest_size=4, salt=salt).digest()
        chosen = int.from_bytes(digest, "little") % VARIANTS
        if face.track is not None:
            self._track_variants[face.track] = chosen
        return chosen

    def render(self, patch: np.ndarray, face: FaceRegion) -> np.ndarray:
        if patch.ndim == 2:  # a grey frame gets a grey face
            colour_patch = cv2.cvtColor(patch, cv2.COLOR_GRAY2BGR)
            return cv2.cvtColor(self.render(colour_patch, face), cv2.COLOR_BGR2GRAY)
        h, w = patch.shape[:2]
        drawn = synthetic_face(self.variant(patch, face))
        matrix = fit_affine(drawn.landmarks, face.landmarks)
        colour = recolour(drawn, skin_tone(patch, face))
        warped = cv2.warpAffine(
            colour, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        alpha = cv2.warpAffine(drawn.alpha, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)[..., None]
        surround = gaussian_blur(patch, max(1.0, self.strength * face.size * SURROUND_SIGMA_PER_FACE))
        mixed = surround.astype(np.float32) * (1 - alpha) + warped * 255 * alpha
        return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)

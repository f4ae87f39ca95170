"""A parametric face of nobody, drawn from shapes: the template that `--filter face` warps in.

No generative face model ships on PyPI, and averaging real photos would need
a licence for every face averaged, so the replacement is drawn: an oval with
3-D shading, eye sockets, almond eyes with irises and lids, brows, a shaded
nose with nostrils, and lips. A seed picks a variant (face width, brow shape
and weight, iris and lip colour, nose width, lip fullness) so that different
people get different faces while one person's track keeps one. Nothing in it
comes from a photograph, so it cannot copy anyone.

Coordinates are on a ``TEMPLATE_SIDE`` square canvas; `LANDMARKS` sit where
CenterFace puts them in a face box (see `filters.base.TYPICAL_LANDMARKS`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

TEMPLATE_SIDE = 256
BOX = (48.0, 25.0, 208.0, 231.0)
"""The face box the template is drawn for (brow to chin, as detectors box faces)."""

VARIANTS = 16
"""Distinct faces; `FaceReplaceFilter` picks one per face (per track in video)."""

IRIS_COLOURS = (
    (0.10, 0.20, 0.33),
    (0.07, 0.13, 0.22),
    (0.20, 0.35, 0.38),
    (0.45, 0.40, 0.30),
    (0.25, 0.38, 0.25),
)
LIP_COLOURS = ((0.42, 0.42, 0.72), (0.40, 0.36, 0.62), (0.45, 0.45, 0.70), (0.36, 0.33, 0.56))
SKIN = (0.60, 0.70, 0.86)  # neutral BGR; `FaceReplaceFilter` shifts it to the original's tone


@dataclass(frozen=True)
class SyntheticFace:
    """A drawn face: ``bgr`` float32 in [0, 1], its ``alpha`` (the face oval) and five ``landmarks``."""

    bgr: np.ndarray
    alpha: np.ndarray
    landmarks: np.ndarray
    skin: np.ndarray
    """Mean BGR colour of its bare skin (forehead and cheeks), for colour matching."""


def template_landmarks() -> np.ndarray:
    """The five landmarks of every variant, from `TYPICAL_LANDMARKS` placed in `BOX`."""
    from veil.filters.base import TYPICAL_LANDMARKS

    x1, y1, x2, y2 = BOX
    return (np.array([x1, y1]) + TYPICAL_LANDMARKS * np.array([x2 - x1, y2 - y1])).astype(np.float32)


class _Canvas:
    """A float BGR image with helpers to paint soft shapes and shading."""

    def __init__(self, side: int) -> None:
        self.side = side
        self.image: np.ndarray = np.zeros((side, side, 3), np.float32)
        self.ys, self.xs = np.mgrid[0:side, 0:side].astype(np.float32)

    def layer(self, draw: Callable[[np.ndarray], object], blur: float) -> np.ndarray:
        """A soft ``[0, 1]`` coverage map of whatever ``draw(mask)`` paints (at 4x for smooth edges)."""
        big = np.zeros((self.side * 4, self.side * 4), np.uint8)
        draw(big)
        small = cv2.resize(big.astype(np.float32) / 255, (self.side, self.side), interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (0, 0), blur) if blur > 0 else small

    def polygon(self, points: Sequence[tuple[float, float]], blur: float) -> np.ndarray:
        """Soft coverage of a filled polygon."""
        return self.layer(lambda mask: cv2.fillPoly(mask, [_pts(points)], 255), blur)

    def line(self, points: Sequence[tuple[float, float]], width: float, blur: float) -> np.ndarray:
        """Soft coverage of an open polyline ``width`` pixels wide."""
        return self.layer(
            lambda mask: cv2.polylines(mask, [_pts(points)], False, 255, round(width * 4)), blur
        )

    def ellipse(
        self, centre: tuple[float, float], axes: tuple[float, float], angle: float, blur: float
    ) -> np.ndarray:
        """Soft coverage of a filled ellipse turned by ``angle`` degrees."""
        (x, y), (a, b) = centre, axes
        return self.layer(
            lambda mask: cv2.ellipse(
                mask, (round(x * 4), round(y * 4)), (round(a * 4), round(b * 4)), angle, 0, 360, 255, -1
            ),
            blur,
        )

    def paint(self, coverage: np.ndarray, colour: Sequence[float], opacity: float = 1.0) -> None:
        a = (coverage * opacity)[..., None]
        self.image = self.image * (1 - a) + np.array(colour, np.float32) * a

    def shade(self, amount: np.ndarray) -> None:
        """Multiply brightness by ``1 + amount``."""
        self.image = self.image * (1 + amount)[..., None]

    def blob(self, x: float, y: float, sx: float, sy: float) -> np.ndarray:
        return np.exp(-(((self.xs - x) / sx) ** 2 + ((self.ys - y) / sy) ** 2) / 2)


def _pts(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """Points on `_Canvas.layer`'s 4x grid."""
    return np.round(np.array(points, np.float32) * 4).astype(np.int32).reshape(-1, 1, 2)


def _curve(
    x0: float, x1: float, y: float, lift: float, steps: int = 24, power: float = 1.0
) -> list[tuple[float, float]]:
    """From ``(x0, y)`` to ``(x1, y)``, bulging ``lift`` pixels upwards (negative: downwards)."""
    t = np.linspace(0, 1, steps)
    return [(x0 + (x1 - x0) * u, y - lift * np.sin(np.pi * u) ** power) for u in t]


@dataclass(frozen=True)
class _Layout:
    """Where the features go: the template's landmarks and the variant's face width."""

    left_eye: np.ndarray
    right_eye: np.ndarray
    nose: np.ndarray
    mouth_left: np.ndarray
    mouth_right: np.ndarray
    width: float

    @property
    def cx(self) -> float:
        return float(self.nose[0])

    @property
    def eye_gap(self) -> float:
        return float(self.right_eye[0] - self.left_eye[0])


@lru_cache(maxsize=VARIANTS)
def synthetic_face(variant: int) -> SyntheticFace:
    """Draw face number ``variant`` (0 <= variant < `VARIANTS`); the same number, the same face.

    The drawing steps take their random choices from one generator in a fixed
    order, so a variant always comes out the same.
    """
    rng = np.random.default_rng(1000 + variant % VARIANTS)
    canvas = _Canvas(TEMPLATE_SIDE)
    marks = template_landmarks()
    left_eye, right_eye, nose, mouth_left, mouth_right = marks
    layout = _Layout(left_eye, right_eye, nose, mouth_left, mouth_right, float(rng.uniform(0.94, 1.06)))
    alpha, skin = _draw_skin(canvas, layout, rng)
    _draw_eyes(canvas, layout, rng, alpha)
    _draw_brows(canvas, layout, rng)
    _draw_nose(canvas, layout, rng)
    _draw_mouth(canvas, layout, rng)
    bgr = np.clip(cv2.GaussianBlur(canvas.image, (0, 0), 0.6), 0, 1).astype(np.float32)
    return SyntheticFace(bgr=bgr, alpha=alpha, landmarks=marks, skin=skin.astype(np.float32))


def _draw_skin(canvas: _Canvas, layout: _Layout, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The face oval with 3-D shading, blush and grain; returns its alpha and the bare skin's colour."""
    cx, eye_gap = layout.cx, layout.eye_gap
    oval_a, oval_b, oval_cy = 86.0 * layout.width, 118.0, 126.0
    r = np.sqrt(((canvas.xs - cx) / oval_a) ** 2 + ((canvas.ys - oval_cy) / oval_b) ** 2)
    alpha = np.clip((1 - r) / 0.10, 0, 1).astype(np.float32)
    canvas.image[:] = SKIN
    shading = -0.38 * np.clip(r, 0, 1) ** 3
    shading += 0.05 * canvas.blob(cx, 55, 40, 25)  # forehead
    for side in (-1, 1):
        shading += 0.05 * canvas.blob(cx + side * 0.62 * eye_gap, 142, 16, 12)  # cheekbones
        shading -= 0.08 * canvas.blob(cx + side * 0.95 * eye_gap, 170, 14, 40)  # sides of the jaw
    shading += 0.07 * canvas.blob(cx, 128, 5, 18)  # nose bridge
    shading += 0.04 * canvas.blob(cx, 215, 18, 8)  # chin
    shading -= 0.10 * canvas.blob(cx, 200, 22, 5)  # under the lower lip
    canvas.shade(shading.astype(np.float32))
    blush = float(rng.uniform(0.0, 0.15))
    for side in (-1, 1):
        canvas.paint(canvas.blob(cx + side * 0.6 * eye_gap, 155, 14, 10), (0.45, 0.45, 0.85), blush)
    noise = cv2.GaussianBlur(
        rng.normal(0, 0.018, (TEMPLATE_SIDE, TEMPLATE_SIDE)).astype(np.float32), (0, 0), 0.8
    )
    canvas.shade(noise)
    skin = canvas.image[alpha > 0.99].reshape(-1, 3)
    return alpha, np.median(skin, axis=0)


def _draw_eyes(canvas: _Canvas, layout: _Layout, rng: np.random.Generator, alpha: np.ndarray) -> None:
    """Eye sockets, almond eyes with iris, pupil and catch light, lids, creases and lashes."""
    socket = np.zeros_like(alpha)
    for eye in (layout.left_eye, layout.right_eye):
        socket += canvas.blob(float(eye[0]), float(eye[1]) - 4, 20, 13)
    canvas.shade(-0.16 * socket)
    iris = IRIS_COLOURS[int(rng.integers(len(IRIS_COLOURS)))]
    eye_half = 0.23 * layout.eye_gap
    for outer, eye in ((-1, layout.left_eye), (1, layout.right_eye)):
        ex, ey = float(eye[0]), float(eye[1])
        x0, x1 = ex - eye_half, ex + eye_half
        upper = _curve(x0, x1, ey + 1, 9.0, power=0.8)
        lower = _curve(x1, x0, ey + 1, -6.0, power=1.2)
        almond = canvas.polygon(upper + lower, 0.7)
        crease = _curve(x0 + 2, x1 - 1, ey - 5, 7.5)
        canvas.paint(canvas.line(crease, 1.5, 1.2), (0.25, 0.3, 0.4), 0.35)
        canvas.paint(almond, (0.82, 0.85, 0.88), 0.95)
        distance2 = (canvas.xs - ex) ** 2 + (canvas.ys - ey - 1) ** 2
        disc = cv2.GaussianBlur((distance2 <= 7.5**2).astype(np.float32), (0, 0), 0.7)
        canvas.paint(disc * almond, iris)
        pupil = cv2.GaussianBlur((distance2 <= 3.2**2).astype(np.float32), (0, 0), 0.6)
        canvas.paint(pupil * almond, (0.03, 0.03, 0.04))
        canvas.paint(canvas.blob(ex + 2.5, ey - 2, 1.3, 1.3), (0.95, 0.95, 0.95), 0.9)  # catch light
        canvas.paint(canvas.line(upper, 2.75, 0.8), (0.08, 0.08, 0.10), 0.9)  # lid
        corner = x1 if outer > 0 else x0
        lash = [(corner, ey), (corner + 4 * outer, ey - 3)]
        canvas.paint(canvas.line(lash, 1.5, 0.7), (0.08, 0.08, 0.1), 0.8)
        canvas.paint(canvas.line(lower, 1.0, 0.8), (0.25, 0.28, 0.38), 0.5)


def _draw_brows(canvas: _Canvas, layout: _Layout, rng: np.random.Generator) -> None:
    """Arched brows of a variant's colour, lift and weight, tapering away from the nose."""
    brow_colour = tuple(float(v) for v in np.array((0.10, 0.13, 0.18)) * rng.uniform(0.7, 1.6))
    brow_lift = float(rng.uniform(3.0, 7.0))
    brow_thick = int(rng.integers(18, 30))
    for towards_nose, eye in ((1, layout.left_eye), (-1, layout.right_eye)):
        ex, ey = float(eye[0]), float(eye[1])
        inner, end = ex + towards_nose * 0.28 * layout.eye_gap, ex - towards_nose * 0.34 * layout.eye_gap
        path = _curve(inner, end, ey - 20, brow_lift, power=0.7)
        brow = canvas.line(path, brow_thick / 4, 1.4)
        taper = np.clip(1.2 - np.abs(canvas.xs - inner) / (abs(end - inner) * 1.6), 0.35, 1)
        canvas.paint(brow * taper, brow_colour, 0.85)


def _draw_nose(canvas: _Canvas, layout: _Layout, rng: np.random.Generator) -> None:
    """A shaded nose: bridge, alar creases, nostrils and a highlight on the tip."""
    nx, ny = float(layout.nose[0]), float(layout.nose[1])
    nose_w = 11.0 * float(rng.uniform(0.9, 1.12))
    for side in (-1, 1):
        canvas.shade(-0.10 * canvas.blob(nx + side * 9, ny - 18, 3.5, 16))  # sides of the bridge
        canvas.shade(-0.14 * canvas.blob(nx + side * nose_w * 1.25, ny + 3, 3.5, 6))  # alar crease
        nostril = canvas.ellipse((nx + side * nose_w * 0.62, ny + 8), (5, 2.75), side * 20, 1.0)
        canvas.paint(nostril, (0.12, 0.12, 0.18), 0.75)
    canvas.shade(0.10 * canvas.blob(nx, ny - 2, 5, 4))  # tip highlight
    canvas.shade(-0.15 * canvas.blob(nx, ny + 13, 11, 3))  # under the nose


def _draw_mouth(canvas: _Canvas, layout: _Layout, rng: np.random.Generator) -> None:
    """Lips with a cupid's bow, a variant's fullness and colour, a seam and a philtrum."""
    mlx, mly = (float(v) for v in layout.mouth_left)
    mrx, mry = (float(v) for v in layout.mouth_right)
    my = (mly + mry) / 2
    full = float(rng.uniform(0.8, 1.25))
    lips = LIP_COLOURS[int(rng.integers(len(LIP_COLOURS)))]
    t = np.linspace(0, 1, 32)
    xs = mlx + (mrx - mlx) * t
    bow = np.abs(t - 0.5)
    upper_edge = my - full * (5.5 * np.sin(np.pi * t) ** 0.6 + 1.6 * np.exp(-(((bow - 0.11) / 0.06) ** 2)))
    lower_edge = my + full * 8.5 * np.sin(np.pi * t) ** 0.8
    line = my + 0.8 * np.sin(np.pi * t)
    upper_lip = list(zip(xs, upper_edge, strict=True)) + list(zip(xs[::-1], line[::-1], strict=True))
    lower_lip = list(zip(xs, line, strict=True)) + list(zip(xs[::-1], lower_edge[::-1], strict=True))
    canvas.paint(canvas.polygon(upper_lip, 0.9), tuple(c * 0.82 for c in lips), 0.9)
    canvas.paint(canvas.polygon(lower_lip, 0.9), lips, 0.9)
    canvas.shade(0.10 * canvas.blob((mlx + mrx) / 2, my + 4.5 * full, 8, 2))  # lower-lip sheen
    seam = list(zip(xs, line, strict=True))
    canvas.paint(canvas.line(seam, 1.5, 0.8), (0.12, 0.10, 0.20), 0.85)
    canvas.shade(-0.06 * canvas.blob(layout.cx, my - 12, 3, 5))  # philtrum

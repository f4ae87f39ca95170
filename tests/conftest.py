"""Shared fixtures: the shipped sample photos, real evaluation data, loaded detectors."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.synthetic_clips import (  # noqa: F401  (the tests import them from here)
    EXAMPLES,
    PORTRAIT_FACES,
    ROOT,
    clip_face_box,
    make_clip,
)

SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"

SOLVAY_PEOPLE = 29


def run_cli(*args: str) -> tuple[int, str]:
    """Run ``veil ARGS`` in-process; returns the exit code and everything printed."""
    from click.testing import CliRunner

    from veil.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def require_data(relative: str) -> Path:
    """The path under ../shared/data, or skip the test when it is absent."""
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"evaluation data not available: {path} (../shared/data is not beside this clone)")
    return path


@pytest.fixture(scope="session")
def newton() -> np.ndarray:
    return cv2.imread(str(EXAMPLES / "newton.png"))


@pytest.fixture(scope="session")
def gauss() -> np.ndarray:
    return cv2.imread(str(EXAMPLES / "gauss.png"))


@pytest.fixture(scope="session")
def solvay() -> np.ndarray:
    """The 1927 Solvay group photo (29 people), halved to keep tests quick."""
    image = cv2.imread(str(EXAMPLES / "solvay_conference_1927.jpg"))
    return cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA)


@pytest.fixture()
def textured() -> np.ndarray:
    """A 200x300 noise image: any filter visibly changes every pixel it touches."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)


@pytest.fixture()
def clip(tmp_path: Path) -> Path:
    """A 20-frame, 10 fps, 320x240 H.264 + AAC clip of a moving face."""
    return make_clip(tmp_path / "clip.mp4")


def mixed_folder(clip: Path, folder: Path, clip_name: str = "clip.mp4") -> Path:
    """``folder`` holding ``clip`` (moved, as ``clip_name``), Newton's portrait and ``broken.mp4``:
    the clip cut to its first third, a video that must fail alone."""
    folder.mkdir()
    shutil.move(clip, folder / clip_name)
    shutil.copy(EXAMPLES / "newton.png", folder / "newton.png")
    data = (folder / clip_name).read_bytes()
    (folder / "broken.mp4").write_bytes(data[: len(data) // 3])
    return folder

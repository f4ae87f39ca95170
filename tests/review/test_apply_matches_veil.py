"""`veil review` then `veil apply` with no edit writes what `veil` writes, for every kind of filter."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import av
import numpy as np
import pytest

from tests.conftest import EXAMPLES, make_clip
from tests.review.test_review_command import get, start, stop


def veil(*args: str) -> None:
    """Each command in a fresh process, as a user runs them."""
    done = subprocess.run([sys.executable, "-m", "veil.cli", *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def decoded(path) -> list[np.ndarray]:
    if path.suffix in (".mkv", ".mp4"):
        with av.open(str(path)) as container:
            return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]
    import cv2

    return [cv2.imread(str(path))]


@pytest.mark.parametrize("filter_name", ["pixelate", "face", "landmark-blur"])
def test_a_review_exported_without_edits_equals_a_direct_run(tmp_path, filter_name):
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(EXAMPLES / "solvay_conference_1927.jpg", source / "solvay.jpg")
    make_clip(source / "clip.mkv", frames=15)
    # lossless video out (FFV1 in RGB), so that the frames compared are the very pixels hidden
    options = ["--profile", "fast", "--filter", filter_name, "--codec", "ffv1", "--pix-fmt", "bgr0"]

    veil(str(source), "-o", str(tmp_path / "direct"), *options, "-q")

    reviewed = tmp_path / "reviewed"
    child, url = start(source, reviewed, *options)
    try:
        token = url.split("token=")[1]
        deadline = time.monotonic() + 120
        while any(f["status"] != "ready" for f in get(url, token, "/api/status")["files"]):
            assert time.monotonic() < deadline, "detection never finished"
            time.sleep(0.2)
    finally:
        assert stop(child) == 0
    document = json.loads((reviewed / "veil-review.json").read_text())
    faces = [face for entry in document["files"] for face in entry["faces"]]
    assert any(face["landmarks"] for face in faces), "the review keeps the detector's landmarks"
    assert any(isinstance(face["track"], int) for face in faces), "and integer track ids"

    veil("apply", str(reviewed / "veil-review.json"))
    photo = next(entry for entry in document["files"] if entry["kind"] == "photo")
    x1, y1, x2, y2 = (int(v) for v in photo["faces"][0]["box"])
    before, after = (
        decoded(source / "solvay.jpg")[0],
        decoded(tmp_path / "direct" / "solvay.jpg")[0],
    )
    change = np.abs(before[y1:y2, x1:x2].astype(int) - after[y1:y2, x1:x2]).mean()
    assert change > 8, f"the first face was not hidden (mean change {change:.1f})"
    for name, written in (("solvay.jpg", "solvay.jpg"), ("clip.mkv", "clip.mp4")):  # the tree, recreated
        direct, exported = decoded(tmp_path / "direct" / written), decoded(reviewed / written)
        assert len(direct) == len(exported) == len(decoded(source / name)), name
        for number, (a, b) in enumerate(zip(direct, exported, strict=True)):
            assert np.array_equal(a, b), f"{name} frame {number} differs from the direct run"

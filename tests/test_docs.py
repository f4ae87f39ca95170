"""The runnable examples in docstrings stay true (the others are marked ``doctest: +SKIP``)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "veil.geometry",
    "veil.faces",
    "veil.detection.thresholds",
    "veil.detection.video",
    "veil.detection.zoom",
    "veil.detection.onnx_session",
    "veil.threads",
    "veil.memory",
    "veil.settings",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0

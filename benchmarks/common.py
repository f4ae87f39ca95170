"""Helpers shared by benchmark scripts: where the data is, and writing result files."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

from veil.filters import MaskSpec

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"

DEFACE_MASK = MaskSpec("ellipse", 1.6)
"""What deface hides: an ellipse over the box grown by 0.3 of its size per side (scale_bb, mask_scale 1.3)."""


def require_data(path: Path) -> Path:
    if not path.exists():
        sys.exit(f"benchmark data not found at {path} (it lives in ../shared/data beside the repo)")
    return path


def machine_line() -> str:
    import onnxruntime

    return (
        f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, onnxruntime {onnxruntime.__version__}"
    )


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)

"""Helpers shared by benchmark scripts: where the data is, and writing result files."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from veil.filters import MaskSpec

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
EXAMPLES = ROOT / "examples"

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


def write_results(text: str, results: object, out: str | Path) -> None:
    """Print a benchmark's table and write it to ``out`` (Markdown), its numbers beside it (``.json``)."""
    print(text)
    Path(out).write_text(text)
    Path(out).with_suffix(".json").write_text(json.dumps(results, indent=1))


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


PEAK_MEMORY = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(f"maxrss_kb={usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs a command and reports its peak RSS. The command is forked from this small process:
Linux counts a child's peak from the memory of the process it was forked from, so forking
it from this benchmark (which holds decoded frames and models) would inflate it."""


def timed(command: list[str], check: bool = True) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of one command (``check``: a failure is an error)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PEAK_MEMORY, *command], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    peak_kb = int(result.stderr.rsplit("maxrss_kb=", 1)[1].split()[0])
    return elapsed, peak_kb / 1024

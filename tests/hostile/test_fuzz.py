"""Mutation fuzzing, the CI share: a few dozen damaged copies of every format veil reads.

`benchmarks/fuzz.py` runs hundreds (``--count 500``); this runs 30 with a
fixed seed, so a crash it finds is found again on every machine.
"""

from __future__ import annotations

import pytest

from benchmarks.fuzz import fuzz
from benchmarks.hostile_corpus import ffmpeg

pytestmark = pytest.mark.skipif(ffmpeg() is None, reason="needs the ffmpeg binary of the dev extra")


def test_damaged_files_are_written_or_refused_in_one_line(tmp_path):
    run = fuzz(tmp_path, count=30, seed=2026)
    assert not run.problems, "\n".join(run.problems)
    outcomes = {mutant.outcome for mutant in run.mutants}
    assert "written" in outcomes and "refused" in outcomes  # the edits both spare and break files

"""Background stages: errors reach the caller, and stopping early stops every stage upstream."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from veil.threads import prefetch


def live_threads(name: str) -> int:
    return sum(thread.name == name and thread.is_alive() for thread in threading.enumerate())


def test_items_arrive_in_order_and_errors_reach_the_caller():
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("bad frame")

    with pytest.raises(ValueError, match="bad frame"):
        list(prefetch(failing(), depth=2))


def test_stopping_early_stops_the_stages_it_pulls_from():
    # as the pipeline chains them: decode -> detect (a generator over the decoder) -> caller
    decoded = prefetch(itertools.count(), depth=2, name="test-decode")
    stage = prefetch((n * 2 for n in decoded), depth=2, name="test-detect")
    del decoded  # only the detect stage holds the decoder now
    assert next(stage) == 0
    stage.close()
    deadline = time.monotonic() + 3
    while (live_threads("test-decode") or live_threads("test-detect")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_threads("test-detect") == 0 and live_threads("test-decode") == 0

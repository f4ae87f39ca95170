"""Background stages: errors reach the caller, and stopping early stops every stage upstream."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from veil.threads import model_threads, models_threaded, ordered_map, prefetch, search_threads


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


def test_ordered_map_keeps_order_and_runs_calls_at_once():
    together = threading.Barrier(2, timeout=5)  # passes only if two calls run at the same time
    seen_threads = set()

    def square(n: int) -> int:
        seen_threads.add(threading.current_thread().name)
        if n < 2:
            together.wait()
        time.sleep(0.001 * (5 - n % 5))  # later items finish first: the output must still be in order
        return n * n

    assert list(ordered_map(square, range(12), workers=2, name="test-map")) == [(n, n * n) for n in range(12)]
    assert threading.current_thread().name not in seen_threads
    assert list(ordered_map(lambda n: threading.current_thread().name, range(2), workers=1)) == [
        (0, threading.current_thread().name),
        (1, threading.current_thread().name),
    ]


def test_ordered_map_reports_errors_and_stops_early():
    started = []

    def fail_on_three(n: int) -> int:
        started.append(n)
        if n == 3:
            raise ValueError("bad frame 3")
        return n

    with pytest.raises(ValueError, match="bad frame 3"):
        list(ordered_map(fail_on_three, range(100), workers=2))
    assert max(started) < 3 + 2 * 2 + 1, "it read far ahead of the failure"

    mapped = ordered_map(lambda n: n, itertools.count(), workers=2, name="test-stop")
    assert next(mapped) == (0, 0)
    mapped.close()
    assert live_threads("test-stop_0") == live_threads("test-stop_1") == 0


def test_models_built_for_a_parallel_search_use_one_thread_each():
    from veil.detection.profiles import load_video_search
    from veil.detection.registry import load_detector

    outside = model_threads()
    with models_threaded(1):
        assert model_threads() == 1
        session = load_detector("centerface")._session  # type: ignore[attr-defined]
        assert session.get_session_options().intra_op_num_threads == 1
    assert model_threads() == outside
    search = load_video_search("balanced")
    assert search.concurrent
    threads = search._models["centerface"]._session.get_session_options().intra_op_num_threads
    assert threads == (1 if search_threads() > 1 else (outside or 0))

"""Running a pipeline stage on a second core: a generator consumed from a background thread.

FFmpeg, OpenCV, onnxruntime and YuNet (`veil.detection.yunet`) release the
GIL, so decoding, detection and filtering + encoding overlap when each runs on
its own thread, and `ordered_map` can search several video frames at once.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

THREADS_ENV = "VEIL_THREADS"
"""Threads each model and codec may use (unset: all cores). `veil batch` gives each of its N
worker processes cores / N, so that N workers do not fight over the same cores."""


def thread_budget() -> int | None:
    """The thread count set in ``VEIL_THREADS``, or None (the libraries' own default: every core)."""
    value = os.environ.get(THREADS_ENV, "")
    return max(1, int(value)) if value.isdigit() else None


MAX_SEARCH_THREADS = 4
"""Video frames searched at once at most: each holds two frames in flight (`veil.memory`), and
every model already runs on several cores within a frame."""


_model_threads: ContextVar[int | None] = ContextVar("veil_model_threads", default=None)


@contextlib.contextmanager
def models_threaded(count: int) -> Iterator[None]:
    """Models built inside this block run on ``count`` threads each: a `VideoSearch` whose frames
    are searched several at once keeps every call on one core (about 6% less CPU on the MOT20 clip)."""
    token = _model_threads.set(count)
    try:
        yield
    finally:
        _model_threads.reset(token)


def model_threads() -> int | None:
    """Threads a model built now may use: `models_threaded`'s, else `thread_budget`."""
    return _model_threads.get() or thread_budget()


def search_threads() -> int:
    """Video frames searched at once: ``VEIL_THREADS``, or every core, at most `MAX_SEARCH_THREADS`."""
    return min(MAX_SEARCH_THREADS, thread_budget() or os.cpu_count() or 1)


def ordered_map(
    function: Callable[[T], R], items: Iterable[T], workers: int, name: str = "veil-map"
) -> Generator[tuple[T, R], None, None]:
    """``(item, function(item))`` in the order of ``items``, ``workers`` calls running at once.

    At most ``2 * workers`` items are in flight, so a long video is never read
    ahead of its consumer. With one worker it runs in the caller's thread.
    Closing the generator cancels what has not started and waits for the rest.

    Examples:
        >>> list(ordered_map(lambda x: x * x, range(4), workers=2))
        [(0, 0), (1, 1), (2, 4), (3, 9)]
    """
    if workers <= 1:
        for item in items:
            yield item, function(item)
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    with ThreadPoolExecutor(workers, thread_name_prefix=name) as pool:
        try:
            for item in items:
                pending.append((item, pool.submit(function, item)))
                if len(pending) >= 2 * workers:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()


def prefetch(items: Iterator[T], depth: int, name: str = "veil-prefetch") -> Generator[T, None, None]:
    """Run ``items`` in a background thread, ``depth`` items ahead; its errors surface in the caller.

    Closing the returned generator (a ``break`` in the caller) stops the thread.

    Examples:
        >>> list(prefetch(iter(range(3)), depth=2))
        [0, 1, 2]
    """
    buffer: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: tuple[bool, Any]) -> bool:
        """Queue ``entry`` unless the consumer has stopped; False once it has."""
        while not stop.is_set():
            try:
                buffer.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((True, item)):
                    return
            offer((False, None))
        except BaseException as exc:  # handed to the consumer
            offer((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # a stopped stage stops the stages it pulls from
                with contextlib.suppress(Exception):
                    close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            ok, item = buffer.get()
            if not ok:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                buffer.get_nowait()
        thread.join(timeout=5)

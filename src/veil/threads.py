"""Running a pipeline stage on a second core: a generator consumed from a background thread.

FFmpeg, OpenCV and onnxruntime release the GIL, so decoding, detection and
filtering + encoding overlap when each runs on its own thread.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

THREADS_ENV = "VEIL_THREADS"
"""Threads each model and codec may use (unset: all cores). `veil batch` gives each of its N
worker processes cores / N, so that N workers do not fight over the same cores."""


def thread_budget() -> int | None:
    """The thread count set in ``VEIL_THREADS``, or None (the libraries' own default: every core)."""
    value = os.environ.get(THREADS_ENV, "")
    return max(1, int(value)) if value.isdigit() else None


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

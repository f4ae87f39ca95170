"""Outside ``--debug``, stderr carries veil's own lines only.

C libraries write to file descriptor 2 directly (libtiff prints a line per
damaged strip; FFmpeg and OpenCV have their own voices), and Python packages
raise warnings that print their source paths. A user reading ``error: PATH:
reason`` lines should not have to sift through them, so for the length of a
command fd 2 goes to the null device and Python's ``sys.stderr`` (where veil
and its progress bar write) to a duplicate of the real stderr. Python
packages that log (Pillow names a hostile TIFF's sample count at ERROR) are
silenced too: with no handler set up, `logging` prints to ``sys.stderr``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def only_veil_on_stderr(enabled: bool = True) -> Iterator[None]:
    """Silence other libraries' stderr output and Python warnings while the block runs.

    Does nothing when not ``enabled`` (``--debug``), and leaves file
    descriptors alone when ``sys.stderr`` is not fd 2 (tests capture it).
    """
    if not enabled:
        yield
        return
    with warnings.catch_warnings(), _no_logging():
        warnings.simplefilter("ignore")
        try:
            descriptor = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):
            descriptor = -1
        if descriptor != 2:
            yield
            return
        original = sys.stderr
        original.flush()
        saved = os.dup(2)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        sys.stderr = open(  # noqa: SIM115 (closed below, after the block)
            saved, "w", buffering=1, encoding=original.encoding, errors=original.errors, closefd=False
        )
        try:
            yield
        finally:
            sys.stderr.flush()
            sys.stderr.close()
            sys.stderr = original
            os.dup2(saved, 2)
            os.close(saved)


@contextlib.contextmanager
def _no_logging() -> Iterator[None]:
    """Every package's log records dropped while the block runs (veil speaks through click, not logging)."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)

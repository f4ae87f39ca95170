"""One error hierarchy: every error veil reports names a path (where there is one) and a reason.

The command line prints ``error: PATH: reason`` from these two fields, without a
traceback; the Python API raises them as they are, so a caller can do the same.

>>> import veil
>>> try:
...     veil.anonymize("missing.jpg")
... except veil.VeilError as exc:
...     print(exc.path, exc.reason)
missing.jpg no such file
"""

from __future__ import annotations

from pathlib import Path


class VeilError(Exception):
    """Base class for errors veil reports as one line.

    Attributes:
        path: the file (or URL, or camera) the error is about, or None.
        reason: what went wrong, in words a user understands.
    """

    def __init__(self, path: object | None, reason: str) -> None:
        super().__init__(reason if path is None else f"{path}: {reason}")
        self.path = path
        self.reason = reason


class MediaError(VeilError):
    """A file cannot be read or written: unreadable, unsupported, truncated, too large..."""


class GalleryError(VeilError):
    """A gallery file or an enrolment photo that cannot be used."""


class DetectorUnavailable(VeilError):
    """A detector's optional dependency or model file is missing (``path``: the model, if known)."""


def require_input_file(path: Path) -> None:
    """Fail early, with the reason a user understands, on a missing or empty input."""
    if not path.exists():
        raise MediaError(path, "no such file")
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(path, "empty file")

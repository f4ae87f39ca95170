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

    Examples:
        >>> error = VeilError("clip.mp4", "truncated: 62 of 75 frames decoded")
        >>> error.path, error.reason
        ('clip.mp4', 'truncated: 62 of 75 frames decoded')
        >>> str(error)
        'clip.mp4: truncated: 62 of 75 frames decoded'
    """

    def __init__(self, path: object | None, reason: str) -> None:
        super().__init__(reason if path is None else f"{path}: {reason}")
        self.path = path
        self.reason = reason


class MediaError(VeilError):
    """A file cannot be read or written: unreadable, unsupported, truncated, too large...

    Examples:
        >>> from veil import Anonymizer
        >>> try:
        ...     Anonymizer(profile="fast").process_file("examples/missing.jpg", None)
        ... except MediaError as exc:
        ...     print(exc.reason)
        no such file
    """


class GalleryError(VeilError):
    """A gallery file or an enrolment photo that cannot be used.

    Examples:
        >>> from veil import Gallery
        >>> try:
        ...     Gallery.load("missing.json")
        ... except GalleryError as exc:
        ...     print(exc.reason)
        no such gallery (create it with `veil gallery add`)
    """


class DetectorUnavailable(VeilError):
    """A detector's optional dependency or model file is missing (``path``: the model, if known).

    Examples:
        >>> from veil import load_detector
        >>> try:
        ...     load_detector("onnx:missing.onnx")
        ... except DetectorUnavailable as exc:
        ...     print(exc.reason)
        ONNX model not found
    """


def require_input_file(path: Path) -> None:
    """Fail early, with the reason a user understands, on a missing or empty input."""
    if not path.exists():
        raise MediaError(path, "no such file")
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(path, "empty file")

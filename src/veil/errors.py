"""Errors that name a file and a reason, shown to users as one line."""

from pathlib import Path


class VeilError(Exception):
    """Base class for errors veil reports without a traceback."""


class MediaError(VeilError):
    """A file cannot be read or written: unreadable, unsupported, truncated, too large..."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def require_input_file(path: Path) -> None:
    """Fail early, with the reason a user understands, on a missing or empty input."""
    if not path.exists():
        raise MediaError(path, "no such file")
    if path.is_file() and path.stat().st_size == 0:
        raise MediaError(path, "empty file")

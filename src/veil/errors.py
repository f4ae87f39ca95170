"""Errors that name a file and a reason, shown to users as one line."""


class VeilError(Exception):
    """Base class for errors veil reports without a traceback."""


class MediaError(VeilError):
    """A file cannot be read or written: unreadable, unsupported, truncated, too large..."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

"""veil's version, written once (in pyproject.toml) and read from the installed package's metadata."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    """The installed veil's version; ``0+unknown`` for a source tree that was never installed."""
    try:
        return metadata.version("veil")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = version()

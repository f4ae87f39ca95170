"""Where a batch reads and writes: local paths directly, anything else through fsspec.

A URL (``s3://``, ``gs://``, ``memory://``, ...) needs its fsspec backend
installed; its files are staged in a local folder for the workers, and outputs
are uploaded under a temporary name and renamed, so a crash never leaves a
half-written output under its final name there either.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from veil.errors import MediaError


def is_url(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def local_path(location: str) -> Path:
    return Path(location.removeprefix("file://"))


def filesystem(location: str) -> tuple[Any, str]:
    """The fsspec filesystem of a URL and the path within it."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(location)
    except (ImportError, ValueError) as exc:
        raise MediaError(location, f"cannot open this location ({exc})") from None
    return fs, path


def join(base: str, relative: str) -> str:
    return f"{base.rstrip('/')}/{relative}" if is_url(base) else str(local_path(base) / relative)


def exists(location: str) -> bool:
    if not is_url(location):
        return local_path(location).exists()
    fs, path = filesystem(location)
    return bool(fs.exists(path))


def stage(location: str, folder: Path) -> Path:
    """A local copy of ``location`` (a local path is used as it is)."""
    if not is_url(location):
        return local_path(location)
    fs, path = filesystem(location)
    target = folder / f"{abs(hash(location))}-{Path(path).name}"
    try:
        fs.get(path, str(target))
    except FileNotFoundError:
        raise MediaError(location, "no such file") from None
    except OSError as exc:
        raise MediaError(location, f"cannot download ({exc})") from None
    return target


def upload(local: Path, location: str) -> None:
    """Put a finished local file at ``location``: under a temporary name first, then renamed."""
    if not is_url(location):
        target = local_path(location)
        if local.resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(local), target)
        return
    fs, path = filesystem(location)
    parent, name = path.rsplit("/", 1) if "/" in path else ("", path)
    temporary = f"{parent}/.{name}.{os.getpid()}.part" if parent else f".{name}.{os.getpid()}.part"
    try:
        if parent:
            fs.makedirs(parent, exist_ok=True)
        fs.put(str(local), temporary)
        fs.mv(temporary, path)
    except OSError as exc:
        raise MediaError(location, f"cannot upload ({exc})") from None


def read_text(location: str) -> str | None:
    """A small text file (the ledger), or None when it does not exist."""
    if not is_url(location):
        local = local_path(location)
        return local.read_text("utf-8") if local.exists() else None
    fs, path = filesystem(location)
    if not fs.exists(path):
        return None
    with fs.open(path, "r", encoding="utf-8") as stream:
        return str(stream.read())

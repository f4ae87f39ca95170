"""Atomic output files: written under a temporary name beside the target, renamed when complete.

Every output veil writes (photos, videos, reports, galleries, evaluation tables)
goes through `atomic_output`, so a crash or a full disk never leaves a
half-written file under its final name, and every output gets the permissions
any other tool would give it (``0666`` less the umask), not the ``0600`` of a
temporary file.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import re
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veil.errors import MediaError

TEMP_SUFFIX = ".part"
"""Temporary outputs are named ``.NAME.PID@HOST-RANDOM.part.EXT`` beside their target."""

_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


_HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"
_TEMPORARY = re.compile(r"^\..+\.(?P<pid>\d+)@(?P<host>[A-Za-z0-9]+)-[^.]+\.part(\.[^.]*)?$")
_cleaned: set[Path] = set()
_cleaned_lock = threading.Lock()


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is one of veil's temporary outputs (``.NAME.PID@HOST-RANDOM.part.EXT``)."""
    return _TEMPORARY.match(path.name) is not None


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove temporary outputs in ``folder`` left by veil processes on this host that no longer run.

    A killed run leaves its temporary file behind (never a half-written file
    under a final name); the next run writing to the same folder removes it.
    Files of live processes, and of other hosts sharing the folder, are left.
    """
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            match = _TEMPORARY.match(entry.name)
            if match and match["host"] == _HOST and not _process_alive(int(match["pid"])):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def temporary_beside(path: Path) -> Path:
    """A new empty temporary file in ``path``'s folder (created if missing), keeping its extension.

    The first time a process writes to a folder, stale temporary files that
    killed runs left there are removed (`remove_stale_temporaries`).

    Raises:
        MediaError: the folder cannot be created or written.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _cleaned_lock:
            first = folder.resolve() not in _cleaned
            _cleaned.add(folder.resolve())
        if first:
            remove_stale_temporaries(folder)
        handle, name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}@{_HOST}-", suffix=TEMP_SUFFIX + path.suffix, dir=folder
        )
        os.close(handle)
    except OSError as exc:
        raise MediaError(path, f"cannot write here ({exc.strerror or exc})") from None
    return Path(name)


def commit(temp: Path, path: Path) -> None:
    """Flush ``temp`` to disk, give it the umask's permissions and rename it to ``path``."""
    with open(temp, "rb") as stream:
        os.fsync(stream.fileno())
    os.chmod(temp, 0o666 & ~current_umask())
    os.replace(temp, path)


def discard(temp: Path) -> None:
    """Remove a temporary file (quietly: it may already be gone)."""
    with contextlib.suppress(OSError):
        os.unlink(temp)


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """A temporary path to write to; it becomes ``path`` when the block ends without error.

    Raises:
        MediaError: the output cannot be written (an `OSError` inside the block
            too); nothing is left behind.

    Examples:
        >>> with atomic_output("report.json") as temp:
        ...     _ = temp.write_text("{}")
        >>> Path("report.json").read_text()
        '{}'
    """
    path = Path(path)
    temp = temporary_beside(path)
    try:
        yield temp
        commit(temp, path)
    except BaseException as exc:
        discard(temp)
        if isinstance(exc, OSError):
            raise MediaError(path, f"cannot write ({exc.strerror or exc})") from None
        raise


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; see `atomic_output`."""
    with atomic_output(path) as temp:
        temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    write_atomic(path, json.dumps(data, indent=1) + "\n")


def compact_json(data: Any) -> bytes:
    """Compact JSON as bytes, by orjson where installed (the web extra: ten times faster on a
    long review's document than `json`)."""
    try:
        import orjson
    except ImportError:
        return json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"
    return bytes(orjson.dumps(data)) + b"\n"


def parse_json(data: bytes) -> Any:
    """JSON read with orjson where installed; raises ValueError or RecursionError on bad input."""
    try:
        import orjson
    except ImportError:
        return json.loads(data)
    return orjson.loads(data)


def local_user() -> str:
    """Who runs veil, for audit trails (review changes, reveals); ``unknown`` where the
    account has no name (a container without a passwd entry)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, in hex (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FolderLock:
    """A lock file that keeps a second process of ``what`` off one output folder.

    It holds the owner's host and pid; one left by a process that is gone (on this
    host) is taken over. Use it as a context manager: it is removed on exit.

    Raises:
        VeilError: another live process holds it.
    """

    def __init__(self, path: Path, what: str) -> None:
        from veil.errors import VeilError

        self.path = path
        owner = f"{_HOST} {os.getpid()}\n"
        for _ in range(2):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                held = self._holder()
                if held is None:
                    continue  # a stale lock, removed: try again
                raise VeilError(path.parent, f"another {what} ({held}) is using this folder") from None
            with os.fdopen(fd, "w") as lock:
                lock.write(owner)
            return
        raise VeilError(path.parent, f"cannot take the lock {path.name}")

    def _holder(self) -> str | None:
        """Who holds the lock, or None after removing a lock whose process is gone."""
        try:
            host, pid = self.path.read_text().split()
        except (OSError, ValueError):
            host, pid = _HOST, "0"
        if host != _HOST:
            return f"pid {pid} on {host}"
        if pid.isdigit() and int(pid) > 0 and _process_alive(int(pid)):
            return f"pid {pid}"
        with contextlib.suppress(OSError):
            self.path.unlink()
        return None

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()

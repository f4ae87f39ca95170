"""The review's journal (``OUT/veil-review.journal``): each change one JSON line, on disk when answered.

Rewriting a long video's whole review after every click would cost seconds by
minute sixty; appending one line costs the same in minute one and minute
sixty. The review document is written whole now and then (`ReviewDocument.save`)
and the journal emptied; lines carry a sequence number, so a line the saved
document already holds is skipped when the two are read back together.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import IO, Any

from veil.review.checks import BadValue


class Journal:
    """Append-only lines of JSON: `append` writes a line (in order, under the review's lock),
    `sync` puts every line written so far on disk (after the lock is released, so nobody waits
    on the disk but the one whose change it is)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def append(self, line: dict[str, Any]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        self._file.write(json.dumps(line, separators=(",", ":"), allow_nan=False) + "\n")
        self._file.flush()

    def sync(self) -> None:
        handle = self._file
        if handle is not None:  # closed meanwhile by a save, which wrote everything: nothing to do
            with contextlib.suppress(OSError, ValueError):
                os.fsync(handle.fileno())

    def read(self) -> list[dict[str, Any]]:
        """Every line written; a last line cut short by a crash is left out (it was never answered)."""
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise BadValue(f"cannot read the journal {self.path.name} ({exc})") from None
        lines = text.split("\n")
        entries = []
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
            except ValueError:
                if number >= len(lines) - 1:  # the torn last line of a crash
                    break
                raise BadValue(f"{self.path.name} line {number}: not JSON") from None
            if not isinstance(entry, dict) or not isinstance(entry.get("seq"), int):
                raise BadValue(f"{self.path.name} line {number}: not a journal entry")
            entries.append(entry)
        return entries

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def clear(self) -> None:
        """Empty the journal once the document holds every line (`ReviewDocument.save`)."""
        self.close()
        if self.path.exists():
            with self.path.open("w", encoding="utf-8") as emptied:
                os.fsync(emptied.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

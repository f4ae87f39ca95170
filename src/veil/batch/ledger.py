"""``DEST/veil-batch.json``: what a batch did to each item, so a rerun redoes only what it must.

An item is skipped on a rerun when its output exists and the recorded hash of
its input and of the settings (with the veil version) are the ones of this
run; anything else is redone. The ledger is rewritten atomically after every
item, so a run killed at any moment loses at most the items in flight.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from veil.batch import storage
from veil.errors import MediaError
from veil.files import write_json

LEDGER_NAME = "veil-batch.json"


def settings_sha256(settings: dict[str, Any], version: str) -> str:
    text = json.dumps({"settings": settings, "veil": version}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Ledger:
    """Per-item status (done / skipped / failed with its reason), timings, faces, settings and version."""

    def __init__(self, dest: str, settings: dict[str, Any], version: str) -> None:
        self.location = storage.join(dest, LEDGER_NAME)
        self.settings_hash = settings_sha256(settings, version)
        self.data: dict[str, Any] = {"veil_version": version, "settings": settings, "items": {}}
        text = storage.read_text(self.location)
        if text is not None:
            try:
                previous = json.loads(text)
            except ValueError:
                raise MediaError(self.location, "not a readable batch ledger (not JSON)") from None
            self.data["items"] = previous.get("items", {})

    def is_done(self, relative: str, input_hash: str, output: str) -> bool:
        """Whether this item's output (as recorded: ``*_partial`` for a truncated video) exists
        and was made from this input with these settings."""
        entry = self.data["items"].get(relative)
        return (
            entry is not None
            and entry["status"] in ("done", "skipped")
            and entry.get("input_sha256") == input_hash
            and entry.get("settings_sha256") == self.settings_hash
            and storage.exists(entry.get("output") or output)
        )

    def record(self, relative: str, **fields: Any) -> None:
        entry = {"settings_sha256": self.settings_hash, "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        self.data["items"][relative] = {**entry, **fields}
        self.save()

    def save(self) -> None:
        if not storage.is_url(self.location):
            write_json(storage.local_path(self.location), self.data)
            return
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / LEDGER_NAME
            write_json(local, self.data)
            storage.upload(local, self.location)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.data["items"].values():
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        return counts

"""What a batch does: every photo and video under SRC (a folder or a manifest), and where each goes.

SRC is a folder (local or an fsspec URL; recursive, photos and videos mixed)
or a manifest: a ``.csv`` with a ``path`` column or a ``.jsonl`` with a
``path`` key per line, of local paths or URLs. Each item keeps its path
relative to SRC (for a manifest: to the entries' common folder), so the tree
is recreated under DEST; videos become MP4, as with ``veil``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from veil.batch import storage
from veil.errors import MediaError
from veil.media.discovery import output_suffix, scan_folder
from veil.media.images import is_photo
from veil.media.kinds import is_video

MANIFEST_SUFFIXES = (".csv", ".jsonl")


@dataclass(frozen=True)
class Item:
    """One file to anonymise: where it is, and its output's path relative to DEST."""

    source: str
    relative: str


def list_items(src: str) -> list[Item]:
    """Every item of SRC, sorted by output path.

    Raises:
        MediaError: SRC does not exist, or a manifest has no ``path`` column/key.
    """
    if src.lower().endswith(MANIFEST_SUFFIXES):
        return _manifest_items(src)
    if storage.is_url(src):
        return _remote_folder_items(src)
    folder = storage.local_path(src)
    if not folder.is_dir():
        raise MediaError(src, "no such folder (SRC is a folder, a .csv or a .jsonl manifest)")
    found, _ = scan_folder(folder)
    return [Item(str(path), _output(PurePosixPath(path.relative_to(folder).as_posix()))) for path in found]


def _output(relative: PurePosixPath) -> str:
    return str(relative.with_suffix(output_suffix(Path(relative.name))))


def _remote_folder_items(src: str) -> list[Item]:
    fs, root = storage.filesystem(src)
    if not fs.isdir(root):
        raise MediaError(src, "no such folder")
    base = PurePosixPath(root)
    items = []
    for path in sorted(fs.find(root)):
        relative = PurePosixPath(path).relative_to(base)
        name = Path(relative.name)
        if relative.name.startswith(".") or not (is_video(name, sniff=False) or is_photo(name, sniff=False)):
            continue
        items.append(Item(storage.join(src, str(relative)), _output(relative)))
    return items


def _manifest_items(src: str) -> list[Item]:
    text = storage.read_text(src)
    if text is None:
        raise MediaError(src, "no such manifest")
    if src.lower().endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "path" not in rows[0]:
            raise MediaError(src, "the manifest has no 'path' column")
        paths = [row["path"].strip() for row in rows if row.get("path", "").strip()]
    else:
        paths = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                paths.append(str(json.loads(line)["path"]))
            except (ValueError, KeyError, TypeError):
                raise MediaError(src, f"line {number} is not a JSON object with a 'path'") from None
    bare = [p.split("://", 1)[-1] for p in paths]
    common = os.path.commonpath([str(PurePosixPath(b).parent) for b in bare]) if bare else ""
    return sorted(
        (Item(path, _output(PurePosixPath(b).relative_to(common or "/") if common else PurePosixPath(b)))
         for path, b in zip(paths, bare, strict=True)),
        key=lambda item: item.relative,
    )  # fmt: skip

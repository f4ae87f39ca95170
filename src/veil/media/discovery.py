"""Turn the paths a user typed into (input, output) jobs, before any pixel is read.

A folder is scanned recursively. Each file in it becomes a job (a video by
its extension; a photo by its extension or, failing that, by its first bytes)
or is listed as skipped with the reason; none is passed over in silence.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from veil.files import is_temporary
from veil.media.images import IMAGE_EXTENSIONS, is_photo, photo_output_suffix
from veil.media.kinds import is_video
from veil.media.video_writer import DEFAULT_VIDEO_SUFFIX, OUTPUT_CONTAINERS

OUTPUT_SUFFIX = "_anonymized"
PARTIAL_SUFFIX = "_partial"
NOT_MEDIA = "not an image or video"


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path


@dataclass(frozen=True)
class Skipped:
    """An input not processed. ``failed``: one the user named that cannot be used (an error);
    otherwise a file a folder scan passes over (``skipped: PATH (reason)``)."""

    path: Path
    reason: str
    failed: bool = True


def default_output(source: Path) -> Path:
    """``photo.jpg`` -> ``photo_anonymized.jpg`` and ``clip.mov`` -> ``clip_anonymized.mp4``, beside it.

    Videos become H.264 MP4, which plays everywhere, whatever they came in; a
    photo in a format veil does not write (ICO, PSD, ...) becomes PNG.
    """
    return source.with_name(f"{source.stem}{OUTPUT_SUFFIX}{output_suffix(source)}")


def partial_output(output: Path) -> Path:
    """Where a truncated video's frames go with ``--allow-partial``: ``clip.mp4`` -> ``clip_partial.mp4``."""
    return output.with_name(f"{output.stem}{PARTIAL_SUFFIX}{output.suffix}")


def output_suffix(source: Path) -> str:
    """The extension veil writes ``source`` with: ``.mp4`` for video, a photo's own or ``.png``."""
    return DEFAULT_VIDEO_SUFFIX if is_video(source) else photo_output_suffix(source)


def special_file(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (a FIFO, a device, a socket), else None.

    Such a file is never opened: reading a FIFO waits for a writer forever.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device"}
    kind = next((name for test, name in kinds.items() if test(mode)), "a socket")
    return f"{kind}, not a regular file"


def is_supported(path: Path) -> bool:
    """Whether veil reads ``path`` as a photo or a video (photos without a known extension by content)."""
    return is_video(path) or is_photo(path)


def _renamed(source: Path, target: Path) -> Path:
    """A file written into an output folder gets the extension `default_output` would give it."""
    return target.with_suffix(output_suffix(source))


def scan_folder(folder: Path, exclude: Path | None = None) -> tuple[list[Path], list[Skipped]]:
    """Photos and videos under ``folder``, sorted, and every other entry with why it is skipped.

    Our own temporary files are left out without a word (the next write
    cleans them); the output folder ``exclude`` is not entered.
    """
    found: list[Path] = []
    skipped: list[Skipped] = []
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        for name in sorted(d for d in dirs if d.startswith(".")):
            skipped.append(Skipped(root_path / name, "hidden folder", failed=False))
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and (exclude is None or (root_path / d).resolve() != exclude)
        )
        for name in sorted(files):
            path = root_path / name
            if is_temporary(path):
                continue
            if name.startswith("."):
                skipped.append(Skipped(path, "hidden file", failed=False))
            elif (special := special_file(path)) is not None:
                skipped.append(Skipped(path, special, failed=False))
            elif path.stem.endswith((OUTPUT_SUFFIX, OUTPUT_SUFFIX + PARTIAL_SUFFIX)):
                skipped.append(Skipped(path, "a previous veil output", failed=False))
            elif is_supported(path):
                found.append(path)
            else:
                skipped.append(Skipped(path, NOT_MEDIA, failed=False))
    return found, skipped


def _unsupported_reason(path: Path) -> str:
    return f"{NOT_MEDIA} (format '{path.suffix or '(none)'}' unknown to Pillow and to veil's video list)"


def _kind_mismatch(inputs: list[Path], output: Path | None) -> str | None:
    """Why one photo cannot go to ``-o out.mp4`` (or one video to ``-o out.jpg``), or None.

    An output name with a photo or video extension is a file name, never a folder to create.
    """
    if output is None or len(inputs) != 1 or not inputs[0].is_file() or output.is_dir():
        return None
    suffix = output.suffix.lower()
    video = is_video(inputs[0])
    if video and suffix in IMAGE_EXTENSIONS:
        containers = ", ".join(sorted(OUTPUT_CONTAINERS))
        return f"cannot write a video as '{suffix}': name a video file ({containers}) or a folder"
    if not video and suffix in OUTPUT_CONTAINERS and suffix not in IMAGE_EXTENSIONS:
        return f"cannot write a photo as '{suffix}': name a photo file (.jpg, .png, ...) or a folder"
    return None


def plan_jobs(inputs: list[Path], output: Path | None = None) -> tuple[list[Job], list[Skipped]]:
    """Decide every output path up front.

    * a file -> ``NAME_anonymized.EXT`` beside it, or ``OUTPUT/NAME.EXT``, or
      exactly ``OUTPUT`` when one file is given and ``OUTPUT`` has a file extension
      of the same kind (photo or video);
    * a folder -> its photos and videos, recursively; with ``OUTPUT`` the relative
      tree is recreated under it. Every other file in it is skipped with a reason.

    Videos are written as MP4 unless ``OUTPUT`` is an exact file name in another container.

    An input is never an output: such a job fails with a reason, as do missing
    paths, named files that are not photos or videos, and two inputs mapping
    to one output.
    """
    jobs: list[Job] = []
    skipped: list[Skipped] = []
    output_is_file = (
        output is not None
        and len(inputs) == 1
        and inputs[0].is_file()
        and not output.is_dir()
        and (
            output.suffix.lower() in OUTPUT_CONTAINERS
            if is_video(inputs[0])
            else output.suffix.lower() in IMAGE_EXTENSIONS
        )
    )
    mismatch = _kind_mismatch(inputs, output) if not output_is_file else None
    exclude = output.resolve() if output is not None else None
    for item in inputs:
        if mismatch is not None:
            skipped.append(Skipped(item, mismatch))
        elif not item.exists():
            skipped.append(Skipped(item, "no such file or directory"))
        elif item.is_dir():
            sources, passed_over = scan_folder(item, exclude)
            skipped += passed_over
            for source in sources:
                target = (
                    default_output(source)
                    if output is None
                    else _renamed(source, output / source.relative_to(item))
                )
                jobs.append(Job(source, target))
        elif (special := special_file(item)) is not None:
            skipped.append(Skipped(item, special))
        elif not is_supported(item):
            skipped.append(Skipped(item, _unsupported_reason(item)))
        elif output is None:
            jobs.append(Job(item, default_output(item)))
        else:
            jobs.append(Job(item, output if output_is_file else _renamed(item, output / item.name)))

    inputs_resolved = {job.source.resolve() for job in jobs}
    seen: set[Path] = set()
    kept: list[Job] = []
    for job in jobs:
        target = job.output.resolve()
        if target in inputs_resolved:
            skipped.append(Skipped(job.source, f"output {job.output} would overwrite an input"))
        elif target in seen:
            skipped.append(Skipped(job.source, f"another input already writes {job.output}"))
        else:
            seen.add(target)
            kept.append(job)
    return kept, skipped

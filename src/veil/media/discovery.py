"""Turn the paths a user typed into (input, output) jobs, before any pixel is read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from veil.media.images import IMAGE_EXTENSIONS
from veil.media.video import DEFAULT_VIDEO_SUFFIX, OUTPUT_CONTAINERS, VIDEO_EXTENSIONS, is_video

OUTPUT_SUFFIX = "_anonymized"


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def default_output(source: Path) -> Path:
    """``photo.jpg`` -> ``photo_anonymized.jpg`` and ``clip.mov`` -> ``clip_anonymized.mp4``, beside it.

    Videos become H.264 MP4, which plays everywhere, whatever they came in.
    """
    suffix = DEFAULT_VIDEO_SUFFIX if is_video(source) else source.suffix
    return source.with_name(f"{source.stem}{OUTPUT_SUFFIX}{suffix}")


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS or is_video(path)


def _renamed(source: Path, target: Path) -> Path:
    """A video written into an output folder becomes MP4, as `default_output` does."""
    return target.with_suffix(DEFAULT_VIDEO_SUFFIX) if is_video(source) else target


def _unsupported_reason(path: Path) -> str:
    photos = ", ".join(sorted({ext.lstrip(".") for ext in IMAGE_EXTENSIONS}))
    videos = ", ".join(sorted({ext.lstrip(".") for ext in VIDEO_EXTENSIONS}))
    return f"unsupported format '{path.suffix or '(none)'}' (photos: {photos}; videos: {videos})"


def _walk(folder: Path, exclude: Path | None) -> list[Path]:
    """Supported photos under ``folder``, sorted, skipping hidden entries, our outputs and ``exclude``."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and (exclude is None or (root_path / d).resolve() != exclude)
        )
        for name in sorted(files):
            path = root_path / name
            if name.startswith(".") or not is_supported(path):
                continue
            if path.stem.endswith(OUTPUT_SUFFIX):
                continue  # a previous run's output
            found.append(path)
    return found


def plan_jobs(inputs: list[Path], output: Path | None = None) -> tuple[list[Job], list[Skipped]]:
    """Decide every output path up front.

    * a file -> ``NAME_anonymized.EXT`` beside it, or ``OUTPUT/NAME.EXT``, or
      exactly ``OUTPUT`` when one file is given and ``OUTPUT`` has a file extension
      of the same kind (photo or video);
    * a folder -> its photos and videos, recursively; with ``OUTPUT`` the relative
      tree is recreated under it.

    Videos are written as MP4 unless ``OUTPUT`` is an exact file name in another container.

    An input is never an output: such a job is skipped with a reason, as are
    missing paths, unsupported files and two inputs mapping to one output.
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
    exclude = output.resolve() if output is not None else None
    for item in inputs:
        if not item.exists():
            skipped.append(Skipped(item, "no such file or directory"))
        elif item.is_dir():
            for source in _walk(item, exclude):
                target = (
                    default_output(source)
                    if output is None
                    else _renamed(source, output / source.relative_to(item))
                )
                jobs.append(Job(source, target))
        elif not is_supported(item):
            skipped.append(Skipped(item, _unsupported_reason(item)))
        elif output is None:
            jobs.append(Job(item, default_output(item)))
        else:
            jobs.append(Job(item, output if output_is_file else _renamed(item, output / item.name)))

    sources = {job.source.resolve() for job in jobs}
    seen: set[Path] = set()
    kept: list[Job] = []
    for job in jobs:
        target = job.output.resolve()
        if target in sources:
            skipped.append(Skipped(job.source, f"output {job.output} would overwrite an input"))
        elif target in seen:
            skipped.append(Skipped(job.source, f"another input already writes {job.output}"))
        else:
            seen.add(target)
            kept.append(job)
    return kept, skipped

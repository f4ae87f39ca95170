"""The ``veil`` command line: parses flags, calls the API, prints one line per problem.

``veil PATH...`` anonymises (the default command); ``veil detect PATH... --json FILE``
only detects. Exit status: 0 all good, 1 some file failed, 2 bad usage.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from veil import __version__
from veil.detection import DEFAULT_DETECT_SCALE, DEFAULT_DETECTOR, DetectorUnavailable, detector_names
from veil.errors import VeilError
from veil.filters import FILTER_NAMES, MASK_SHAPES
from veil.media import Job, Skipped, plan_jobs
from veil.media.images import DEFAULT_MAX_PIXELS
from veil.pipeline import Anonymizer, Settings
from veil.report import FileRecord, build_report, write_json


class DefaultCommandGroup(click.Group):
    """A group whose first argument may be a path: ``veil photo.jpg`` means ``veil anonymize photo.jpg``."""

    default_command = "anonymize"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        elif not args:
            args = ["--help"]
        return super().parse_args(ctx, args)


def detector_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Flags shared by every command that detects."""
    options = [
        click.option(
            "--detector",
            default=DEFAULT_DETECTOR,
            show_default=True,
            help=f"Face detector: {', '.join(detector_names())}.",
        ),
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1),
            default=None,
            help="Score cut-off in [0, 1] (default: the detector's benchmarked value).",
        ),
        click.option(
            "--detect-scale",
            type=click.FloatRange(min=0.05, max=8),
            default=DEFAULT_DETECT_SCALE,
            show_default=True,
            help="Run the detector on the image resized by this factor; 2 finds smaller faces "
            "(upscaling stops at 4096 px).",
        ),
        click.option(
            "--max-pixels",
            type=click.IntRange(min=1),
            default=DEFAULT_MAX_PIXELS,
            show_default=True,
            help="Refuse images with more pixels than this.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary."),
        click.option("--debug", is_flag=True, help="Show tracebacks for errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="veil")
def main() -> None:
    """Anonymise faces in photos.

    \b
      veil photo.jpg                  writes photo_anonymized.jpg
      veil photos/ -o out/            every photo under photos/, tree recreated in out/
      veil detect photos/ --json faces.json
    """


@main.command("anonymize")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output folder (or file, for one input)."
)
@click.option("--filter", "filter_name", type=click.Choice(FILTER_NAMES), default="blur", show_default=True)
@click.option(
    "--mask", type=click.Choice(MASK_SHAPES), default="ellipse", show_default=True, help="Mask shape."
)
@click.option(
    "--mask-scale",
    type=click.FloatRange(min=0.5, max=4),
    default=1.3,
    show_default=True,
    help="Grow each face box by this factor (covers hair line, ears, chin).",
)
@click.option(
    "--feather",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Soft edge width as a fraction of the face size (0: hard edge).",
)
@click.option(
    "--strength",
    type=click.FloatRange(min=0.05, max=10),
    default=1.0,
    show_default=True,
    help="Blur / mosaic strength; scales with each face's size.",
)
@click.option("--color", "colour", default="black", show_default=True, help="Colour for --filter solid.")
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Picture for --filter image.",
)
@click.option(
    "--keep-metadata", is_flag=True, help="Keep EXIF/GPS/XMP (stripped by default; ICC is always kept)."
)
@click.option(
    "--report", type=click.Path(path_type=Path), help="Write every face and what was applied as JSON."
)
@detector_options
def anonymize_command(
    paths: tuple[Path, ...],
    output: Path | None,
    report: Path | None,
    quiet: bool,
    debug: bool,
    filter_name: str,
    image: Path | None,
    **settings: Any,
) -> None:
    """Anonymise photos: files or folders (recursive). Inputs are never modified."""
    chosen = Settings(filter=filter_name, image=str(image) if image else None, **settings)
    anonymizer = build_anonymizer(chosen, debug)
    records, errors = run_batch(
        *plan_jobs(list(paths), output),
        lambda job: anonymizer.process_file(job.source, job.output),
        quiet,
        debug,
    )
    if report is not None:
        save_json(report, build_report(records, errors, chosen.to_json()))
    finish(records, errors, quiet)


@main.command("detect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), required=True, help="Where to write detections."
)
@detector_options
def detect_command(
    paths: tuple[Path, ...], json_path: Path, quiet: bool, debug: bool, **settings: Any
) -> None:
    """Detect faces only and write them as JSON (schema: veil/schema/detections.schema.json)."""
    anonymizer = build_anonymizer(Settings(**settings), debug)
    records, errors = run_batch(
        *plan_jobs(list(paths), None), lambda job: anonymizer.detect_file(job.source), quiet, debug
    )
    save_json(json_path, build_report(records, errors))
    finish(records, errors, quiet)


def build_anonymizer(settings: Settings, debug: bool) -> Anonymizer:
    try:
        return Anonymizer(settings)
    except (ValueError, DetectorUnavailable, VeilError) as exc:
        if debug:
            traceback.print_exc()
        raise click.UsageError(str(exc)) from None


def run_batch(
    jobs: list[Job],
    skipped: list[Skipped],
    work: Callable[[Job], FileRecord],
    quiet: bool,
    debug: bool,
) -> tuple[list[FileRecord], list[tuple[Path, str]]]:
    """Run ``work`` on every job; a failure is reported and the batch goes on."""
    errors: list[tuple[Path, str]] = []
    for item in skipped:
        report_error(item.path, item.reason)
        errors.append((item.path, item.reason))
    records: list[FileRecord] = []
    started = time.perf_counter()
    with progress(len(jobs), quiet) as advance:
        for job in jobs:
            try:
                records.append(work(job))
            except VeilError as exc:
                reason = getattr(exc, "reason", str(exc))
                report_error(job.source, reason)
                errors.append((job.source, reason))
            except Exception as exc:  # one bad file must not stop the batch
                if debug:
                    traceback.print_exc()
                reason = f"unexpected error: {type(exc).__name__}: {exc}"
                report_error(job.source, reason)
                errors.append((job.source, reason))
            advance()
    main_elapsed[0] = time.perf_counter() - started
    return records, errors


main_elapsed = [0.0]  # seconds spent in the last batch, for the summary line


@contextmanager
def progress(total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr for batches (silent with -q or a single file)."""
    if quiet or total < 2:
        yield lambda: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("veil"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        console=stderr_console(),
    )
    with bar:
        task = bar.add_task("files", total=total)
        yield lambda: bar.advance(task)


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def report_error(path: Path, reason: str) -> None:
    click.echo(f"error: {path}: {reason}", err=True)


def save_json(path: Path, data: dict[str, Any]) -> None:
    try:
        write_json(path, data)
    except VeilError as exc:
        report_error(path, getattr(exc, "reason", str(exc)))
        sys.exit(1)


def finish(records: list[FileRecord], errors: list[tuple[Path, str]], quiet: bool) -> None:
    """Print the one-line summary and exit non-zero if anything failed."""
    if not quiet:
        faces = sum(len(record.faces) for record in records)
        failed = f", {len(errors)} failed" if errors else ""
        click.echo(
            f"veil: {len(records)} file{'s' * (len(records) != 1)}, {faces} face{'s' * (faces != 1)}"
            f"{failed}, {main_elapsed[0]:.1f} s",
            err=True,
        )
    if errors:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()

"""Running many files: one line per failure, a progress bar, a summary, and the exit status.

Every command reports a failure the same way, ``error: PATH: reason`` on
stderr (a traceback only with ``--debug``), through `report_failure`.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from veil.anonymizer import Anonymizer
from veil.cli.options import settings_from_flags
from veil.detection.onnx_session import describe_device
from veil.errors import VeilError
from veil.files import write_json
from veil.media import Job, Skipped, is_video
from veil.report import FileRecord
from veil.report_stream import ReportWriter
from veil.settings import Settings

FrameProgress = Callable[[int, int | None], None]
"""``on_frame(done, total_or_None)``: per-frame progress inside one file."""


def failure_reason(exc: BaseException, expected: tuple[type[BaseException], ...] = ()) -> str:
    """What a failure says: a veil error's reason, an expected error's text, else its type too."""
    if isinstance(exc, VeilError):
        return exc.reason
    if isinstance(exc, expected):
        return str(exc) or type(exc).__name__
    return f"unexpected error: {type(exc).__name__}: {exc}"


def report_error(path: object | None, reason: str) -> None:
    """Print ``error: PATH: reason`` (or ``error: reason``) on stderr."""
    click.echo(f"error: {reason}" if path is None else f"error: {path}: {reason}", err=True)


def report_warning(path: object, reason: str) -> None:
    """Print ``warning: PATH: reason`` on stderr: the file was done, but not quite as asked."""
    click.echo(f"warning: {path}: {reason}", err=True)


def report_failure(
    path: object | None, exc: BaseException, debug: bool, expected: tuple[type[BaseException], ...] = ()
) -> str:
    """Report ``exc`` as one line about ``path`` (a veil error's own path when none is given)."""
    if debug:
        traceback.print_exception(exc)
    if path is None and isinstance(exc, VeilError):
        path = exc.path
    reason = failure_reason(exc, expected)
    report_error(path, reason)
    return reason


def build_anonymizer(
    debug: bool, quiet: bool = True, settings: Settings | None = None, **flags: Any
) -> Anonymizer:
    """The anonymizer for ``settings`` (or a command's parsed flags, `settings_from_flags`);
    a model or gallery that cannot load is a usage error.

    Unless ``quiet``, one line on stderr says where the models run (``--device``).
    """
    if settings is None:
        settings = settings_from_flags(dict(flags))
    try:
        anonymizer = Anonymizer(settings)
    except (ValueError, VeilError) as exc:
        if debug:
            traceback.print_exc()
        raise click.UsageError(str(exc)) from None
    if not quiet:
        click.echo(f"device: {describe_device(anonymizer.settings.detection.device)}", err=True)
    return anonymizer


def save_json(path: Path, data: dict[str, Any], debug: bool = False) -> None:
    """Write a command's JSON output; failing to is one line and exit status 1."""
    try:
        write_json(path, data)
    except VeilError as exc:
        report_failure(path, exc, debug)
        sys.exit(1)


@contextmanager
def reporting(
    path: Path | None, settings: dict[str, Any] | None, debug: bool
) -> Iterator[ReportWriter | None]:
    """The report (``--report``, ``--json``) written as the batch goes, or None without one.

    One that cannot be created stops the command before any work (one line,
    exit status 1); an interrupted command leaves none.
    """
    if path is None:
        yield None
        return
    try:
        writer = ReportWriter(path, settings)
    except VeilError as exc:
        report_failure(path, exc, debug)
        sys.exit(1)
    with writer:
        yield writer


def reported_work(
    anonymizer: Anonymizer, writer: ReportWriter | None, render: bool
) -> Callable[[Job, FrameProgress], FileRecord]:
    """`run_batch`'s work: each file anonymised (or, not ``render``, only detected) and, with a
    report, its entry written as it finishes, a video's frames as they are done."""

    def work(job: Job, on_frame: FrameProgress) -> FileRecord:
        output = job.output if render else None
        if writer is None:
            return anonymizer.process_file(job.source, output, on_frame)
        return writer.follow(
            lambda observers: anonymizer.process_file(
                job.source, output, on_frame, observers, keep_frames=False
            ),
            anonymizer.filter_name if render else None,
            anonymizer.mask_shape if render else None,
        )

    return work


def close_report(writer: ReportWriter | None, result: BatchResult, debug: bool) -> None:
    """Finish the report with the batch's failures and skips; failing to is exit status 1."""
    if writer is None:
        return
    try:
        writer.close(result.errors, result.skipped)
    except VeilError as exc:
        report_failure(writer.path, exc, debug)
        sys.exit(1)


@dataclass
class BatchResult:
    """What a batch did: a record per file done, ``(path, reason)`` per failure and per file
    skipped, and how long it took."""

    records: list[FileRecord] = field(default_factory=list)
    errors: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def faces(self) -> int:
        return sum(record.face_count for record in self.records)

    def summary(self) -> str:
        """``veil: 12 files, 57 faces, 1 failed, 3 skipped, 9.8 s``."""
        files, faces = len(self.records), self.faces
        failed = f", {len(self.errors)} failed" if self.errors else ""
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        counts = f"{files} file{'s' * (files != 1)}, {faces} face{'s' * (faces != 1)}"
        return f"veil: {counts}{failed}{skipped}, {self.seconds:.1f} s"


def run_batch(
    jobs: list[Job],
    skipped: list[Skipped],
    work: Callable[[Job, FrameProgress], FileRecord],
    quiet: bool,
    debug: bool,
    quiet_skips: bool = False,
) -> BatchResult:
    """Run ``work`` on every job; a failure is reported in one line and the batch goes on.

    Inputs that cannot be used are errors; files a folder scan passes over are
    listed as ``skipped: PATH (reason)`` (only counted with ``quiet_skips``).
    ``work`` gets a callback for per-frame progress (videos).
    """
    result = BatchResult()
    for item in skipped:
        if item.failed:
            report_error(item.path, item.reason)
            result.errors.append((item.path, item.reason))
        else:
            if not quiet_skips:
                click.echo(f"skipped: {item.path} ({item.reason})", err=True)
            result.skipped.append((item.path, item.reason))
    started = time.perf_counter()
    show_frames = any(is_video(job.source) for job in jobs)
    with progress(len(jobs), quiet, show_frames) as (advance, on_frame):
        for job in jobs:
            try:
                record = work(job, on_frame)
            except Exception as exc:  # one bad file must not stop the batch
                result.errors.append((job.source, report_failure(job.source, exc, debug)))
            else:
                result.records.append(record)
                for warning in record.warnings:
                    report_warning(job.source, warning)
            advance()
    result.seconds = time.perf_counter() - started
    return result


def finish(result: BatchResult, quiet: bool) -> None:
    """Print the one-line summary and exit non-zero if anything failed."""
    if not quiet:
        click.echo(result.summary(), err=True)
    if result.errors:
        sys.exit(1)


@contextmanager
def progress(
    total: int, quiet: bool, frames: bool = False
) -> Iterator[tuple[Callable[[], None], FrameProgress]]:
    """Progress bars on stderr: files for batches, frames for videos (silent with -q).

    Yields ``advance()`` (one more file done) and ``on_frame(done, total)``.
    """
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or (total < 2 and not frames) or not console.is_terminal:  # no bar in a log file
        yield (lambda: None), (lambda done, total: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("veil"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        console=console,
    )
    with bar:
        files = bar.add_task("files", total=total, visible=total > 1)
        frame_task = bar.add_task("frames", total=None, visible=False)

        def advance() -> None:
            bar.advance(files)
            bar.reset(frame_task, total=None, visible=False)

        def on_frame(done: int, count: int | None) -> None:
            bar.update(frame_task, completed=done, total=count, visible=True)

        yield advance, on_frame


def item_counter(on_frame: FrameProgress) -> Callable[[int], Callable[[], None]]:
    """``counter(total)`` gives a ``tick()`` that advances the progress bar towards ``total``."""

    def counter(total: int) -> Callable[[], None]:
        done = [0]

        def tick() -> None:
            done[0] += 1
            on_frame(done[0], total or None)

        return tick

    return counter

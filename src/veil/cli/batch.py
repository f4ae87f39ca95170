"""``veil batch SRC --dest DEST``: a resumable job over a folder or a manifest, on a pool of processes."""

from __future__ import annotations

import os
from typing import Any

import click

from veil.batch import DEFAULT_CHUNK_SECONDS
from veil.cli.options import (
    detection_options,
    encoder_options,
    filter_options,
    known_face_options,
    output_options,
    settings_from_flags,
    video_options,
)
from veil.cli.runner import progress, report_error
from veil.errors import VeilError
from veil.settings import Settings
from veil.version import __version__


@click.command("batch")
@click.argument("src")
@click.option("--dest", required=True, help="Output folder or fsspec URL; the tree under SRC is recreated.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes, each loading the models once (default: the CPU count).",
)
@click.option(
    "--ray",
    "ray_address",
    metavar="auto|ADDRESS",
    default=None,
    help="Run on Ray (pip install 'veil[ray]'): 'auto' starts a local instance, an address joins a "
    "cluster. Default: a local pool of processes.",
)
@click.option(
    "--chunk-seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_CHUNK_SECONDS,
    show_default=True,
    help="With several workers, a video over twice this long is cut into chunks of about this "
    "length that all workers share, covered exactly as in one pass. 0: every video whole.",
)
@filter_options
@encoder_options
@known_face_options
@detection_options
@video_options
@output_options
def batch_command(
    src: str,
    dest: str,
    workers: int | None,
    ray_address: str | None,
    chunk_seconds: float,
    quiet: bool,
    debug: bool,
    **flags: Any,
) -> None:
    """Anonymise SRC (a folder, or a .csv/.jsonl manifest of paths or URLs) into DEST, resumably.

    Rerun the same command after a crash: items whose output exists and whose
    input and settings are unchanged are skipped (DEST/veil-batch.json says
    what was done); everything else is done once.
    """
    from veil.batch.pool import PoolRunner

    settings = settings_from_flags(flags)  # bad settings fail here, before any worker starts
    try:
        if ray_address is None:
            count = workers or os.cpu_count() or 1
            runner = PoolRunner(src, dest, settings, count, __version__, chunk_seconds)
        else:
            runner = _ray_runner(src, dest, settings, workers, ray_address, chunk_seconds)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except VeilError as exc:
        report_error(exc.path, exc.reason)
        raise SystemExit(1) from None
    with progress(len(runner.items), quiet) as (advance, _):
        try:
            summary = runner.run(on_item=advance)
        except VeilError as exc:
            report_error(exc.path, exc.reason)
            raise SystemExit(1) from None
    for source, reason in summary.failed:
        report_error(source, reason)
    if not quiet:
        click.echo(summary.line(), err=True)
    if summary.failed:
        raise SystemExit(1)


def _ray_runner(
    src: str, dest: str, settings: Settings, workers: int | None, address: str, chunk_seconds: float
) -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise click.UsageError("--ray needs Ray: pip install 'veil[ray]'") from None
    from veil.batch.ray_runner import RayRunner

    return RayRunner(src, dest, settings, workers, __version__, address, chunk_seconds)

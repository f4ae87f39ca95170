"""``veil PATH...`` (``veil anonymize``): hide every face in photos, videos, folders or live input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from veil.cli.live import run_live
from veil.cli.options import (
    apply_all,
    detection_options,
    encoder_options,
    filter_options,
    known_face_options,
    output_options,
    quiet_skips_option,
    settings_from_flags,
    video_options,
)
from veil.cli.runner import build_anonymizer, close_report, finish, reported_work, reporting, run_batch
from veil.media import plan_jobs

live_options = [
    click.option("--camera", type=int, default=None, help="Anonymise a live camera (device index) instead."),
    click.option(
        "--stream", "stream_url", default=None, help="Anonymise a live stream URL (rtsp://, http://...)."
    ),
    click.option(
        "--preview/--no-preview", default=None, help="Live: show a window (default: when a display exists)."
    ),
]


@click.command("anonymize")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output folder (or file, for one input)."
)
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    help="Write every face (per frame for video, with track ids) and what was applied as JSON, "
    "file by file as they finish.",
)
@filter_options
@encoder_options
@apply_all(live_options)
@known_face_options
@detection_options
@video_options
@output_options
@quiet_skips_option
def anonymize_command(
    paths: tuple[Path, ...],
    output: Path | None,
    report: Path | None,
    quiet: bool,
    debug: bool,
    camera: int | None,
    stream_url: str | None,
    preview: bool | None,
    quiet_skips: bool,
    **flags: Any,
) -> None:
    """Anonymise photos and videos: files or folders (recursive). Inputs are never modified."""
    live = camera is not None or stream_url is not None
    if live and paths:
        raise click.UsageError("give either paths or --camera/--stream, not both")
    if not live and not paths:
        raise click.UsageError("give at least one photo, video or folder (or --camera / --stream)")
    if live and flags.get("escrow"):
        raise click.UsageError("--escrow seals files, not live streams")
    anonymizer = build_anonymizer(debug, quiet, settings_from_flags(flags))
    if live:
        run_live(anonymizer, camera if camera is not None else str(stream_url), output, preview, debug)
        return
    with reporting(report, anonymizer.to_json(), debug) as writer:
        work = reported_work(anonymizer, writer, render=True)
        result = run_batch(*plan_jobs(list(paths), output), work, quiet, debug, quiet_skips)
        close_report(writer, result, debug)
    finish(result, quiet)

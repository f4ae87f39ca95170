"""``veil detect PATH... --json FILE``: find faces (and track them in videos) without changing anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from veil.cli.options import (
    detection_options,
    known_face_options,
    output_options,
    quiet_skips_option,
    video_options,
)
from veil.cli.runner import build_anonymizer, close_report, finish, reported_work, reporting, run_batch
from veil.media import plan_jobs


@click.command("detect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), required=True, help="Where to write detections."
)
@known_face_options
@detection_options
@video_options
@output_options
@quiet_skips_option
def detect_command(
    paths: tuple[Path, ...], json_path: Path, quiet: bool, debug: bool, quiet_skips: bool, **settings: Any
) -> None:
    """Detect faces only and write them as JSON (schema: veil/schema/detections.schema.json)."""
    anonymizer = build_anonymizer(debug, quiet, **settings)
    with reporting(json_path, None, debug) as writer:
        work = reported_work(anonymizer, writer, render=False)
        result = run_batch(*plan_jobs(list(paths), None), work, quiet, debug, quiet_skips)
        close_report(writer, result, debug)
    finish(result, quiet)

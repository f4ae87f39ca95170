"""``veil review PATH... -o OUT``: a local web page to check and fix every face; ``veil apply`` re-renders."""

from __future__ import annotations

import socket
import webbrowser
from pathlib import Path
from typing import Any

import click

from veil.cli.options import (
    debug_option,
    detection_options,
    encoder_options,
    filter_options,
    settings_from_flags,
    video_options,
)
from veil.cli.runner import build_anonymizer, report_failure
from veil.errors import VeilError
from veil.media import plan_jobs
from veil.media.kinds import is_video
from veil.settings import Settings


@click.command("review")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Output folder: the review (veil-review.json) and the exported files go here.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0: any free port.")
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open a browser.")
@filter_options
@encoder_options
@detection_options
@video_options
@debug_option
def review_command(
    paths: tuple[Path, ...],
    output: Path,
    port: int,
    no_browser: bool,
    debug: bool,
    **flags: Any,
) -> None:
    """Detect faces in the background and open a page to review them; Ctrl-C stops (nothing is lost).

    The page shows every file, most uncertain first. Fix the boxes, then Export
    (or run `veil apply OUT/veil-review.json` later).
    """
    from veil.review.document import DOCUMENT_NAME, ReviewDocument, file_entry
    from veil.review.server import ReviewApp, url

    anonymizer = build_anonymizer(debug, True, settings_from_flags(flags))
    path = output / DOCUMENT_NAME
    jobs, skipped = plan_jobs(list(paths), output)
    for item in skipped:
        if item.failed:
            report_failure(item.path, VeilError(item.path, item.reason), debug)
    try:
        review = ReviewDocument.load(path) if path.exists() else None
    except VeilError as exc:
        raise click.UsageError(str(exc)) from None
    if review is None:
        files = [
            file_entry(
                i, job.source.resolve(), job.output.resolve(), "video" if is_video(job.source) else "photo"
            )
            for i, job in enumerate(jobs)
        ]
        review = ReviewDocument.create(path, files, anonymizer.to_json())
        review.save()
    app = ReviewApp(review, anonymizer)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        raise click.UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
    sock.listen(64)
    app.port = sock.getsockname()[1]
    app.start_detection()
    click.echo(url(app), nl=True)
    if not no_browser:
        webbrowser.open(url(app))
    _serve(app, sock)


def _serve(app: Any, sock: socket.socket) -> None:
    import uvicorn

    config = uvicorn.Config(app.app, log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@click.command("apply")
@click.argument("review_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@debug_option
def apply_command(review_path: Path, debug: bool) -> None:
    """Write the anonymised files of a review (OUT/veil-review.json), with every manual change applied."""
    from veil.review.document import ReviewDocument
    from veil.review.render import REPORT_NAME, export

    try:
        review = ReviewDocument.load(review_path)
    except VeilError as exc:
        report_failure(review_path, exc, debug)
        raise SystemExit(1) from None
    report = export(review, Settings.from_json(review.data["settings"]))
    for error in report["errors"]:
        click.echo(f"error: {error['path']}: {error['error']}", err=True)
    click.echo(
        f"veil: {len(report['files'])} files written, {len(report['changes'])} manual changes applied; "
        f"report: {review_path.with_name(REPORT_NAME)}",
        err=True,
    )
    if report["errors"]:
        raise SystemExit(1)

"""``veil review PATH... -o OUT``: a local web page to check and fix every face; ``veil apply`` re-renders."""

from __future__ import annotations

import signal
import socket
import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from veil.cli.options import (
    debug_option,
    detection_options,
    encoder_options,
    filter_options,
    quiet_option,
    settings_from_flags,
    video_options,
)
from veil.cli.runner import build_anonymizer, report_failure
from veil.errors import VeilError
from veil.files import FolderLock
from veil.media import plan_jobs
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
@click.option(
    "--reset-options",
    is_flag=True,
    help="Reopen a review with the options given now instead of those it was made with.",
)
@filter_options
@encoder_options
@detection_options
@video_options
@quiet_option
@debug_option
def review_command(
    paths: tuple[Path, ...],
    output: Path,
    port: int,
    no_browser: bool,
    reset_options: bool,
    quiet: bool,
    debug: bool,
    **flags: Any,
) -> None:
    """Detect faces in the background and open a page to review them; Ctrl-C stops (nothing is lost).

    The page shows every file, most uncertain first. Fix the boxes, then Export
    (or run `veil apply OUT/veil-review.json` later). Reopening the same -o
    keeps every change, adds new inputs and uses the options the review was made with.
    """
    from veil.review.document import DOCUMENT_NAME
    from veil.review.opening import LOCK_NAME, open_review
    from veil.review.server import ReviewApp, url

    def say(line: str) -> None:
        if not quiet or line.startswith("error:"):
            click.echo(line, err=True)

    context = click.get_current_context()
    given = {
        name
        for name in flags
        if context.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    }
    sock = _listen(port)  # nothing is written before the server can listen
    jobs, skipped = plan_jobs(list(paths), output)
    for item in skipped:
        if item.failed:
            report_failure(item.path, VeilError(item.path, item.reason), debug)
        else:
            say(f"skipped: {item.path} ({item.reason})")
    output.mkdir(parents=True, exist_ok=True)
    try:
        lock = FolderLock(output / LOCK_NAME, "veil review")
    except VeilError as exc:
        sock.close()
        report_failure(output, exc, debug)
        raise SystemExit(1) from None
    with lock:
        try:
            review, settings = open_review(
                output / DOCUMENT_NAME, jobs, settings_from_flags(flags), given, reset_options, say
            )
        except VeilError as exc:
            sock.close()
            raise click.UsageError(str(exc)) from None
        anonymizer = build_anonymizer(debug, quiet, settings)
        app = ReviewApp(review, anonymizer, say=say)
        app.port = sock.getsockname()[1]
        try:
            with _until_stopped() as stopping:
                app.start_detection()
                click.echo(url(app))
                if not no_browser:
                    webbrowser.open(url(app))
                _serve(app, sock, stopping)
        finally:
            app.worker.stop()
            app.frames.close()
            review.close()
            say(f"veil review: stopped; everything is saved in {review.path}")


def _listen(port: int) -> socket.socket:
    # IPPROTO_TCP named: asyncio then turns Nagle off for each connection (else a small answer's
    # body waits 40 ms for the browser's delayed ACK on a kept-alive connection)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise click.UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})") from None
    sock.listen(64)
    return sock


@contextmanager
def _until_stopped() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM, from the moment the URL can be printed: a signal at any
    moment stops the review the same way (the server runs in a thread and never sees it)."""
    stopping = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in signals}
    try:
        yield stopping
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(app: Any, sock: socket.socket, stopping: threading.Event) -> None:
    """Serve until ``stopping`` is set (or the server fails), then let open requests finish."""
    import uvicorn

    config = uvicorn.Config(app.app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="veil-review-server")
    thread.start()
    while thread.is_alive() and not stopping.wait(0.2):
        pass
    server.should_exit = True
    thread.join(30)


@click.command("apply")
@click.argument("review_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@quiet_option
@debug_option
def apply_command(review_path: Path, quiet: bool, debug: bool) -> None:
    """Write the anonymised files of a review (OUT/veil-review.json), with every manual change applied.

    The files are written with the options the review records, as the page's Export writes them.
    """
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
    if not quiet:
        click.echo(
            f"veil: {len(report['files'])} files written, {len(report['changes'])} manual changes applied; "
            f"report: {review_path.with_name(REPORT_NAME)}",
            err=True,
        )
    if report["errors"]:
        raise SystemExit(1)

"""Live input for ``veil --camera N`` / ``--stream URL``: anonymised as it arrives, shown and/or recorded.

The same `Anonymizer.anonymize_stream` as for files runs here, so a live
picture gets the same temporal coverage and the same ``--keep``/``--only``
decisions; the price is a delay of ``memory`` frames.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import click
import cv2

from veil.anonymizer import Anonymizer, FrameResult
from veil.cli.runner import report_failure, report_warning
from veil.errors import VeilError
from veil.media.camera import camera_frames
from veil.media.video import Frame, VideoReader
from veil.media.video_writer import VideoWriter
from veil.pipeline import run_video

WINDOW = "veil (q to quit)"


def has_display() -> bool:
    """Whether a preview window can be opened (a desktop session, not a server shell)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_live(
    anonymizer: Anonymizer, source: int | str, output: Path | None, preview: bool | None, debug: bool
) -> None:
    """Anonymise a camera or stream until it ends or the user presses q / Ctrl-C."""
    show = has_display() if preview is None else preview
    if output is None and not show:
        raise click.UsageError("live input needs -o FILE or a display for --preview")
    click.echo("veil: live; press q in the preview window or Ctrl-C to stop", err=True)
    try:
        frames = anonymize_live(anonymizer, source, output, show)
    except VeilError as exc:
        report_failure(str(source), exc, debug)
        sys.exit(1)
    click.echo(f"veil: live stopped after {frames} frames", err=True)


def anonymize_live(anonymizer: Anonymizer, source: int | str, output: Path | None, show: bool) -> int:
    """Anonymise a camera index or URL until it ends, q is pressed or Ctrl-C; returns frames done.

    A stopped recording is still a complete, playable file.
    """
    encoder = replace(anonymizer.settings.encoder, audio=False)
    writer: VideoWriter | None = None
    reader: VideoReader | None = None
    frames: Iterator[Frame]
    if isinstance(source, int):
        frames, size, fps = camera_frames(source)
        if output is not None:
            writer = VideoWriter(output, None, encoder, fps=fps, size=size)
    else:
        reader = VideoReader(source, live=True)
        frames = reader.frames()
        if output is not None:
            writer = VideoWriter(output, reader, encoder)
    quit_pressed = False

    def preview(frame: Frame, result: FrameResult) -> None:
        nonlocal quit_pressed
        if result.pixels is not None:
            cv2.imshow(WINDOW, result.pixels)
        quit_pressed = cv2.waitKey(1) & 0xFF in (ord("q"), 27)

    try:
        run = run_video(
            frames,
            anonymizer.anonymize_stream,
            writer,
            source=reader,
            when_incomplete="warn",
            observers=[preview] if show else [],
            stop=lambda: quit_pressed,
            interruptible=True,
        )
    finally:
        if show:
            cv2.destroyAllWindows()
        if reader is not None:
            reader.close()
    for warning in run.warnings:
        report_warning(source, f"the stream ended early: {warning}")
    return run.frames

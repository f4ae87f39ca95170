"""``veil PATH...`` (``veil anonymize``): hide every face in photos, videos, folders or live input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from veil.cli.live import run_live
from veil.cli.options import (
    apply_all,
    detection_options,
    known_face_options,
    output_options,
    quiet_skips_option,
    strength_option,
    video_options,
)
from veil.cli.runner import build_anonymizer, finish, run_batch, save_json
from veil.filters import DEFAULT_FILTER, FILTER_NAMES, MASK_SHAPES
from veil.media import EncoderSettings, plan_jobs
from veil.media.video_writer import X264_PRESETS
from veil.report import build_report

filter_options = [
    click.option(
        "--filter", "filter_name", type=click.Choice(FILTER_NAMES), default=DEFAULT_FILTER, show_default=True
    ),
    click.option(
        "--mask", type=click.Choice(MASK_SHAPES), default="ellipse", show_default=True, help="Mask shape."
    ),
    click.option(
        "--mask-scale",
        type=click.FloatRange(min=0.5, max=4),
        help="Grow each face box by this factor (covers hair line, ears, chin). "
        "Default: 1.3, and 1.6 for --filter face.",
    ),
    click.option(
        "--feather",
        type=click.FloatRange(0, 1),
        default=0.05,
        show_default=True,
        help="Soft edge width as a fraction of the face size (0: hard edge).",
    ),
    strength_option,
    click.option(
        "--feature-strength",
        type=click.FloatRange(min=0.05, max=10),
        default=1.0,
        show_default=True,
        help="landmark-blur: blur around the eyes, nose and mouth (lower keeps landmarks sharper).",
    ),
    click.option("--color", "colour", default="black", show_default=True, help="Colour for --filter solid."),
    click.option(
        "--image",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Picture for --filter image.",
    ),
    click.option(
        "--keep-metadata", is_flag=True, help="Keep EXIF/GPS/XMP (stripped by default; ICC is always kept)."
    ),
]

encoder_options = [
    click.option("--codec", default=None, help="Video encoder (default: libx264; libvpx-vp9 for .webm)."),
    click.option(
        "--crf",
        type=click.IntRange(0, 51),
        default=EncoderSettings.crf,
        show_default=True,
        help="Video quality: lower is better and bigger.",
    ),
    click.option(
        "--preset",
        type=click.Choice(X264_PRESETS),
        default=EncoderSettings.preset,
        show_default=True,
        help="x264/x265 speed preset: slower gives smaller files.",
    ),
    click.option(
        "--pix-fmt", default=None, help="Video pixel format (default yuv420p; yuv444p for odd sizes)."
    ),
    click.option("--no-audio", "no_audio", is_flag=True, help="Drop audio (kept and copied by default)."),
    click.option(
        "--escrow",
        multiple=True,
        metavar="PUB",
        help="Seal each hidden face's original pixels to this public key (escrow.pub from veil keygen; "
        "repeatable) in OUTPUT.escrow, for `veil reveal`. Whoever holds the private key can undo the hiding.",
    ),
]

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
    help="Write every face (per frame for video, with track ids) and what was applied as JSON.",
)
@apply_all(filter_options)
@apply_all(encoder_options)
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
    filter_name: str,
    image: Path | None,
    no_audio: bool,
    camera: int | None,
    stream_url: str | None,
    preview: bool | None,
    quiet_skips: bool,
    **settings: Any,
) -> None:
    """Anonymise photos and videos: files or folders (recursive). Inputs are never modified."""
    live = camera is not None or stream_url is not None
    if live and paths:
        raise click.UsageError("give either paths or --camera/--stream, not both")
    if not live and not paths:
        raise click.UsageError("give at least one photo, video or folder (or --camera / --stream)")
    if live and settings.get("escrow"):
        raise click.UsageError("--escrow seals files, not live streams")
    image_path = str(image) if image else None
    anonymizer = build_anonymizer(
        debug, quiet, filter=filter_name, image=image_path, audio=not no_audio, **settings
    )
    if live:
        run_live(anonymizer, camera if camera is not None else str(stream_url), output, preview, debug)
        return
    result = run_batch(
        *plan_jobs(list(paths), output),
        lambda job, on_frame: anonymizer.process_file(job.source, job.output, on_frame),
        quiet,
        debug,
        quiet_skips,
    )
    if report is not None:
        document = build_report(result.records, result.errors, anonymizer.to_json(), result.skipped)
        save_json(report, document, debug)
    finish(result, quiet)

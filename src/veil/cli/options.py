"""Options shared by several commands, each group attached only where it does something."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from veil.association import TRACKERS
from veil.detection import DEFAULT_DETECT_SCALE, DEFAULT_DETECTOR, PROFILE_NAMES, detector_names
from veil.detection.onnx_session import DEVICES
from veil.errors import VeilError
from veil.filters import (
    FILTER_NAMES,
    MASK_SHAPES,
    SELF_CONTAINED_FILTERS,
    Filter,
    default_mask_scale,
    make_filter,
)
from veil.media.video_writer import X264_PRESETS
from veil.memory import parse_size
from veil.settings import (
    DEFAULT_VIDEO_DETECT_SCALE,
    GROUP_OF,
    DetectionSettings,
    EncoderSettings,
    HidingSettings,
    KnownSettings,
    OutputSettings,
    Settings,
    VideoSettings,
)
from veil.tracking import TRACKING_MODES

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

EVAL_FILTERS = SELF_CONTAINED_FILTERS
"""The filters `veil eval` compares (and `identify --filter` accepts): every one that needs no picture."""


def apply_all(options: Sequence[Decorator]) -> Decorator:
    """One decorator adding ``options`` in the order listed (as ``--help`` shows them)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


detection_options = apply_all(
    [
        click.option(
            "--profile",
            type=click.Choice(PROFILE_NAMES),
            default=DetectionSettings.profile,
            show_default=True,
            help="Detection recipe: 'fast' (one pass, at most 1024 px), 'balanced' (photos: 1x and 2.5x "
            "fused; video: a cheap scan, an upscaled sweep a tile per frame, and zoom on tracked "
            "faces), 'thorough' (the most faces, several times slower); see benchmarks/results.",
        ),
        click.option(
            "--device",
            type=click.Choice(DEVICES),
            default=DetectionSettings.device,
            show_default=True,
            help="Where ONNX models run: 'auto' takes CUDA, ROCm, DirectML, CoreML or OpenVINO when "
            "this onnxruntime build has it, else the CPU (one line says which).",
        ),
        click.option(
            "--detector",
            default=None,
            help=f"Run this one detector instead of the profile: {', '.join(detector_names())}.",
        ),
        click.option(
            "--threshold",
            type=click.FloatRange(0, 1),
            default=None,
            help="Score cut-off in [0, 1]: a fused probability for profiles, the detector's own score "
            "with --detector (default: the benchmarked value).",
        ),
        click.option(
            "--detect-scale",
            type=click.FloatRange(min=0.05, max=8),
            default=None,
            help=f"With --detector (alone it means --detector {DEFAULT_DETECTOR}): run it on the frame "
            f"resized by this factor; 2 finds smaller faces (upscaling stops at 4096 px). "
            f"Default: {DEFAULT_DETECT_SCALE:g} for photos, {DEFAULT_VIDEO_DETECT_SCALE:g} for video.",
        ),
        click.option(
            "--max-pixels",
            type=click.IntRange(min=1),
            default=DetectionSettings.max_pixels,
            show_default=True,
            help="Refuse images (and video frames) with more pixels than this.",
        ),
    ]
)
"""What finds faces: every command that detects."""

video_options = apply_all(
    [
        click.option(
            "--memory",
            type=click.IntRange(min=0, max=1000),
            default=VideoSettings.memory,
            show_default=True,
            help="Video: cover a face this many frames before and after it was detected, "
            "and across gaps this long.",
        ),
        click.option(
            "--detect-every",
            type=click.IntRange(min=1),
            default=VideoSettings.detect_every,
            show_default=True,
            help="Video: run the detector on every n-th frame only; tracks cover the frames between "
            "(faster, slightly less safe).",
        ),
        click.option(
            "--tracking",
            type=click.Choice(TRACKING_MODES),
            default=VideoSettings.tracking,
            show_default=True,
            help="Video: 'both' fills gaps and extends tracks both ways; 'forward' only carries "
            "the last box forward; 'off' trusts every frame's detector alone.",
        ),
        click.option(
            "--tracker",
            type=click.Choice(TRACKERS),
            default=VideoSettings.tracker,
            show_default=True,
            help="Video: what links detections into tracks: 'ocsort' (OC-SORT, the tracking extra), "
            "'iou' (veil's own), 'auto' (OC-SORT where installed, but for `fast` and single detectors).",
        ),
        click.option(
            "--scene-cuts/--no-scene-cuts",
            default=VideoSettings.scene_cuts,
            show_default=True,
            help="Video: end every track where the video cuts to another shot, so no mask is "
            "carried across the cut.",
        ),
        click.option(
            "--max-memory",
            callback=lambda ctx, param, value: None if value is None else _size(value),
            metavar="SIZE",
            help="Video: refuse, before decoding, a video whose frames in flight (--memory look-ahead, "
            "encoder) would need more memory than this, e.g. 8G (default: half this machine's RAM).",
        ),
        click.option(
            "--allow-partial",
            is_flag=True,
            default=VideoSettings.allow_partial,
            help="Video: when a file is truncated or corrupt part way, write the frames that decode "
            "as NAME_partial.EXT with a warning (default: an error, and no output).",
        ),
    ]
)
"""Temporal coverage: the commands that take videos (anonymise, detect)."""

known_face_options = apply_all(
    [
        click.option(
            "--keep",
            type=click.Path(exists=True, dir_okay=False, path_type=str),
            help="Gallery file: leave its people visible, hide everyone else.",
        ),
        click.option(
            "--only",
            type=click.Path(exists=True, dir_okay=False, path_type=str),
            help="Gallery file: hide only its people (and faces too small to tell).",
        ),
        click.option(
            "--match-threshold",
            type=click.FloatRange(0, 2),
            default=KnownSettings.match_threshold,
            show_default=True,
            help="Embedding distance at or below which a face is a gallery member.",
        ),
    ]
)
"""--keep / --only GALLERY: the commands that decide which faces to hide."""

quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
debug_option = click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
output_options = apply_all([quiet_option, debug_option])
quiet_skips_option = click.option(
    "--quiet-skips",
    is_flag=True,
    help="Count the files a folder scan skips (not images or videos) instead of listing each.",
)

strength_option = click.option(
    "--strength",
    type=click.FloatRange(min=0.05, max=10),
    default=HidingSettings.strength,
    show_default=True,
    help="Blur / mosaic strength; scales with each face's size (for landmark-blur: its heavy blur; "
    "for face: the blur around the drawn face).",
)

gallery_option = click.option(
    "--gallery",
    "gallery_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The gallery file (created by the first `add`).",
)


filter_options = apply_all(
    [
        click.option(
            "--filter", type=click.Choice(FILTER_NAMES), default=HidingSettings.filter, show_default=True
        ),
        click.option(
            "--mask",
            type=click.Choice(MASK_SHAPES),
            default=HidingSettings.mask,
            show_default=True,
            help="Mask shape.",
        ),
        click.option(
            "--mask-scale",
            type=click.FloatRange(min=0.5, max=4),
            help="Grow each face box by this factor (covers hair line, ears, chin). Default: "
            f"{default_mask_scale('pixelate'):g}, and {default_mask_scale('face'):g} for --filter face.",
        ),
        click.option(
            "--feather",
            type=click.FloatRange(0, 1),
            default=HidingSettings.feather,
            show_default=True,
            help="Soft edge width as a fraction of the face size (0: hard edge).",
        ),
        strength_option,
        click.option(
            "--feature-strength",
            type=click.FloatRange(min=0.05, max=10),
            default=HidingSettings.feature_strength,
            show_default=True,
            help="landmark-blur: blur around the eyes, nose and mouth (lower keeps landmarks sharper).",
        ),
        click.option(
            "--color",
            "colour",
            default=HidingSettings.colour,
            show_default=True,
            help="Colour for --filter solid.",
        ),
        click.option(
            "--image",
            type=click.Path(exists=True, dir_okay=False, path_type=str),
            help="Picture for --filter image.",
        ),
        click.option(
            "--keep-metadata",
            is_flag=True,
            default=OutputSettings.keep_metadata,
            help="Keep EXIF/GPS/XMP (stripped by default; ICC is always kept).",
        ),
    ]
)
"""How faces are hidden: the commands that write anonymised files."""

encoder_options = apply_all(
    [
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
        click.option(
            "--no-audio",
            "audio",
            flag_value=False,
            default=True,
            help="Drop audio (kept and copied by default).",
        ),
        click.option(
            "--escrow",
            multiple=True,
            metavar="PUB",
            help="Seal each hidden face's original pixels to this public key (escrow.pub from veil keygen; "
            "repeatable) in OUTPUT.escrow, for `veil reveal`. Whoever holds the private key can undo the "
            "hiding.",
        ),
    ]
)
"""How videos are written (and sealed): the commands that write anonymised files."""


def settings_from_flags(params: dict[str, Any]) -> Settings:
    """The `Settings` a command's parsed flags ask for; the flags are taken out of ``params``.

    Every command that anonymises (``veil``, ``veil batch``, ``veil review``) builds its settings
    here. ``--escrow`` keys are read now, so a bad key fails before any file is touched.

    Raises:
        click.UsageError: settings that do not fit together, or an unreadable key.
    """
    flags = {key: params.pop(key) for key in list(params) if key in GROUP_OF}
    try:
        settings = Settings(**flags)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if settings.output.escrow:
        from veil.escrow.seal import recipients_of

        try:
            recipients_of(settings.output.escrow)
        except VeilError as exc:
            raise click.UsageError(f"--escrow {exc.path}: {exc.reason}") from None
    return settings


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def eval_filters(names: tuple[str, ...], strength: float) -> dict[str, Filter]:
    """The filters named (all of `EVAL_FILTERS` when none are) at ``strength``, by name."""
    return {name: make_filter(name, strength=strength) for name in names or EVAL_FILTERS}

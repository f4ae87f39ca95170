"""Options shared by several commands, each group attached only where it does something."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from veil.detection import (
    DEFAULT_DETECT_SCALE,
    DEFAULT_DETECTOR,
    DEFAULT_PROFILE,
    PROFILE_NAMES,
    detector_names,
)
from veil.detection.onnx_session import DEVICES
from veil.filters import Filter, make_filter
from veil.media.images import DEFAULT_MAX_PIXELS
from veil.memory import parse_size
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD
from veil.settings import DEFAULT_VIDEO_DETECT_SCALE
from veil.tracking import DEFAULT_MEMORY, TRACKING_MODES

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

EVAL_FILTERS = ("pixelate", "blur", "solid", "landmark-blur", "face")
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
            default=DEFAULT_PROFILE,
            show_default=True,
            help="Detection recipe: 'fast' (one pass, at most 1024 px), 'balanced' (photos: 1x and 2.5x "
            "fused; video: a cheap scan, an upscaled sweep a tile per frame, and zoom on tracked "
            "faces), 'thorough' (the most faces, several times slower); see benchmarks/results.",
        ),
        click.option(
            "--device",
            type=click.Choice(DEVICES),
            default="auto",
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
            default=DEFAULT_MAX_PIXELS,
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
            default=DEFAULT_MEMORY,
            show_default=True,
            help="Video: cover a face this many frames before and after it was detected, "
            "and across gaps this long.",
        ),
        click.option(
            "--detect-every",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Video: run the detector on every n-th frame only; tracks cover the frames between "
            "(faster, slightly less safe).",
        ),
        click.option(
            "--tracking",
            type=click.Choice(TRACKING_MODES),
            default="both",
            show_default=True,
            help="Video: 'both' fills gaps and extends tracks both ways; 'forward' only carries "
            "the last box forward; 'off' trusts every frame's detector alone.",
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
            type=click.Path(exists=True, dir_okay=False),
            help="Gallery file: leave its people visible, hide everyone else.",
        ),
        click.option(
            "--only",
            type=click.Path(exists=True, dir_okay=False),
            help="Gallery file: hide only its people (and faces too small to tell).",
        ),
        click.option(
            "--match-threshold",
            type=click.FloatRange(0, 2),
            default=DEFAULT_MATCH_THRESHOLD,
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
    default=1.0,
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


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def eval_filters(names: tuple[str, ...], strength: float) -> dict[str, Filter]:
    """The filters named (all of `EVAL_FILTERS` when none are) at ``strength``, by name."""
    return {name: make_filter(name, strength=strength) for name in names or EVAL_FILTERS}

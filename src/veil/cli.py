"""The ``veil`` command line: parses flags, calls the API, prints one line per problem.

``veil PATH...`` anonymises photos and videos (the default command); ``veil detect
PATH... --json FILE`` only detects; ``veil --camera 0`` anonymises live input.
Exit status: 0 all good, 1 some file failed, 2 bad usage.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from veil import __version__
from veil.detection import (
    DEFAULT_DETECT_SCALE,
    DEFAULT_DETECTOR,
    DetectorUnavailable,
    detector_names,
)
from veil.detection.profiles import DEFAULT_PROFILE, PROFILE_NAMES
from veil.errors import VeilError
from veil.filters import DEFAULT_FILTER, FILTER_NAMES, MASK_SHAPES, make_filter
from veil.media import EncoderSettings, Job, Skipped, is_video, plan_jobs
from veil.media.images import DEFAULT_MAX_PIXELS
from veil.media.video import X264_PRESETS
from veil.pipeline import DEFAULT_VIDEO_DETECT_SCALE, Anonymizer, Settings
from veil.recognition.identify import METHODS
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD
from veil.report import FileRecord, build_report, write_json
from veil.tracking import DEFAULT_MEMORY, TRACKING_MODES

EVAL_FILTERS = ("pixelate", "blur", "solid", "landmark-blur", "face")


class DefaultCommandGroup(click.Group):
    """A group whose first argument may be a path: ``veil photo.jpg`` means ``veil anonymize photo.jpg``."""

    default_command = "anonymize"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        elif not args:
            args = ["--help"]
        return super().parse_args(ctx, args)


def known_face_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--keep / --only GALLERY and the match threshold."""
    gallery = click.Path(exists=True, dir_okay=False)
    options = [
        click.option(
            "--keep", type=gallery, help="Gallery file: leave its people visible, hide everyone else."
        ),
        click.option(
            "--only", type=gallery, help="Gallery file: hide only its people (and faces too small to tell)."
        ),
        click.option(
            "--match-threshold",
            type=click.FloatRange(0, 2),
            default=DEFAULT_MATCH_THRESHOLD,
            show_default=True,
            help="Embedding distance at or below which a face is a gallery member.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def detector_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Flags shared by every command that detects."""
    options = [
        click.option(
            "--profile",
            type=click.Choice(PROFILE_NAMES),
            default=DEFAULT_PROFILE,
            show_default=True,
            help="Detection recipe: 'fast' (one pass, at most 1024 px), 'balanced' (photos: 1x and 2.5x "
            "fused; video: 1x + tracking), 'thorough' (four passes fused); see benchmarks/results.",
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
            "--max-pixels",
            type=click.IntRange(min=1),
            default=DEFAULT_MAX_PIXELS,
            show_default=True,
            help="Refuse images (and video frames) with more pixels than this.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary."),
        click.option("--debug", is_flag=True, help="Show tracebacks for errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="veil")
def main() -> None:
    """Anonymise faces in photos and videos.

    \b
      veil photo.jpg                  writes photo_anonymized.jpg
      veil clip.mov                   writes clip_anonymized.mp4 (audio kept)
      veil media/ -o out/             every photo and video under media/, tree recreated in out/
      veil --camera 0                 live preview of the webcam, anonymised
      veil detect photos/ --json faces.json
      veil eval detect --dataset wider/        AP, recall, precision on your own ground truth
    """


@main.command("anonymize")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Output folder (or file, for one input)."
)
@click.option(
    "--filter", "filter_name", type=click.Choice(FILTER_NAMES), default=DEFAULT_FILTER, show_default=True
)
@click.option(
    "--mask", type=click.Choice(MASK_SHAPES), default="ellipse", show_default=True, help="Mask shape."
)
@click.option(
    "--mask-scale",
    type=click.FloatRange(min=0.5, max=4),
    help="Grow each face box by this factor (covers hair line, ears, chin). "
    "Default: 1.3, and 1.6 for --filter face.",
)
@click.option(
    "--feather",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Soft edge width as a fraction of the face size (0: hard edge).",
)
@click.option(
    "--strength",
    type=click.FloatRange(min=0.05, max=10),
    default=1.0,
    show_default=True,
    help="Blur / mosaic strength; scales with each face's size (for landmark-blur: its heavy blur; "
    "for face: the blur around the drawn face).",
)
@click.option(
    "--feature-strength",
    type=click.FloatRange(min=0.05, max=10),
    default=1.0,
    show_default=True,
    help="landmark-blur: blur around the eyes, nose and mouth (lower keeps landmarks sharper).",
)
@click.option("--color", "colour", default="black", show_default=True, help="Colour for --filter solid.")
@click.option(
    "--image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Picture for --filter image.",
)
@click.option(
    "--keep-metadata", is_flag=True, help="Keep EXIF/GPS/XMP (stripped by default; ICC is always kept)."
)
@click.option(
    "--report",
    type=click.Path(path_type=Path),
    help="Write every face (per frame for video, with track ids) and what was applied as JSON.",
)
@click.option("--codec", default=None, help="Video encoder (default: libx264; libvpx-vp9 for .webm).")
@click.option(
    "--crf",
    type=click.IntRange(0, 51),
    default=EncoderSettings.crf,
    show_default=True,
    help="Video quality: lower is better and bigger.",
)
@click.option(
    "--preset",
    type=click.Choice(X264_PRESETS),
    default=EncoderSettings.preset,
    show_default=True,
    help="x264/x265 speed preset: slower gives smaller files.",
)
@click.option("--pix-fmt", default=None, help="Video pixel format (default yuv420p; yuv444p for odd sizes).")
@click.option("--no-audio", "no_audio", is_flag=True, help="Drop audio (kept and copied by default).")
@click.option("--camera", type=int, default=None, help="Anonymise a live camera (device index) instead.")
@click.option(
    "--stream", "stream_url", default=None, help="Anonymise a live stream URL (rtsp://, http://...)."
)
@click.option(
    "--preview/--no-preview", default=None, help="Live: show a window (default: when a display exists)."
)
@known_face_options
@detector_options
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
    **settings: Any,
) -> None:
    """Anonymise photos and videos: files or folders (recursive). Inputs are never modified."""
    live = camera is not None or stream_url is not None
    if live and paths:
        raise click.UsageError("give either paths or --camera/--stream, not both")
    if not live and not paths:
        raise click.UsageError("give at least one photo, video or folder (or --camera / --stream)")
    chosen = Settings(filter=filter_name, image=str(image) if image else None, audio=not no_audio, **settings)
    anonymizer = build_anonymizer(chosen, debug)
    if live:
        run_live(anonymizer, camera if camera is not None else str(stream_url), output, preview, debug)
        return
    records, errors = run_batch(
        *plan_jobs(list(paths), output),
        lambda job, on_frame: anonymizer.process_file(job.source, job.output, on_frame),
        quiet,
        debug,
    )
    if report is not None:
        save_json(report, build_report(records, errors, chosen.to_json()))
    finish(records, errors, quiet)


@main.command("detect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--json", "json_path", type=click.Path(path_type=Path), required=True, help="Where to write detections."
)
@known_face_options
@detector_options
def detect_command(
    paths: tuple[Path, ...], json_path: Path, quiet: bool, debug: bool, **settings: Any
) -> None:
    """Detect faces only and write them as JSON (schema: veil/schema/detections.schema.json)."""
    anonymizer = build_anonymizer(Settings(**settings), debug)
    records, errors = run_batch(
        *plan_jobs(list(paths), None),
        lambda job, on_frame: anonymizer.detect_file(job.source, on_frame),
        quiet,
        debug,
    )
    save_json(json_path, build_report(records, errors))
    finish(records, errors, quiet)


@main.group("gallery")
def gallery_group() -> None:
    """Manage a gallery of known people (embeddings and names; no face pictures are stored)."""


GALLERY_OPTION = click.option(
    "--gallery",
    "gallery_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The gallery file (created by the first `add`).",
)


def open_gallery(path: Path, missing_ok: bool = False) -> Any:
    """The gallery at ``path`` (a new one if ``missing_ok`` and absent); a bad file is a usage error."""
    from veil.recognition.gallery import Gallery

    try:
        return Gallery.open(path) if missing_ok else Gallery.load(path)
    except VeilError as exc:
        raise click.UsageError(str(exc)) from None


@gallery_group.command("add")
@click.argument("name")
@click.argument("photos", nargs=-1, required=True, type=click.Path(path_type=Path))
@GALLERY_OPTION
@click.option(
    "--with-crops", is_flag=True, help="Also store a 64 px face crop (needed by identify's pca-knn)."
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def gallery_add_command(
    name: str, photos: tuple[Path, ...], gallery_path: Path, with_crops: bool, debug: bool
) -> None:
    """Enrol NAME from photos that each show only that person's face."""
    from veil.recognition.embedding import FaceEmbedder

    gallery = open_gallery(gallery_path, missing_ok=True)
    try:
        detector, embedder = build_anonymizer(Settings(), debug).detector, FaceEmbedder()
    except VeilError as exc:
        raise click.UsageError(str(exc)) from None
    failed = 0
    for photo in photos:
        try:
            gallery.add(name, photo, detector, embedder, with_crops)
            click.echo(f"added {photo} as {name}")
        except VeilError as exc:
            report_error(photo, str(exc).removeprefix(f"{photo}: "))
            failed += 1
    if failed < len(photos):
        gallery.save(gallery_path)
    sys.exit(1 if failed else 0)


@gallery_group.command("list")
@GALLERY_OPTION
def gallery_list_command(gallery_path: Path) -> None:
    """The people in the gallery and how many photos each."""

    names = open_gallery(gallery_path).names
    for name, count in sorted(names.items()):
        click.echo(f"{name}\t{count} photo{'s' if count > 1 else ''}")


@gallery_group.command("remove")
@click.argument("name")
@GALLERY_OPTION
def gallery_remove_command(name: str, gallery_path: Path) -> None:
    """Forget every photo of NAME."""

    gallery = open_gallery(gallery_path)
    removed = gallery.remove(name)
    if not removed:
        raise click.UsageError(f"{name!r} is not in {gallery_path}")
    gallery.save(gallery_path)
    click.echo(f"removed {name} ({removed} photo{'s' if removed > 1 else ''})")


@main.command("identify")
@click.argument(
    "gallery_path", metavar="GALLERY", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--method", type=click.Choice(METHODS), default="embedding", show_default=True)
@click.option(
    "--top", type=click.IntRange(min=1), default=3, show_default=True, help="Candidates listed per face."
)
@click.option(
    "--filter",
    "filter_name",
    type=click.Choice(EVAL_FILTERS),
    default=None,
    help="pca-knn: the filter the images went through (applied to the gallery crops first).",
)
@click.option("--strength", type=click.FloatRange(min=0.05, max=10), default=1.0, show_default=True)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write the rankings as JSON.")
@detector_options
def identify_command(
    gallery_path: Path,
    images: tuple[Path, ...],
    method: str,
    top: int,
    filter_name: str | None,
    strength: float,
    json_path: Path | None,
    quiet: bool,
    debug: bool,
    **settings: Any,
) -> None:
    """Rank GALLERY's people for every face in IMAGES (clear or anonymised), nearest first."""
    from veil.media.images import read_photo
    from veil.recognition.identify import identify

    gallery = open_gallery(gallery_path)
    detector = build_anonymizer(Settings(**settings), debug).detector
    face_filter = eval_filters((filter_name,), strength)[filter_name] if filter_name else None
    results, failed = [], 0
    for path in images:
        try:
            pixels = read_photo(path).pixels
            faces = detector.detect(pixels)
            rankings = identify(pixels, faces, gallery, method, face_filter)  # type: ignore[arg-type]
        except VeilError as exc:
            report_error(path, str(exc))
            failed += 1
            continue
        for box, ranking in zip(faces.xyxy, rankings, strict=True):
            shown = ", ".join(f"{name} {distance:.3f}" for name, distance in ranking[:top])
            click.echo(f"{path} [{', '.join(str(round(float(v))) for v in box)}]: {shown}")
            results.append({"path": str(path), "box": [float(v) for v in box], "ranking": ranking[:top]})
        if not len(faces) and not quiet:
            click.echo(f"{path}: no face found")
    if json_path is not None:
        save_json(json_path, {"method": method, "faces": results})
    sys.exit(1 if failed else 0)


@main.group("eval")
def eval_group() -> None:
    """Measure detection, privacy and utility on your own data (tables as in benchmarks/)."""


def eval_output(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--out",
        type=click.Path(path_type=Path),
        help="Also write the result: .json (everything) or .md (the tables).",
    )(func)


def eval_filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--filter`` (repeatable) and ``--strength`` for the evaluations that compare filters."""
    func = click.option(
        "--strength", type=click.FloatRange(min=0.05, max=10), default=1.0, show_default=True
    )(func)
    return click.option(
        "--filter",
        "filter_names",
        multiple=True,
        type=click.Choice(FILTER_NAMES),
        help=f"Filters to measure (repeatable; default: {', '.join(EVAL_FILTERS)}).",
    )(func)


def eval_filters(names: tuple[str, ...], strength: float) -> dict[str, Any]:
    return {name: make_filter(name, strength=strength) for name in names or EVAL_FILTERS}


@eval_group.command("detect")
@click.option(
    "--dataset",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="WIDER txt folder (+ .mat subsets), VOC folder, COCO json, or a gt.json / faces.json folder.",
)
@click.option(
    "--detections",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Score this `veil detect --json` file (any tool's, same schema) instead of running a detector.",
)
@click.option("--plot", type=click.Path(path_type=Path), help="Write the precision-recall curves as PNG.")
@click.option(
    "--misses",
    type=click.Path(file_okay=False, path_type=Path),
    help="Save a crop of every missed face here (plus sheet.png and misses.json with miss rates by kind).",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N images.")
@eval_output
@detector_options
def eval_detect_command(
    dataset: Path,
    detections: Path | None,
    plot: Path | None,
    misses: Path | None,
    limit: int | None,
    out: Path | None,
    quiet: bool,
    debug: bool,
    **settings: Any,
) -> None:
    """Detection AP, recall, precision, false positives and recall by face size."""
    from veil.evaluation.detection import evaluate_detection, plot_curves
    from veil.evaluation.tables import detection_tables

    chosen = Settings(**settings)
    detector = None if detections is not None else build_anonymizer(chosen, debug).detector
    threshold = chosen.threshold
    if threshold is None:
        threshold = 0.0 if detections is not None else detector.threshold  # type: ignore[union-attr]
    with progress(0, quiet, frames=True) as (_, on_frame):
        counter = item_counter(on_frame)
        result = run_eval(
            debug,
            lambda: evaluate_detection(dataset, threshold, detector, detections, limit, counter, misses),
        )
    if result["ms_per_image"] is not None:
        result["detector"] = chosen.to_json()
    show(detection_tables(result), out, result, "Detection")
    if plot is not None:
        try:
            plot_curves(result, plot)
        except OSError as exc:
            report_error(plot, str(exc))
            sys.exit(1)
    if not quiet and result["ms_per_image"] is not None:
        click.echo(f"{result['ms_per_image']:.1f} ms per image (median)", err=True)


@eval_group.command("privacy")
@click.option(
    "--identities",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Photos of people: identities.csv (file,identity) or one sub-folder per person.",
)
@eval_filter_options
@eval_output
@detector_options
def eval_privacy_command(
    identities: Path,
    filter_names: tuple[str, ...],
    strength: float,
    out: Path | None,
    quiet: bool,
    debug: bool,
    **settings: Any,
) -> None:
    """Re-identification after anonymisation: naive, parrot and PCA+KNN attackers, against chance."""
    from veil.evaluation.privacy import FaceEmbedder, evaluate_privacy, load_subjects
    from veil.evaluation.tables import privacy_tables

    anonymizer = build_anonymizer(Settings(**settings), debug)
    filters: dict[str, Any] = {"none (clean photo)": None, **eval_filters(filter_names, strength)}
    with progress(0, quiet, frames=True) as (_, on_frame):
        counter = item_counter(on_frame)

        def work() -> dict[str, Any]:
            subjects = load_subjects(identities, anonymizer.detector, counter(0))
            return evaluate_privacy(subjects, filters, FaceEmbedder(), counter(len(filters)))

        result = run_eval(debug, work)
    show(privacy_tables(result), out, result, "Privacy")


@eval_group.command("utility")
@click.option(
    "--dataset",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Face ground truth, in any format `veil eval detect` reads.",
)
@eval_filter_options
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N images.")
@eval_output
@detector_options
def eval_utility_command(
    dataset: Path,
    filter_names: tuple[str, ...],
    strength: float,
    limit: int | None,
    out: Path | None,
    quiet: bool,
    debug: bool,
    **settings: Any,
) -> None:
    """Is the anonymised face still detected, and how far do its landmarks move?"""
    from veil.evaluation.datasets import load_detection_dataset
    from veil.evaluation.tables import utility_tables
    from veil.evaluation.utility import evaluate_utility

    anonymizer = build_anonymizer(Settings(**settings), debug)
    filters = eval_filters(filter_names, strength)
    with progress(0, quiet, frames=True) as (_, on_frame):
        counter = item_counter(on_frame)

        def work() -> dict[str, Any]:
            items = load_detection_dataset(dataset)[0]
            items = items[:limit] if limit else items
            return evaluate_utility(items, filters, anonymizer.detector, counter(len(items)))

        result = run_eval(debug, work)
    show(utility_tables(result), out, result, "Utility")


def item_counter(on_frame: FrameProgress) -> Callable[[int], Callable[[], None]]:
    """``counter(total)`` gives a ``tick()`` that advances the progress bar towards ``total``."""

    def counter(total: int) -> Callable[[], None]:
        done = [0]

        def tick() -> None:
            done[0] += 1
            on_frame(done[0], total or None)

        return tick

    return counter


def run_eval(debug: bool, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an evaluation; a data or setup problem is one line and exit status 1."""
    try:
        return work()
    except (VeilError, FileNotFoundError, ImportError, ValueError) as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {getattr(exc, 'reason', None) or exc}", err=True)
        sys.exit(1)


def show(tables: list[Any], out: Path | None, result: dict[str, Any], title: str) -> None:
    """Print the tables (they are the command's output, so also with -q) and save ``--out``."""
    from veil.evaluation.tables import markdown, save

    click.echo(markdown(tables))
    if out is not None:
        try:
            save(out, result, tables, title)
        except VeilError as exc:
            report_error(out, getattr(exc, "reason", str(exc)))
            sys.exit(1)


def build_anonymizer(settings: Settings, debug: bool) -> Anonymizer:
    try:
        return Anonymizer(settings)
    except (ValueError, DetectorUnavailable, VeilError) as exc:
        if debug:
            traceback.print_exc()
        raise click.UsageError(str(exc)) from None


def run_batch(
    jobs: list[Job],
    skipped: list[Skipped],
    work: Callable[[Job, FrameProgress], FileRecord],
    quiet: bool,
    debug: bool,
) -> tuple[list[FileRecord], list[tuple[Path, str]]]:
    """Run ``work`` on every job; a failure is reported and the batch goes on.

    ``work`` gets a callback for per-frame progress (videos).
    """
    errors: list[tuple[Path, str]] = []
    for item in skipped:
        report_error(item.path, item.reason)
        errors.append((item.path, item.reason))
    records: list[FileRecord] = []
    started = time.perf_counter()
    show_frames = any(is_video(job.source) for job in jobs)
    with progress(len(jobs), quiet, show_frames) as (advance, on_frame):
        for job in jobs:
            try:
                records.append(work(job, on_frame))
            except VeilError as exc:
                reason = getattr(exc, "reason", str(exc))
                report_error(job.source, reason)
                errors.append((job.source, reason))
            except Exception as exc:  # one bad file must not stop the batch
                if debug:
                    traceback.print_exc()
                reason = f"unexpected error: {type(exc).__name__}: {exc}"
                report_error(job.source, reason)
                errors.append((job.source, reason))
            advance()
    main_elapsed[0] = time.perf_counter() - started
    return records, errors


main_elapsed = [0.0]  # seconds spent in the last batch, for the summary line


FrameProgress = Callable[[int, int | None], None]


@contextmanager
def progress(
    total: int, quiet: bool, frames: bool = False
) -> Iterator[tuple[Callable[[], None], FrameProgress]]:
    """Progress bars on stderr: files for batches, frames for videos (silent with -q).

    Yields ``advance()`` (one more file done) and ``on_frame(done, total)``.
    """
    if quiet or (total < 2 and not frames):
        yield (lambda: None), (lambda done, total: None)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("veil"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        console=stderr_console(),
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


def stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def report_error(path: Path, reason: str) -> None:
    click.echo(f"error: {path}: {reason}", err=True)


def save_json(path: Path, data: dict[str, Any]) -> None:
    try:
        write_json(path, data)
    except VeilError as exc:
        report_error(path, getattr(exc, "reason", str(exc)))
        sys.exit(1)


def finish(records: list[FileRecord], errors: list[tuple[Path, str]], quiet: bool) -> None:
    """Print the one-line summary and exit non-zero if anything failed."""
    if not quiet:
        faces = sum(record.face_count for record in records)
        failed = f", {len(errors)} failed" if errors else ""
        click.echo(
            f"veil: {len(records)} file{'s' * (len(records) != 1)}, {faces} face{'s' * (faces != 1)}"
            f"{failed}, {main_elapsed[0]:.1f} s",
            err=True,
        )
    if errors:
        sys.exit(1)


def run_live(
    anonymizer: Anonymizer, source: int | str, output: Path | None, preview: bool | None, debug: bool
) -> None:
    """Anonymise a camera or stream until it ends or the user presses q / Ctrl-C."""
    from veil.live import has_display, run_live_source

    show = has_display() if preview is None else preview
    if output is None and not show:
        raise click.UsageError("live input needs -o FILE or a display for --preview")
    click.echo("veil: live; press q in the preview window or Ctrl-C to stop", err=True)
    try:
        frames = run_live_source(anonymizer, source, output, show)
    except VeilError as exc:
        if debug:
            traceback.print_exc()
        report_error(Path(str(source)), getattr(exc, "reason", str(exc)))
        sys.exit(1)
    click.echo(f"veil: live stopped after {frames} frames", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()

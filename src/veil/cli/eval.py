"""``veil eval detect|privacy|utility``: the benchmark tables, measured on the user's own data."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from veil.cli.options import EVAL_FILTERS, detection_options, eval_filters, output_options, strength_option
from veil.cli.runner import build_anonymizer, item_counter, progress, report_failure
from veil.errors import VeilError
from veil.filters import FILTER_NAMES, Filter

EXPECTED = (VeilError, FileNotFoundError, ImportError, ValueError)
"""Data and setup problems an evaluation reports as one line."""

out_option = click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Also write the result: .json (everything) or .md (the tables).",
)
filter_choice_option = click.option(
    "--filter",
    "filter_names",
    multiple=True,
    type=click.Choice(FILTER_NAMES),
    help=f"Filters to measure (repeatable; default: {', '.join(EVAL_FILTERS)}).",
)


@click.group("eval")
def eval_group() -> None:
    """Measure detection, privacy and utility on your own data (tables as in benchmarks/)."""


def run_eval(debug: bool, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run an evaluation; a data or setup problem is one line and exit status 1."""
    try:
        return work()
    except EXPECTED as exc:
        report_failure(None, exc, debug, EXPECTED)
        sys.exit(1)


def show(tables: list[Any], out: Path | None, result: dict[str, Any], title: str, debug: bool) -> None:
    """Print the tables (they are the command's output, so also with -q) and save ``--out``."""
    from veil.evaluation.tables import markdown, save

    click.echo(markdown(tables))
    if out is not None:
        try:
            save(out, result, tables, title)
        except VeilError as exc:
            report_failure(out, exc, debug)
            sys.exit(1)


dataset_option = click.option(
    "--dataset",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Face ground truth: WIDER txt folder (+ .mat subsets), VOC folder, COCO json, "
    "or a gt.json / faces.json folder.",
)


@eval_group.command("detect")
@dataset_option
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
@out_option
@detection_options
@output_options
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

    anonymizer = None if detections is not None else build_anonymizer(debug, **settings)
    detector = None if anonymizer is None else anonymizer.detector
    threshold = settings["threshold"]
    if threshold is None:
        threshold = 0.0 if detector is None else detector.threshold
    with progress(0, quiet, frames=True) as (_, on_frame):
        counter = item_counter(on_frame)
        result = run_eval(
            debug,
            lambda: evaluate_detection(dataset, threshold, detector, detections, limit, counter, misses),
        )
    if anonymizer is not None:
        result["detector"] = anonymizer.to_json()
    show(detection_tables(result), out, result, "Detection", debug)
    if plot is not None:
        try:
            plot_curves(result, plot)
        except OSError as exc:
            report_failure(plot, exc, debug, (OSError,))
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
@filter_choice_option
@strength_option
@out_option
@detection_options
@output_options
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

    detector = build_anonymizer(debug, **settings).detector
    filters: dict[str, Filter | None] = {"none (clean photo)": None, **eval_filters(filter_names, strength)}
    with progress(0, quiet, frames=True) as (_, on_frame):
        counter = item_counter(on_frame)

        def work() -> dict[str, Any]:
            subjects = load_subjects(identities, detector, counter(0))
            return evaluate_privacy(subjects, filters, FaceEmbedder(), counter(len(filters)))

        result = run_eval(debug, work)
    show(privacy_tables(result), out, result, "Privacy", debug)


@eval_group.command("utility")
@dataset_option
@filter_choice_option
@strength_option
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N images.")
@out_option
@detection_options
@output_options
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

    detector = build_anonymizer(debug, **settings).detector
    filters = eval_filters(filter_names, strength)
    with progress(0, quiet, frames=True) as (_, on_frame):
        counter = item_counter(on_frame)

        def work() -> dict[str, Any]:
            items = load_detection_dataset(dataset)[0]
            items = items[:limit] if limit else items
            return evaluate_utility(items, filters, detector, counter(len(items)))

        result = run_eval(debug, work)
    show(utility_tables(result), out, result, "Utility", debug)

"""``veil identify GALLERY IMAGES...``: whom in the gallery each (clear or anonymised) face resembles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from veil.cli.gallery import open_gallery
from veil.cli.options import EVAL_FILTERS, detection_options, eval_filters, output_options, strength_option
from veil.cli.runner import build_anonymizer, report_failure, save_json
from veil.errors import VeilError
from veil.recognition.identify import METHODS


@click.command("identify")
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
@strength_option
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write the rankings as JSON.")
@detection_options
@output_options
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
    detector = build_anonymizer(debug, **settings).detector
    face_filter = eval_filters((filter_name,), strength)[filter_name] if filter_name else None
    results, failed = [], 0
    for path in images:
        try:
            pixels = read_photo(path).pixels
            faces = detector.detect(pixels)
            rankings = identify(pixels, faces, gallery, method, face_filter)  # type: ignore[arg-type]
        except VeilError as exc:
            report_failure(path, exc, debug)
            failed += 1
            continue
        for box, ranking in zip(faces.xyxy, rankings, strict=True):
            shown = ", ".join(f"{name} {distance:.3f}" for name, distance in ranking[:top])
            click.echo(f"{path} [{', '.join(str(round(float(v))) for v in box)}]: {shown}")
            results.append({"path": str(path), "box": [float(v) for v in box], "ranking": ranking[:top]})
        if not len(faces) and not quiet:
            click.echo(f"{path}: no face found")
    if json_path is not None:
        save_json(json_path, {"method": method, "faces": results}, debug)
    sys.exit(1 if failed else 0)

"""``veil gallery add|list|remove``: the people to keep visible (or to hide only)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from veil.cli.options import debug_option, gallery_option
from veil.cli.runner import build_anonymizer, report_failure
from veil.errors import VeilError
from veil.recognition.gallery import Gallery


def open_gallery(path: Path, missing_ok: bool = False) -> Gallery:
    """The gallery at ``path`` (a new one if ``missing_ok`` and absent); a bad file is a usage error."""
    try:
        return Gallery.open(path) if missing_ok else Gallery.load(path)
    except VeilError as exc:
        raise click.UsageError(str(exc)) from None


@click.group("gallery")
def gallery_group() -> None:
    """Manage a gallery of known people (embeddings and names; no face pictures are stored)."""


@gallery_group.command("add")
@click.argument("name")
@click.argument("photos", nargs=-1, required=True, type=click.Path(path_type=Path))
@gallery_option
@click.option(
    "--with-crops", is_flag=True, help="Also store a 64 px face crop (needed by identify's pca-knn)."
)
@debug_option
def gallery_add_command(
    name: str, photos: tuple[Path, ...], gallery_path: Path, with_crops: bool, debug: bool
) -> None:
    """Enrol NAME from photos that each show only that person's face."""
    from veil.recognition.embedding import FaceEmbedder

    gallery = open_gallery(gallery_path, missing_ok=True)
    try:
        detector, embedder = build_anonymizer(debug).detector, FaceEmbedder()
    except VeilError as exc:
        raise click.UsageError(str(exc)) from None
    failed = 0
    for photo in photos:
        try:
            gallery.add(name, photo, detector, embedder, with_crops)
            click.echo(f"added {photo} as {name}")
        except VeilError as exc:
            report_failure(photo, exc, debug)
            failed += 1
    if failed < len(photos):
        gallery.save(gallery_path)
    sys.exit(1 if failed else 0)


@gallery_group.command("list")
@gallery_option
def gallery_list_command(gallery_path: Path) -> None:
    """The people in the gallery and how many photos each."""
    names = open_gallery(gallery_path).names
    for name, count in sorted(names.items()):
        click.echo(f"{name}\t{count} photo{'s' if count > 1 else ''}")


@gallery_group.command("remove")
@click.argument("name")
@gallery_option
def gallery_remove_command(name: str, gallery_path: Path) -> None:
    """Forget every photo of NAME."""
    gallery = open_gallery(gallery_path)
    removed = gallery.remove(name)
    if not removed:
        raise click.UsageError(f"{name!r} is not in {gallery_path}")
    gallery.save(gallery_path)
    click.echo(f"removed {name} ({removed} photo{'s' if removed > 1 else ''})")

"""``veil keygen`` and ``veil reveal``: escrow keys, and lawful disclosure of sealed faces."""

from __future__ import annotations

import os
from pathlib import Path

import click

from veil.cli.options import debug_option
from veil.cli.runner import report_failure
from veil.errors import VeilError


def _passphrase(confirm: bool) -> str | None:
    """The passphrase from VEIL_ESCROW_PASSPHRASE, or typed (twice when making a key)."""
    from veil.escrow.keys import PASSPHRASE_ENV

    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    return str(click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True))


@click.command("keygen")
@click.option(
    "--out",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the keys.",
)
@click.option(
    "--passphrase/--no-passphrase",
    default=False,
    help="Protect escrow.key with a passphrase (typed, or from VEIL_ESCROW_PASSPHRASE).",
)
@click.option(
    "--force", is_flag=True, help="Replace existing keys (their sidecars can then never be opened)."
)
@debug_option
def keygen_command(folder: Path, passphrase: bool, force: bool, debug: bool) -> None:
    """Write an escrow key pair: FOLDER/escrow.key (private, mode 0600) and FOLDER/escrow.pub.

    Give escrow.pub to whoever runs `veil --escrow escrow.pub`; keep escrow.key
    offline. Anyone holding it can reveal every face sealed to it.
    """
    from veil.escrow.keys import write_keys

    try:
        key, public = write_keys(folder, _passphrase(confirm=True) if passphrase else None, force)
    except VeilError as exc:
        report_failure(None, exc, debug)
        raise SystemExit(1) from None
    click.echo(
        f"veil: wrote {key} (keep it secret, offline) and {public} (give it to veil --escrow)", err=True
    )


@click.command("reveal")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--key", "key_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="escrow.key"
)
@click.option("-o", "--out", "revealed", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The revealed copy: .png for a photo, .mkv (FFV1, exact) for a video.")  # fmt: skip
@click.option("--face", "faces", multiple=True, help="Reveal only this face id (repeatable; default: all).")
@click.option("--frames", default=None, help="Reveal only in frames A-B (inclusive, 0-based; video).")
@click.option(
    "--audit-log",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where the audit line goes (default: veil-reveal.log in the working folder).",
)
@click.option(
    "--crf", type=click.IntRange(0, 51), default=None, help="Video: H.264 at this quality (not exact)."
)
@click.option("--sidecar", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The sidecar, when it is not OUTPUT.escrow.")  # fmt: skip
@debug_option
def reveal_command(
    output: Path,
    key_path: Path,
    revealed: Path,
    faces: tuple[str, ...],
    frames: str | None,
    audit_log: Path | None,
    crf: int | None,
    sidecar: Path | None,
    debug: bool,
) -> None:
    """Restore the original pixels of sealed faces in OUTPUT (made with veil --escrow) into a new file.

    Every byte of the sidecar is checked, and that OUTPUT is the very file it
    was sealed for, before anything is written; then one audit line (time,
    user, output hash, faces) is appended to the audit log.
    """
    from veil.escrow.keys import is_passphrase_protected, load_identities
    from veil.escrow.reveal import DEFAULT_AUDIT_LOG, Selection, parse_frames, reveal

    try:
        selection = Selection(set(faces) if faces else None, parse_frames(frames) if frames else None)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        passphrase = _passphrase(confirm=False) if is_passphrase_protected(key_path) else None
        identities = load_identities(key_path, passphrase)
        count = reveal(
            output, identities, revealed, selection, audit_log or Path(DEFAULT_AUDIT_LOG), crf, sidecar
        )
    except VeilError as exc:
        report_failure(None, exc, debug)
        raise SystemExit(1) from None
    click.echo(f"veil: {count} sealed regions restored into {revealed}", err=True)

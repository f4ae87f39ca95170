"""The ``veil`` command group; each command lives in its own module.

``veil PATH...`` anonymises photos and videos (the default command); ``veil detect
PATH... --json FILE`` only detects; ``veil --camera 0`` anonymises live input.
Exit status: 0 all good, 1 some file failed, 2 bad usage.
"""

from __future__ import annotations

import click

from veil.cli.anonymize import anonymize_command
from veil.cli.batch import batch_command
from veil.cli.detect import detect_command
from veil.cli.escrow import keygen_command, reveal_command
from veil.cli.eval import eval_group
from veil.cli.gallery import gallery_group
from veil.cli.identify import identify_command
from veil.cli.quiet import only_veil_on_stderr
from veil.cli.review import apply_command, review_command
from veil.version import __version__


class DefaultCommandGroup(click.Group):
    """A group whose first argument may be a path: ``veil photo.jpg`` means ``veil anonymize photo.jpg``."""

    default_command = "anonymize"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = [self.default_command, *args]
        elif not args:
            args = ["--help"]
        ctx.meta["veil.debug"] = "--debug" in args
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command with other libraries' stderr output silenced, unless ``--debug``."""
        with only_veil_on_stderr(enabled=not ctx.meta.get("veil.debug", False)):
            return super().invoke(ctx)


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
      veil review media/ -o out/      check and fix every face in a local web page, then export
      veil batch media/ --dest out/   a resumable job on a pool of processes (reruns skip what is done)
      veil keygen --out keys/         an escrow key pair; then veil photo.jpg --escrow keys/escrow.pub
      veil reveal out.jpg --key keys/escrow.key -o shown.png   restore sealed faces (audited)

    Docs: docs/index.md (or mkdocs serve), a page per command below.
    """


DOCS_PAGES = {
    "anonymize": "getting-started.md, docs/photos.md, docs/video.md",
    "detect": "reports.md",
    "gallery": "known-faces.md",
    "identify": "known-faces.md",
    "eval": "evaluate.md",
    "review": "review.md",
    "apply": "review.md",
    "batch": "large-jobs.md",
    "keygen": "escrow.md",
    "reveal": "escrow.md",
}
"""The documentation page of each command, named at the end of its ``--help``."""


for command in (
    anonymize_command,
    detect_command,
    gallery_group,
    identify_command,
    eval_group,
    review_command,
    apply_command,
    batch_command,
    keygen_command,
    reveal_command,
):
    command.epilog = f"Docs: docs/{DOCS_PAGES[str(command.name)]}"
    main.add_command(command)

"""Open a review folder: a new review, or the saved one with new inputs added and its options kept.

A review is exported with the options it was made with, by the page and by
``veil apply`` alike. Reopening with other options would make the two
disagree, so it is refused with the difference unless the reviewer asks to
replace them (``--reset-options``). Inputs added since are appended; inputs
gone since are named and marked, and the export reports them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veil.errors import VeilError
from veil.media import Job
from veil.media.kinds import is_video
from veil.review.document import ReviewDocument
from veil.review.entries import file_entry
from veil.settings import Settings

LOCK_NAME = "veil-review.lock"


def settings_difference(recorded: dict[str, Any], given: dict[str, Any], names: set[str]) -> list[str]:
    """``name: recorded -> given`` for each option in ``names`` whose value differs."""
    return [
        f"{name}: {recorded.get(name)!r} -> {given.get(name)!r}"
        for name in sorted(names)
        if name in given and recorded.get(name) != given.get(name)
    ]


def open_review(
    path: Path,
    jobs: list[Job],
    settings: Settings,
    given: set[str],
    reset_options: bool,
    say: Callable[[str], None],
) -> tuple[ReviewDocument, Settings]:
    """The review at ``path`` (made from ``jobs`` if there is none) and the settings to run it with.

    ``given``: the option names typed on the command line.

    Raises:
        VeilError: the saved review is unreadable, or options differ without ``reset_options``.
    """
    entries = [
        file_entry(
            i, job.source.absolute(), job.output.absolute(), "video" if is_video(job.source) else "photo"
        )
        for i, job in enumerate(jobs)
    ]
    if not path.exists():
        review = ReviewDocument.create(path, entries, settings.to_json())
        review.save()
        return review, settings
    review = ReviewDocument.load(path)
    recorded = review.data["settings"]
    wanted = json.loads(json.dumps(settings.to_json()))  # as the review records them (lists, not tuples)
    if reset_options:
        review.data["settings"] = wanted
    else:
        difference = settings_difference(recorded, wanted, given)
        if difference:
            raise VeilError(
                path,
                "this review was made with other options ("
                + "; ".join(difference)
                + "): reopen without them to keep the review's, or add --reset-options",
            )
        settings = Settings.from_json(recorded)
    if _add_new_inputs(review, entries, say) or reset_options:
        review.save()
    return review, settings


def _add_new_inputs(
    review: ReviewDocument, entries: list[dict[str, Any]], say: Callable[[str], None]
) -> bool:
    """Append the inputs the review does not have yet; mark those gone. Whether any was added."""
    known = {entry["path"] for entry in review.data["files"]}
    taken = {entry["id"] for entry in review.data["files"]}
    number = len(review.data["files"])
    added = False
    for entry in entries:
        if entry["path"] in known:
            continue
        while f"f{number}" in taken:
            number += 1
        entry["id"] = f"f{number}"
        taken.add(entry["id"])
        review.set_entry(entry)
        added = True
        say(f"added: {entry['path']} (new since the review was made)")
    for entry in review.data["files"]:
        entry["missing"] = not Path(entry["path"]).is_file()
        if entry["missing"]:
            say(f"missing: {entry['path']} (in the review, no longer there; the export will skip it)")
    return added

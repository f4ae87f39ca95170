"""Opening a review folder: symlinks under their own names, new inputs added, gone ones marked."""

from __future__ import annotations

import json
import shutil

from tests.conftest import EXAMPLES
from veil.media import plan_jobs
from veil.review.document import DOCUMENT_NAME
from veil.review.opening import open_review
from veil.settings import Settings


def test_a_reopen_adds_new_inputs_marks_gone_ones_and_keeps_link_names(tmp_path):
    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(EXAMPLES / "newton.png", source / "newton.png")
    (source / "alias.png").symlink_to(source / "newton.png")
    said: list[str] = []
    jobs, _ = plan_jobs([source], output)
    review, _ = open_review(output / DOCUMENT_NAME, jobs, Settings(), set(), False, said.append)
    assert sorted(e["path"].rsplit("/", 1)[1] for e in review.data["files"]) == ["alias.png", "newton.png"]

    shutil.copy(EXAMPLES / "solvay_conference_1927.jpg", source / "solvay.jpg")
    (source / "alias.png").unlink()
    jobs, _ = plan_jobs([source], output)
    review, settings = open_review(output / DOCUMENT_NAME, jobs, Settings(), set(), False, said.append)
    names = {e["path"].rsplit("/", 1)[1]: e for e in review.data["files"]}
    assert set(names) == {"alias.png", "newton.png", "solvay.jpg"}
    assert names["alias.png"]["missing"] and not names["newton.png"]["missing"]
    assert len({e["id"] for e in review.data["files"]}) == 3
    assert any(line.startswith("added: ") and "solvay.jpg" in line for line in said)
    assert any(line.startswith("missing: ") and "alias.png" in line for line in said)
    assert json.loads(json.dumps(settings.to_json())) == review.data["settings"]

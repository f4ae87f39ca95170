"""The command line end to end on real photos: outputs, errors, exit codes, JSON."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import cv2
import jsonschema
import numpy as np
import pytest

from tests.conftest import EXAMPLES, PORTRAIT_FACES
from tests.conftest import run_cli as run
from veil.report import schema


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    photos = tmp_path / "photos"
    (photos / "sub").mkdir(parents=True)
    shutil.copy(EXAMPLES / "newton.png", photos / "newton.png")
    cv2.imwrite(str(photos / "sub" / "gauss.jpg"), cv2.imread(str(EXAMPLES / "gauss.png")))
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated nonsense")
    return photos


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_batch_with_corrupt_file_writes_the_rest_and_exits_nonzero(folder):
    before = {p: digest(p) for p in folder.rglob("*") if p.is_file()}
    code, output = run(str(folder))
    assert code == 1
    assert "broken.jpg" in output and "error" in output
    assert "2 files, 2 faces, 1 failed" in output
    assert (folder / "newton_anonymized.png").is_file()
    assert (folder / "sub" / "gauss_anonymized.jpg").is_file()
    assert not (folder / "broken_anonymized.jpg").exists()
    for path, value in before.items():
        assert digest(path) == value, f"input {path} was modified"


def test_face_is_hidden_and_background_untouched(tmp_path):
    source = tmp_path / "newton.png"
    shutil.copy(EXAMPLES / "newton.png", source)
    code, _ = run(str(source), "-q")
    assert code == 0
    original = cv2.imread(str(source))
    hidden = cv2.imread(str(tmp_path / "newton_anonymized.png"))
    x1, y1, x2, y2 = PORTRAIT_FACES["newton.png"]
    face_change = np.abs(hidden[y1:y2, x1:x2].astype(int) - original[y1:y2, x1:x2]).mean()
    assert face_change > 10
    assert np.array_equal(hidden[:, :250], original[:, :250])  # far from the face: identical
    assert np.array_equal(hidden[:, 550:], original[:, 550:])


def test_output_folder_recreates_tree(folder, tmp_path):
    out = tmp_path / "out"
    code, _ = run(str(folder), "-o", str(out), "--filter", "pixelate", "-q")
    assert code == 1  # the broken file
    assert (out / "newton.png").is_file() and (out / "sub" / "gauss.jpg").is_file()


def test_detect_json_validates_and_is_in_image_pixels(folder, tmp_path):
    target = tmp_path / "faces.json"
    code, _ = run("detect", str(folder / "newton.png"), "--json", str(target))
    assert code == 0
    data = json.loads(target.read_text())
    jsonschema.validate(data, schema())
    entry = data["files"][0]
    assert (entry["width"], entry["height"]) == (768, 432)
    assert len(entry["faces"]) == 1
    box = entry["faces"][0]["box"]
    assert abs(box[0] - PORTRAIT_FACES["newton.png"][0]) < 15
    assert len(entry["faces"][0]["landmarks"]) == 5


def test_report_lists_every_face_and_action(folder, tmp_path):
    report = tmp_path / "report.json"
    code, _ = run(str(folder), "--report", str(report), "--mask", "box", "-q")
    assert code == 1
    data = json.loads(report.read_text())
    jsonschema.validate(data, schema())
    assert len(data["files"]) == 2 and len(data["errors"]) == 1
    actions = [face["action"] for entry in data["files"] for face in entry["faces"]]
    assert actions and all(a["filter"] == "pixelate" and a["mask"] == "box" for a in actions)
    assert data["settings"]["profile"] == "balanced" and data["settings"]["detector"] is None
    detection = data["settings"]["detection"]
    assert (
        detection["photo"]["members"].startswith("centerface@1x") and "@2.5x" in detection["photo"]["members"]
    )
    assert detection["video"]["members"].startswith("scan yunet@0.5x+centerface@1x<=192px + sweep yunet@2x")


def test_quiet_prints_nothing_on_success(tmp_path):
    source = tmp_path / "newton.png"
    shutil.copy(EXAMPLES / "newton.png", source)
    code, output = run(str(source), "-q")
    assert code == 0 and output == ""


def test_usage_errors_are_one_line_without_traceback(tmp_path):
    code, output = run(str(EXAMPLES / "newton.png"), "--detector", "nope", "-o", str(tmp_path))
    assert code == 2
    assert "unknown detector 'nope'" in output and "Traceback" not in output
    code, output = run(str(EXAMPLES / "newton.png"), "--filter", "image", "-o", str(tmp_path))
    assert code == 2 and "needs an image" in output


def test_missing_input_and_unwritable_output(tmp_path):
    code, output = run(str(tmp_path / "missing.jpg"))
    assert code == 1 and "no such file" in output
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    code, output = run(str(EXAMPLES / "newton.png"), "-o", str(blocker / "out"), "-q")
    assert code == 1 and "cannot write" in output


def test_keep_metadata_flag(tmp_path):
    from PIL import Image

    source = tmp_path / "tagged.jpg"
    exif = Image.Exif()
    exif[0x013B] = "Jane Doe"
    Image.open(EXAMPLES / "newton.png").convert("RGB").save(source, exif=exif.tobytes())
    run(str(source), "-q")
    with Image.open(tmp_path / "tagged_anonymized.jpg") as image:
        assert 0x013B not in image.getexif()
    run(str(source), "-q", "--keep-metadata", "-o", str(tmp_path / "kept.jpg"))
    with Image.open(tmp_path / "kept.jpg") as image:
        assert image.getexif()[0x013B] == "Jane Doe"


def test_eval_detect_scores_a_detector_and_a_detections_file_alike(tmp_path):
    from tests.evaluation.test_datasets import coco_of_portraits

    coco = coco_of_portraits(tmp_path)
    # at 1x: CenterFace at 2x boxes a face this large too tightly (IoU 0.47), which eval rightly counts
    plot, out = tmp_path / "pr.png", tmp_path / "eval.json"
    code, output = run(
        "eval", "detect", "--dataset", str(coco), "--detect-scale=1", "--plot", str(plot), "--out", str(out)
    )
    assert code == 0, output
    assert "| all | 1.000 | 1.000 | 1.000 | 0.00 | 2 | 2 |" in output
    assert cv2.imread(str(plot)) is not None
    assert json.loads(out.read_text())["subsets"]["all"]["ap"] == 1.0
    code, _ = run("detect", str(tmp_path / "images"), "--json", str(tmp_path / "d.json"), "--detect-scale=1")
    code, from_file = run("eval", "detect", "--dataset", str(coco), "--detections", str(tmp_path / "d.json"))
    assert code == 0 and "| all | 1.000 | 1.000 | 1.000 | 0.00 | 2 | 2 |" in from_file


def test_eval_errors_are_one_line(tmp_path):
    code, output = run("eval", "detect", "--dataset", str(tmp_path))
    assert code == 1 and "no known ground truth" in output and "Traceback" not in output


def test_face_and_landmark_blur_filters_from_the_command_line(tmp_path):
    from veil.media.images import read_photo

    source = read_photo(EXAMPLES / "gauss.png").pixels
    for name in ("face", "landmark-blur"):
        report = tmp_path / f"{name}.json"
        out = tmp_path / f"{name}.png"
        code, _ = run(
            str(EXAMPLES / "gauss.png"), "--filter", name, "-o", str(out), "--report", str(report), "-q"
        )
        assert code == 0
        (face,) = json.loads(report.read_text())["files"][0]["faces"]
        assert face["action"]["filter"] == name
        x1, y1, x2, y2 = face["action"]["region"]
        hidden = read_photo(out).pixels
        assert np.abs(hidden[y1:y2, x1:x2].astype(int) - source[y1:y2, x1:x2]).mean() > 10
        assert np.array_equal(hidden[:, : x1 - 1], source[:, : x1 - 1])
    face_width = json.loads((tmp_path / "face.json").read_text())["files"][0]["faces"][0]["action"]["region"]
    blur_width = json.loads((tmp_path / "landmark-blur.json").read_text())["files"][0]["faces"][0]["action"][
        "region"
    ]
    assert face_width[2] - face_width[0] > blur_width[2] - blur_width[0]  # face grows boxes by 1.6, not 1.3


def test_each_command_offers_only_the_options_it_uses():
    _, identify = run("identify", "--help")
    _, evaluate = run("eval", "detect", "--help")
    _, anonymize = run("anonymize", "--help")
    for text in (identify, evaluate):
        assert "--profile" in text and "--memory" not in text and "--detect-every" not in text
    assert "--memory" in anonymize and "--keep" in anonymize


def test_the_module_runs_as_the_command():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "veil.cli", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "veil, version" in done.stdout


def test_an_output_name_of_the_other_kind_is_one_error_and_makes_nothing(tmp_path):
    out = tmp_path / "out.mp4"
    code, output = run(str(EXAMPLES / "newton.png"), "-o", str(out))
    assert code == 1
    errors = {line for line in output.splitlines() if line.startswith("error:")}
    assert len(errors) == 1 and "cannot write a photo as '.mp4'" in output
    assert not out.exists()

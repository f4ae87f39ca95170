"""Every ground-truth format `veil eval detect` reads, on small hand-written files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import require_data
from veil.evaluation import load_detection_dataset

VOC = """<annotation><filename>{name}</filename>
<object><name>face</name><difficult>0</difficult><bndbox><xmin>10</xmin><ymin>20</ymin><xmax>50</xmax><ymax>70</ymax></bndbox></object>
<object><name>face</name><difficult>1</difficult><bndbox><xmin>60</xmin><ymin>20</ymin><xmax>80</xmax><ymax>45</ymax></bndbox></object>
</annotation>"""


def test_pascal_voc_folder(tmp_path):
    (tmp_path / "annotations").mkdir()
    (tmp_path / "images").mkdir()
    (tmp_path / "annotations" / "a.xml").write_text(VOC.format(name="a.jpg"))
    (tmp_path / "images" / "a.jpg").write_bytes(b"")
    items, subsets = load_detection_dataset(tmp_path)
    assert subsets == ("all",)
    (item,) = items
    assert item.image == tmp_path / "images" / "a.jpg"
    np.testing.assert_array_equal(item.boxes, [[10, 20, 50, 70], [60, 20, 80, 45]])
    assert item.positives["all"].tolist() == [True, False]  # difficult: an ignore region


def test_coco_json(tmp_path):
    coco = {
        "images": [{"id": 7, "file_name": "b.jpg"}, {"id": 8, "file_name": "empty.jpg"}],
        "annotations": [
            {"image_id": 7, "bbox": [5, 6, 10, 20]},
            {"image_id": 7, "bbox": [30, 30, 40, 40], "iscrowd": 1},
        ],
    }
    (tmp_path / "faces.coco.json").write_text(json.dumps(coco))
    items, _ = load_detection_dataset(tmp_path / "faces.coco.json")
    np.testing.assert_array_equal(items[0].boxes, [[5, 6, 15, 26], [30, 30, 70, 70]])
    assert items[0].positives["all"].tolist() == [True, False]
    assert len(items[1].boxes) == 0


def test_wider_txt_with_empty_images_and_invalid_faces(tmp_path):
    (tmp_path / "wider_face_val_bbx_gt.txt").write_text(
        "0--Parade/x.jpg\n2\n10 10 20 30 0 0 0 0 0 0\n50 50 8 8 2 0 0 1 0 0\n"
        "1--Handshaking/y.jpg\n0\n0 0 0 0 0 0 0 0 0 0\n"
        "2--Demo/z.jpg\n1\n1 2 3 4 0 0 0 0 0 0\n"
    )
    items, subsets = load_detection_dataset(tmp_path)
    assert subsets == ("all",)  # no .mat lists: every valid face counts
    assert [len(i.boxes) for i in items] == [2, 0, 1]
    np.testing.assert_array_equal(items[0].boxes[0], [10, 10, 30, 40])
    assert items[0].positives["all"].tolist() == [True, False]  # invalid=1 is ignored
    assert items[2].image == tmp_path / "images" / "2--Demo" / "z.jpg"


def test_official_wider_txt_and_mat_subsets_match_the_converted_json(tmp_path):
    source = require_data("detection/widerface_val4_fullres")
    mats = require_data("detection/widerface_val200_416/official_gt")
    shutil.copy(source / "gt_wider_format.txt", tmp_path)
    for mat in mats.glob("wider_*_val.mat"):
        shutil.copy(mat, tmp_path)
    (tmp_path / "images").symlink_to(source / "images")
    official, subsets = load_detection_dataset(tmp_path)
    converted, _ = load_detection_dataset(source)
    assert subsets == ("easy", "medium", "hard")
    for a, b in zip(official, converted, strict=True):
        np.testing.assert_allclose(a.boxes, b.boxes)
        for subset in subsets:
            assert a.positives[subset].tolist() == b.positives[subset].tolist()


def test_unknown_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no known ground truth"):
        load_detection_dataset(tmp_path)


def coco_of_portraits(folder: Path) -> Path:
    """A COCO file for the shipped portraits, with their hand-checked face boxes."""
    from tests.conftest import EXAMPLES, PORTRAIT_FACES

    (folder / "images").mkdir(exist_ok=True)
    images, annotations = [], []
    for n, (name, (x1, y1, x2, y2)) in enumerate(PORTRAIT_FACES.items()):
        shutil.copy(EXAMPLES / name, folder / "images" / name)
        images.append({"id": n, "file_name": name})
        annotations.append({"image_id": n, "bbox": [x1, y1, x2 - x1, y2 - y1]})
    path = folder / "coco.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations}))
    return path


def test_gt_json_without_wider_subsets_is_one_set_with_ignores(tmp_path):
    entries = [
        {"file": "images/a.jpg", "faces": [{"bbox_xywh": [1, 2, 10, 10], "ignore": False},
                                           {"bbox_xywh": [30, 30, 8, 8], "ignore": True}]},
    ]  # fmt: skip
    (tmp_path / "gt.json").write_text(json.dumps(entries))
    items, subsets = load_detection_dataset(tmp_path)
    assert subsets == ("all",)
    np.testing.assert_array_equal(items[0].boxes[0], [1, 2, 11, 12])
    assert items[0].positives["all"].tolist() == [True, False]

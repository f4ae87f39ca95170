"""The Python API: veil.anonymize and a reusable Anonymizer."""

import numpy as np
import pytest

import veil
from tests.conftest import EXAMPLES, PORTRAIT_FACES


def test_anonymize_array(newton):
    hidden, faces = veil.anonymize(newton, filter="solid", mask="box", feather=0.0)
    assert len(faces) == 1
    x1, y1, x2, y2 = PORTRAIT_FACES["newton.png"]
    assert np.all(hidden[y1 + 10 : y2 - 10, x1 + 10 : x2 - 10] == 0)
    assert np.array_equal(hidden[:, :200], newton[:, :200])


def test_anonymize_path_and_reuse():
    anonymizer = veil.Anonymizer(detector="centerface", filter="pixelate")
    image = veil.media.read_photo(EXAMPLES / "gauss.png").pixels
    for _ in range(2):
        _hidden, faces = anonymizer.anonymize(image)
        assert len(faces) == 1
    _, from_path = veil.anonymize(str(EXAMPLES / "gauss.png"))
    assert len(from_path) == 1


def test_settings_override():
    anonymizer = veil.Anonymizer(veil.Settings(filter="pixelate"), strength=2.0)
    assert anonymizer.settings.hiding.filter == "pixelate" and anonymizer.settings.hiding.strength == 2.0


def test_mask_scale_defaults_per_filter_and_is_reported():
    assert veil.Anonymizer(filter="face").filter.mask.scale == 1.6  # type: ignore[attr-defined]
    assert veil.Anonymizer(filter="blur").filter.mask.scale == 1.3  # type: ignore[attr-defined]
    assert veil.Anonymizer(filter="face", mask_scale=1.2).filter.mask.scale == 1.2  # type: ignore[attr-defined]
    assert veil.Settings(filter="face").to_json()["mask_scale"] == 1.6


class FixedBox:
    """A user's own detector: no name, no threshold, just ``detect``."""

    def __init__(self, box):
        self.box = np.array([box], np.float32)
        self.calls = 0

    def detect(self, frame):
        self.calls += 1
        return veil.Faces(self.box, np.ones(1, np.float32), source="fixed")


class Invert:
    """A user's own filter: inverts each face box."""

    name = "invert"

    def apply(self, frame, faces):
        out = frame.copy()
        for x1, y1, x2, y2 in faces.xyxy.astype(int):
            out[y1:y2, x1:x2] = 255 - out[y1:y2, x1:x2]
        return out


def test_custom_detector_and_filter_objects_work_through_the_anonymizer(newton, tmp_path):
    box = PORTRAIT_FACES["newton.png"]
    detector = FixedBox(box)
    anonymizer = veil.Anonymizer(detector=detector, filter=Invert())
    hidden, faces = anonymizer.anonymize(newton)
    x1, y1, x2, y2 = box
    assert detector.calls == 1 and faces.source.tolist() == ["fixed"]
    assert np.array_equal(hidden[y1:y2, x1:x2], 255 - newton[y1:y2, x1:x2])
    assert np.array_equal(hidden[:, : x1 - 1], newton[:, : x1 - 1])
    record = anonymizer.process_file(EXAMPLES / "newton.png", tmp_path / "out.png")
    assert record.to_json()["faces"][0]["action"]["filter"] == "invert"
    described = anonymizer.to_json()
    assert described["filter"] == "invert" and described["detection"]["photo"]["members"] == "FixedBox"


def test_custom_detector_drives_video_tracking(tmp_path):
    from tests.conftest import clip_face_box, make_clip

    clip = make_clip(tmp_path / "clip.mp4", frames=6, audio=None)
    record = veil.Anonymizer(detector=FixedBox(clip_face_box(0)), filter=Invert()).process_file(
        clip, tmp_path / "out.mp4"
    )
    assert record.frames is not None and len(record.frames) == 6
    assert all(frame.faces.source[0] == "fixed" for frame in record.frames)


def test_objects_without_the_method_are_refused_clearly():
    with pytest.raises(TypeError, match=r"detect\(\)"):
        veil.Anonymizer(detector=object())
    with pytest.raises(TypeError, match=r"apply\(\)"):
        veil.Anonymizer(filter=42)


def test_anonymize_reuses_loaded_models(newton, monkeypatch):
    import veil.core

    loads = []
    original = veil.core.photo_detector

    def counting(detection):
        loads.append(detection)
        return original(detection)

    monkeypatch.setattr(veil.core, "photo_detector", counting)
    for _ in range(3):
        _, faces = veil.anonymize(newton, filter="blur", strength=1.5)
        assert len(faces) == 1
    assert len(loads) <= 1  # loaded on the first call at most (an earlier test may have loaded it)


def test_errors_form_one_hierarchy_with_path_and_reason(tmp_path):
    missing = tmp_path / "missing.jpg"
    with pytest.raises(veil.VeilError) as caught:
        veil.anonymize(missing)
    assert isinstance(caught.value, veil.MediaError)
    assert caught.value.path == missing and caught.value.reason == "no such file"
    assert str(caught.value) == f"{missing}: no such file"
    assert issubclass(veil.GalleryError, veil.VeilError)
    assert issubclass(veil.DetectorUnavailable, veil.VeilError)
    with pytest.raises(veil.DetectorUnavailable) as unavailable:
        veil.load_detector(f"onnx:{tmp_path / 'none.onnx'}")
    assert unavailable.value.reason == "ONNX model not found"


def test_file_record_json_names_what_was_done(tmp_path):
    record = veil.Anonymizer(filter="solid").process_file(EXAMPLES / "newton.png", tmp_path / "n.png")
    entry = record.to_json()
    assert entry["output"] == str(tmp_path / "n.png") and len(entry["faces"]) == 1
    assert entry["faces"][0]["action"]["filter"] == "solid"
    assert record.face_count == 1

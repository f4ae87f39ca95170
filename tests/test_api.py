"""The Python API: veil.anonymize and a reusable Anonymizer."""

import numpy as np

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
    assert anonymizer.settings.filter == "pixelate" and anonymizer.settings.strength == 2.0


def test_mask_scale_defaults_per_filter_and_is_reported():
    assert veil.Anonymizer(filter="face").filter.mask.scale == 1.6  # type: ignore[attr-defined]
    assert veil.Anonymizer(filter="blur").filter.mask.scale == 1.3  # type: ignore[attr-defined]
    assert veil.Anonymizer(filter="face", mask_scale=1.2).filter.mask.scale == 1.2  # type: ignore[attr-defined]
    assert veil.Settings(filter="face").to_json()["mask_scale"] == 1.6

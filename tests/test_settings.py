"""Settings in groups: flat keywords reach their group, bad values fail early, JSON round trips."""

from __future__ import annotations

import pickle

import pytest

from veil.settings import (
    GROUP_OF,
    GROUPS,
    DetectionSettings,
    HidingSettings,
    Settings,
    VideoSettings,
)


def test_flat_keywords_land_in_their_groups():
    settings = Settings(filter="blur", memory=5, profile="fast", crf=30, keep_metadata=True)
    assert settings.hiding.filter == "blur" and settings.video.memory == 5
    assert settings.detection.profile == "fast" and settings.encoder.crf == 30
    assert settings.output.keep_metadata is True
    assert settings.hiding.mask == HidingSettings().mask  # the rest keep their defaults


def test_groups_and_flat_fields_combine_and_replace_keeps_the_rest():
    settings = Settings(video=VideoSettings(memory=3, tracking="forward"), filter="solid")
    changed = settings.replace(colour="#ff0000", memory=7)
    assert changed.video.memory == 7 and changed.video.tracking == "forward"
    assert changed.hiding.filter == "solid" and changed.hiding.colour == "#ff0000"
    assert settings.video.memory == 3, "replace makes a copy"


def test_every_flat_name_belongs_to_exactly_one_group():
    names = [name for kind in GROUPS.values() for name in kind.__dataclass_fields__]
    assert len(names) == len(set(names)) == len(GROUP_OF)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"profile": "quick"}, "unknown profile"),
        ({"filter": "sepia"}, "unknown filter"),
        ({"mask": "star"}, "unknown mask shape"),
        ({"tracking": "sideways"}, "unknown tracking mode"),
        ({"device": "tpu"}, "unknown device"),
        ({"keep": "a.json", "only": "b.json"}, "not both"),
        ({"detect_every": 40}, "--detect-every"),
        ({"max_memory": 0}, "--max-memory"),
        ({"filter": "image"}, "needs an image"),
    ],
)
def test_bad_values_fail_before_anything_loads(given, message):
    with pytest.raises(ValueError, match=message):
        Settings(**given)


def test_an_unknown_keyword_names_the_settings_there_are():
    with pytest.raises(TypeError, match="unknown setting 'colour_space'"):
        Settings(colour_space="srgb")


def test_tracking_off_means_no_memory():
    assert VideoSettings(tracking="off", memory=15).effective_memory == 0
    assert VideoSettings(memory=15).effective_memory == 15


def test_json_round_trip_and_hashable():
    settings = Settings(filter="face", strength=2, escrow=["age1xyz"], detector="yunet", detect_scale=1.5)
    again = Settings.from_json(settings.to_json())
    assert again.detection == settings.detection and again.video == settings.video
    assert again.hiding.mask_spec == settings.hiding.mask_spec, "reports record the mask growth in use"
    assert again.replace(mask_scale=None).hiding == settings.hiding
    assert again.output.escrow == ("age1xyz",), "a JSON list becomes a tuple"
    assert hash(again) == hash(Settings.from_json(settings.to_json()))
    assert pickle.loads(pickle.dumps(settings)) == settings, "batch workers receive them pickled"


def test_settings_read_no_file():
    """Keys and galleries are read where they are used, not when settings are made."""
    settings = Settings(escrow=("/no/such/key.pub",), keep="/no/such/gallery.json")
    assert settings.known.gallery is not None and settings.output.escrow


def test_described_detection():
    assert DetectionSettings(detector="yunet").described(video=True)["members"] == "yunet@1x"
    assert DetectionSettings(detector="yunet").described(video=False)["members"] == "yunet@2x"

"""The video memory estimate: sizes parse, the estimate grows with what is held, refusals say what fits."""

from __future__ import annotations

import pytest

from veil.errors import MediaError
from veil.memory import check_video_memory, estimate_video_bytes, parse_size


def test_sizes_parse_and_nonsense_is_refused():
    assert parse_size("512M") == 512 * 2**20
    assert parse_size("8g") == 8 * 2**30
    assert parse_size("1024") == 1024
    with pytest.raises(ValueError, match="as a size"):
        parse_size("lots")


def test_estimate_grows_with_the_look_ahead_and_stops_at_the_frame_count():
    assert estimate_video_bytes(4000, 3000, 100, 20) > estimate_video_bytes(4000, 3000, 100, 10)
    # a 2-frame video never holds more than its 2 frames, whatever --memory says
    assert estimate_video_bytes(4000, 3000, 2, 50) == estimate_video_bytes(4000, 3000, 2, 0)
    # unknown length: as long as it takes
    assert estimate_video_bytes(4000, 3000, None, 10) == estimate_video_bytes(4000, 3000, 10**6, 10)


def test_refusal_names_the_need_the_budget_and_a_memory_that_fits():
    need = estimate_video_bytes(4000, 3000, 100, 10)
    with pytest.raises(MediaError, match=r"need about \d\.\d GiB.*budget; --memory \d would fit"):
        check_video_memory("big.mp4", 4000, 3000, 100, 10, budget=need - 2**20)
    with pytest.raises(MediaError, match="; raise --max-memory"):
        check_video_memory("big.mp4", 4000, 3000, 100, 10, budget=2**20)
    check_video_memory("big.mp4", 4000, 3000, 100, 10, budget=need)  # fits: no error

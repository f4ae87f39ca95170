"""One way from flags to settings: every command's defaults are the settings' own."""

from __future__ import annotations

import click
import pytest

from veil.cli.anonymize import anonymize_command
from veil.cli.batch import batch_command
from veil.cli.options import settings_from_flags
from veil.cli.review import review_command
from veil.settings import GROUP_OF, Settings


@pytest.mark.parametrize("command", [anonymize_command, batch_command, review_command])
def test_each_settings_flag_defaults_to_the_settings_default(command):
    defaults = Settings().flat()
    flags = {param.name: param.default for param in command.params if param.name in GROUP_OF}
    assert len(flags) >= 20, "the command has the settings flags"
    for name, value in flags.items():
        given = None if value is None or type(value).__name__ == "Sentinel" else value  # no default
        expected = defaults[name]
        assert given == expected or (given in ((), None) and expected in ((), None)), name


def test_settings_from_flags_takes_its_flags_and_leaves_the_rest():
    params = {"filter": "blur", "memory": 4, "quiet": True, "paths": ()}
    settings = settings_from_flags(params)
    assert settings.hiding.filter == "blur" and settings.video.memory == 4
    assert params == {"quiet": True, "paths": ()}


def test_a_bad_combination_or_an_unreadable_key_is_a_usage_error(tmp_path):
    with pytest.raises(click.UsageError, match="not both"):
        settings_from_flags({"keep": "a", "only": "b"})
    with pytest.raises(click.UsageError, match="--escrow"):
        settings_from_flags({"escrow": (str(tmp_path / "missing.pub"),)})

"""Every example in the docstrings and in the README's *Python* section runs, and says what it shows."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

PACKAGE = ROOT / "src" / "veil"
MODULES = sorted(
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
    if ">>>" in path.read_text()
)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.fixture()
def beside_the_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Examples read ``examples/...`` and write into the current folder: a fresh one."""
    (tmp_path / "examples").symlink_to(EXAMPLES)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_modules_with_examples_are_found():
    assert "veil.anonymizer" in MODULES and "veil.faces" in MODULES and len(MODULES) >= 20


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, beside_the_examples):
    result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS)
    assert result.attempted > 0 and result.failed == 0


def readme_python() -> str:
    """The README's *Python* section: its ``pycon`` blocks, as one doctest."""
    text = (ROOT / "README.md").read_text()
    section = text.split("\n### Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```pycon\n(.*?)```", section, re.DOTALL)
    assert blocks, "the Python section has examples"
    return "\n".join(blocks)


def test_readme_python_examples_run(beside_the_examples):
    test = doctest.DocTestParser().get_doctest(readme_python(), {}, "README *Python*", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and len(test.examples) > 10

"""Every example in the docstrings and on the docs' Python page runs; the docs site builds, strictly."""

from __future__ import annotations

import doctest
import importlib
import os
import re
import subprocess
import sys
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


def python_page() -> str:
    """The docs' Python page: its ``pycon`` blocks, as one doctest."""
    text = (ROOT / "docs" / "python.md").read_text()
    blocks = re.findall(r"```pycon\n(.*?)```", text, re.DOTALL)
    assert blocks, "the Python page has examples"
    return "\n".join(blocks)


def test_python_page_examples_run(beside_the_examples):
    test = doctest.DocTestParser().get_doctest(python_page(), {}, "docs/python.md", "docs/python.md", 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0 and len(test.examples) > 10


def test_readme_is_a_front_page_with_both_set_up_commands():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 220
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```bash\n{ci}\n```" in readme, "CI runs the README's test command"
    assert "pip install -e . && veil examples/solvay_conference_1927.jpg" in readme
    for page in re.findall(r"\]\((docs/[\w-]+\.md)\)", readme):
        assert (ROOT / page).is_file(), page


def test_every_public_name_has_an_api_entry():
    import veil

    api = (ROOT / "docs" / "api.md").read_text()
    missing = [name for name in veil.__all__ if name != "__version__" and f"::: veil.{name}\n" not in api]
    assert not missing, f"docs/api.md lacks {missing}"


def test_the_docs_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "index.html").is_file()


def test_every_command_help_names_its_docs_page():
    from veil.cli.main import main

    for name, command in main.commands.items():
        pages = re.findall(r"docs/[\w-]+\.md", command.epilog or "")
        assert pages, f"veil {name} --help names no docs page"
        assert all((ROOT / page).is_file() for page in pages), pages


def test_the_plots_are_drawn_from_the_results(tmp_path):
    pytest.importorskip("matplotlib", reason="the docs extra is not installed: pip install -e '.[docs]'")
    command = [sys.executable, "benchmarks/plots.py", "--out", str(tmp_path)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    drawn = sorted(path.name for path in tmp_path.iterdir())
    assert drawn == ["batch.png", "detection.png", "detection_pr.png", "filters.png", "video.png"]
    assert all((ROOT / "docs" / "plots" / name).is_file() for name in drawn), "run benchmarks/plots.py"


def test_every_option_of_veil_is_in_the_options_table():
    from veil.cli.main import main

    page = (ROOT / "docs" / "photos.md").read_text()
    missing = [
        param.opts
        for param in main.commands["anonymize"].params
        if any(opt.startswith("--") for opt in param.opts)
        and not any(f"`{opt}" in page or f", {opt}" in page for opt in param.opts + param.secondary_opts)
    ]
    assert not missing, f"docs/photos.md's options table lacks {missing}"

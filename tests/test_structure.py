"""The layout stays easy to change: short modules, no import cycles, no private names across modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "veil"
REPOSITORY = PACKAGE.parent.parent
MAX_LINES = 400
MAX_CORE_LINES = 250


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """Every veil module ``path`` imports: at load time, inside functions and under TYPE_CHECKING alike."""
    tree = ast.parse(path.read_text())
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: up from the importing package
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], base])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: imported(path, set(paths)) - {name} for name, path in paths.items()}


def cycles_in(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return cycles


def test_no_module_is_longer_than_the_limit():
    long = {
        str(path.relative_to(PACKAGE)): count
        for path in PACKAGE.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_the_per_frame_core_stays_small():
    lines = len((PACKAGE / "core.py").read_text().splitlines())
    assert lines < MAX_CORE_LINES, f"veil/core.py has {lines} lines"


def test_no_import_cycle_counting_every_import():
    graph = import_graph()
    assert graph["veil"], "the import scan found nothing: it is broken"
    assert "veil.core" in graph["veil.escrow.seal"], "imports under TYPE_CHECKING must count"
    cycles = cycles_in(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in cycles)


def test_the_cycle_check_finds_a_cycle():
    assert cycles_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_private_name_is_imported_from_another_module():
    private = re.compile(r"^\s*from (veil[\w.]*) import .*\b(_[A-Za-z]\w*)", re.MULTILINE)
    offenders = []
    for folder in (PACKAGE, REPOSITORY / "benchmarks"):
        for path in folder.rglob("*.py"):
            offenders += [
                f"{path.name}: {m.group(2)} from {m.group(1)}" for m in private.finditer(path.read_text())
            ]
    assert not offenders, offenders


def test_benchmarks_do_not_import_the_tests():
    pattern = re.compile(r"^(from|import) tests\b", re.MULTILINE)
    users = [p.name for p in (REPOSITORY / "benchmarks").rglob("*.py") if pattern.search(p.read_text())]
    assert not users, f"benchmarks importing tests/: {users}"


def test_code_explains_itself_without_history():
    history = re.compile(r"\bissue \d+|\bseed (report|thes[ie]s)|\bthesis\b", re.IGNORECASE)
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*")
        if path.suffix in (".py", ".js", ".html", ".css")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if history.search(line)
    ]
    assert not found, f"comments that narrate history: {found}"

"""The floors of the house: which package may import which, and modules small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Each top-level package and the packages it may import. Nothing imports upward.
FLOORS: dict[str, set[str]] = {
    "pagewise": set(),  # the ground: settings, errors, store, catalog, policy layer
    "ingest": {"pagewise"},
    "assistant": {"pagewise"},
    "ui": {"pagewise", "ingest", "assistant"},  # entry points: CLI, portal, launcher
}
MAX_MODULE_LINES = 350
# Measurement code: the answering path never imports it.
MEASUREMENT = "assistant.evaluation"


def _modules(package: str) -> list[Path]:
    return sorted((REPO / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_a_package_imports_only_the_floors_below_it(package: str) -> None:
    upward = [
        f"{path.relative_to(REPO)} imports {name}"
        for path in _modules(package)
        for name in _imports(path)
        if (top := name.split(".")[0]) in FLOORS and top != package and top not in FLOORS[package]
    ]
    assert upward == []


def test_the_answering_path_does_not_import_measurement_code() -> None:
    runtime = [p for p in _modules("assistant") if "evaluation" not in p.relative_to(REPO).parts]
    offenders = [
        str(p.relative_to(REPO))
        for p in runtime
        if any(name.startswith(MEASUREMENT) for name in _imports(p))
    ]
    assert offenders == []


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = {
        str(p.relative_to(REPO)): n
        for package in FLOORS
        for p in _modules(package)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}

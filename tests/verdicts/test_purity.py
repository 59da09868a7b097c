"""Verdicts are pure: no Kubernetes client, subprocess, network, files or clock.

import-linter's pure-model contract says the same for the whole package; this
test keeps the rule next to the code and also catches calls (open, now) that
an import contract cannot see.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import chaosgate.verdicts

PACKAGE = Path(chaosgate.verdicts.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
FORBIDDEN_IMPORTS = (
    "kubernetes",
    "subprocess",
    "chaosgate.process",
    "socket",
    "urllib",
    "http",
    "time",
    "os",
)
FORBIDDEN_CALLS = {"open", "now", "utcnow", "today", "sleep", "monotonic"}


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def called_names(tree: ast.AST) -> set[str]:
    calls: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                calls.add(func.id)
            elif isinstance(func, ast.Attribute):
                calls.add(func.attr)
    return calls


def test_the_package_has_its_modules() -> None:
    assert {m.stem for m in MODULES} >= {"records", "pdb", "recovery", "breaker", "comparison"}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.stem)
def test_no_io_imports(module: Path) -> None:
    tree = ast.parse(module.read_text())
    bad = {
        name
        for name in imported_modules(tree)
        for forbidden in FORBIDDEN_IMPORTS
        if name == forbidden or name.startswith(forbidden + ".")
    }
    assert not bad, f"{module.name} imports {sorted(bad)}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.stem)
def test_no_io_or_clock_calls(module: Path) -> None:
    bad = called_names(ast.parse(module.read_text())) & FORBIDDEN_CALLS
    assert not bad, f"{module.name} calls {sorted(bad)}"

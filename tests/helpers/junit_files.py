"""Scenario results written as the plugin writes them, for tests that read JUnit back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from chaosgate.report.junit import junit_tree, write_junit_tree
from chaosgate.report.model import ScenarioResult


def write_junit(results: Sequence[ScenarioResult], path: Path) -> None:
    write_junit_tree(junit_tree(results), path)

"""hpa on a cluster (the scenario: chaosgate.scenarios.hpa)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.scenario_book import ScenarioBook
from chaosgate.scenarios import hpa

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.scenario("hpa")
def test_hpa(heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path) -> None:
    hpa.on_cluster(scenario_book, heart_stack, report_dir).assert_passed()

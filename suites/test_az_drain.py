"""az_drain on a cluster (the scenario: chaosgate.scenarios.az_drain)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.scenario_book import ScenarioBook
from chaosgate.scenarios import az_drain

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.scenario("az_drain")
def test_az_drain(heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path) -> None:
    az_drain.on_cluster(scenario_book, heart_stack, report_dir).assert_passed()

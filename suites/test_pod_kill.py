"""pod_kill on every backend that runs it (the scenario: chaosgate.scenarios.pod_kill)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.scenario_book import ScenarioBook
from chaosgate.scenarios.pod_kill import POD_KILL

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.needs_docker
@pytest.mark.scenario("pod_kill[stack]")
def test_pod_kill_on_stack_runtime(scenario_book: ScenarioBook, report_dir: Path) -> None:
    POD_KILL.on_stack(scenario_book, report_dir).assert_passed()


@pytest.mark.needs_tools
@pytest.mark.scenario("pod_kill")
def test_pod_kill_on_cluster(
    heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path
) -> None:
    POD_KILL.on_cluster(scenario_book, heart_stack, report_dir).assert_passed()

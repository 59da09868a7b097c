"""breaker on every backend that runs it (the scenario: chaosgate.scenarios.breaker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HarnessOptions, HeartStack
from chaosgate.scenario_book import ScenarioBook
from chaosgate.scenarios import breaker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.needs_docker
@pytest.mark.scenario("breaker[stack]")
def test_breaker_on_stack_runtime(scenario_book: ScenarioBook, report_dir: Path) -> None:
    breaker.on_stack(scenario_book, report_dir).assert_passed()


@pytest.mark.needs_tools
@pytest.mark.scenario("breaker")
def test_breaker_on_cluster(
    request: pytest.FixtureRequest, scenario_book: ScenarioBook, report_dir: Path
) -> None:
    # Decided before the cluster fixture: the local provider would be made only to skip.
    options: HarnessOptions = request.getfixturevalue("harness_options")
    if options.provider == "local":
        pytest.skip(breaker.NO_TRAFFIC)
    heart_stack: HeartStack = request.getfixturevalue("heart_stack")
    cluster = heart_stack.cluster
    if not cluster.carries_traffic:
        pytest.skip(f"{cluster.name} carries no traffic from this machine: {cluster.notes}")
    breaker.on_cluster(scenario_book, heart_stack, report_dir).assert_passed()

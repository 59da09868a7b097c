"""gitops on a cluster (the scenario: chaosgate.scenarios.gitops)."""

from __future__ import annotations

import pytest

from chaosgate.harness import HeartStack
from chaosgate.scenario_book import ScenarioBook
from chaosgate.scenarios import gitops

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.mark.scenario("gitops")
def test_gitops(heart_stack: HeartStack, scenario_book: ScenarioBook) -> None:
    gitops.on_cluster(scenario_book, heart_stack).assert_passed()

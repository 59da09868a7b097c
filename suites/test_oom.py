"""oom on every backend that runs it (the scenario: chaosgate.scenarios.oom)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.scenario_book import ScenarioBook
from chaosgate.scenarios.oom import OOM

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.needs_docker
@pytest.mark.scenario("oom[stack]")
def test_oom_on_stack_runtime(scenario_book: ScenarioBook, report_dir: Path) -> None:
    OOM.on_stack(scenario_book, report_dir).assert_passed()


@pytest.mark.needs_tools
@pytest.mark.scenario("oom")
def test_oom_on_cluster(
    heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path
) -> None:
    OOM.on_cluster(scenario_book, heart_stack, report_dir).assert_passed()

"""breaker: Redis fails under load; heart-display's circuit breaker opens fast, answers
degraded 200s instead of errors, and closes after Redis returns.

Runs on the stack runtime (real containers, real Redis outage, real locust load)
on every provider: kwok-simulated pods carry no traffic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.scenario_book import ScenarioBook
from chaosgate.stack.scenarios import run_breaker_scenario
from stack_scenarios import judge_breaker, run_and_record

pytestmark = [pytest.mark.needs_docker, pytest.mark.slow, pytest.mark.timeout(900)]


def test_breaker_on_stack_runtime(scenario_book: ScenarioBook, report_dir: Path) -> None:
    run = run_and_record(
        scenario_book, "breaker", report_dir / "breaker-stack", run_breaker_scenario, judge_breaker
    )
    run.assert_passed()

"""breaker: Redis fails under load; heart-display's circuit breaker opens fast, answers
degraded 200s instead of errors, and closes after Redis returns.

On the stack runtime (every provider) Redis is stopped: real containers, real locust
load. On kind Redis answers no client for the outage (CLIENT PAUSE ALL) while locust
loads the Service; every pod's breaker state is scraped through the API server.
kwok-simulated pods carry no traffic, so the local provider runs only the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.kube.scenarios import RunSettings, Windows, run_breaker
from chaosgate.scenario_book import ScenarioBook
from chaosgate.stack.scenarios import run_breaker_scenario
from chaosgate.verdicts import breakers_behaved
from kube_scenarios import load_verdicts, record, run_dir, start_run
from stack_scenarios import breaker_budgets_s, judge_breaker, run_and_record

OUTAGE_S = 12.0
# The breaker stays open for the chart's breaker.openSeconds (10 s) after Redis is back
# before it probes; the recovery window must outlast that to see it close.
CLUSTER_WINDOWS = Windows(baseline_s=12, settle_s=15)
NO_TRAFFIC = "kwok-simulated pods answer no request, so no breaker would ever open"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.needs_docker
@pytest.mark.scenario("breaker[stack]")
def test_breaker_on_stack_runtime(scenario_book: ScenarioBook, report_dir: Path) -> None:
    run = run_and_record(
        scenario_book, "breaker", report_dir / "breaker-stack", run_breaker_scenario, judge_breaker
    )
    run.assert_passed()


@pytest.mark.needs_tools
@pytest.mark.scenario("breaker")
def test_breaker_on_cluster(
    request: pytest.FixtureRequest, scenario_book: ScenarioBook, report_dir: Path
) -> None:
    # Decided before the cluster fixture: the local provider would be made only to skip.
    if request.config.getoption("--provider") == "local":
        pytest.skip(NO_TRAFFIC)
    heart_stack: HeartStack = request.getfixturevalue("heart_stack")
    cluster = heart_stack.cluster
    if not cluster.carries_traffic:
        pytest.skip(f"{cluster.name} carries no traffic from this machine: {cluster.notes}")
    run = start_run(scenario_book, "breaker", heart_stack)
    settings = RunSettings(run_dir(report_dir, "breaker-cluster"), CLUSTER_WINDOWS)
    outcome = run_breaker(cluster, settings, outage_s=OUTAGE_S)
    timeline = outcome[0]
    verdicts = [
        *breakers_behaved(timeline, *breaker_budgets_s()),
        *load_verdicts(cluster, timeline, "redis-outage", "breaker"),
    ]
    record(run, outcome, verdicts)
    run.assert_passed()

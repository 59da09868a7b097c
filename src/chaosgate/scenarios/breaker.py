"""breaker: Redis fails under load; heart-display's circuit breaker opens fast, answers
degraded 200s instead of errors, and closes after Redis returns.

- on the stack runtime (chaos/breaker.stack.json): Redis is stopped; real containers,
  real locust load; each replica's /metrics is sampled;
- on kind (chaos/breaker.kube.json): Redis answers no client for the outage (CLIENT
  PAUSE ALL) while locust loads the Service; every pod's breaker state is scraped
  through the API server (PodMetricsScraper).
kwok-simulated pods carry no traffic, so no breaker could open there: the cluster
variant is skipped on clusters that carry none. Budgets: gate.yaml's breaker
breaker_open_s.max and breaker_close_s.max (the slowest replica's).
"""

from __future__ import annotations

from pathlib import Path

from chaosgate.errors import UsageError
from chaosgate.harness import HeartStack
from chaosgate.kube.client import connect
from chaosgate.kube.pod_metrics import PodMetricsScraper
from chaosgate.kube.real_oom import HEART_PORT
from chaosgate.providers.base import ClusterInfo
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.scenarios import stack_backend
from chaosgate.scenarios.cluster_backend import (
    Artifacts,
    ClusterRun,
    RunSettings,
    Windows,
    run_fault,
)
from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.scenarios.recording import (
    cluster_slo_verdicts,
    record,
    run_dir,
    slo_verdicts,
    start_on_cluster,
    start_on_stack,
)
from chaosgate.timeline import Timeline, Verdict
from chaosgate.verdicts.breaker import breakers_behaved

SCENARIO = Scenario("breaker", (Family.KUBE, Family.STACK))
OUTAGE_S = 12.0
# The breaker stays open for the chart's breaker.openSeconds (10 s) after Redis is back
# before it probes; the recovery window must outlast that to see it close.
CLUSTER_WINDOWS = Windows(baseline_s=12, settle_s=15)
NO_TRAFFIC = "kwok-simulated pods answer no request, so no breaker would ever open"


def budgets_s() -> tuple[float, float]:
    """How soon the slowest replica's breaker must open, and close again (gate.yaml)."""
    return SCENARIO.budget_s("breaker_open_s.max"), SCENARIO.budget_s("breaker_close_s.max")


def judge(timeline: Timeline) -> list[Verdict]:
    """Every replica's breaker opened, shed load with degraded answers, and closed."""
    return breakers_behaved(timeline, *budgets_s())


def on_stack(book: ScenarioBook, report_dir: Path) -> ScenarioRun:
    """Redis stopped under load on the stack runtime, judged and recorded in the book."""
    run = start_on_stack(book, SCENARIO)
    config = stack_backend.scenario_config(run_dir(report_dir, SCENARIO, "stack"))
    result = stack_backend.run_scenario(SCENARIO, config)
    verdicts = [*judge(result.timeline), *slo_verdicts(SCENARIO, result.timeline, promql=True)]
    record(run, result.timeline, result.kept(), verdicts, result.notes)
    return run


def on_cluster(book: ScenarioBook, stack: HeartStack, report_dir: Path) -> ScenarioRun:
    """Redis paused under load on the stack's cluster, judged and recorded in the book."""
    run = start_on_cluster(book, SCENARIO, stack)
    settings = RunSettings(run_dir(report_dir, SCENARIO, "cluster"), CLUSTER_WINDOWS)
    timeline, artifacts = outage(stack.cluster, settings, outage_s=OUTAGE_S)
    verdicts = [*judge(timeline), *cluster_slo_verdicts(SCENARIO, stack.cluster, timeline)]
    record(run, timeline, artifacts.kept(), verdicts, artifacts.notes)
    return run


def outage(
    cluster: ClusterInfo,
    settings: RunSettings,
    *,
    outage_s: float = OUTAGE_S,
    dry_run: bool = False,
) -> tuple[Timeline, Artifacts]:
    """Redis answers nobody for `outage_s` under load; every pod's breaker must open and close.

    Only where the cluster carries traffic: a breaker opens on calls that fail,
    and only load makes calls. Each pod's /metrics is scraped through the API
    server (PodMetricsScraper) for its breaker state.
    """
    run = ClusterRun(SCENARIO, cluster, settings)
    if not run.carries_traffic():
        raise UsageError(
            f"The breaker scenario needs a cluster whose pods carry traffic; {cluster.name} "
            f"({cluster.provider}) has none. Use --provider kind."
        )
    overrides = {"redis_service": settings.workload.redis_service, "outage_seconds": outage_s}
    workload = settings.workload
    with (
        connect(cluster) as api,
        PodMetricsScraper(
            api,
            workload.namespace,
            workload.selector,
            port=HEART_PORT,
            emit=run.recorder.emit,
            wall_clock=settings.wall_clock,
        ),
    ):
        return run_fault(run, overrides, dry_run=dry_run)

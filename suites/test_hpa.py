"""hpa: load rises, holds and falls; the real HPA scales the StatefulSet out within its
budget, never past its maximum, and back in after the load, without flapping.

On kind the load is locust's, through the Service, and the CPU is what the pods really
burn, as metrics-server measures it. On the local provider (kwok pods) CPU usage is
simulated by usage annotations; the metrics pipeline and the HPA controller are real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from budgets import budget_s
from chaosgate.harness import HeartStack
from chaosgate.kube.scenarios import RunSettings, judge_hpa, run_hpa
from chaosgate.kube.usage import LoadProfile
from chaosgate.providers.base import ClusterInfo
from chaosgate.scenario_book import ScenarioBook
from kube_scenarios import record, run_dir, start_run

MAX_REPLICAS = 12  # the chart's autoscaling.maxReplicas
# Measured on kind here (6 pods, 50m CPU requests, target 70 %): 10 users ~96 req/s ~20 %,
# 40 users ~380 req/s ~50 %, 100 users ~910 req/s ~90 % and a scale-out 6 -> 10 in 30 s.
BASE_USERS = 5
PEAK_USERS = 100


def scale_out_budget_s() -> float:
    return budget_s("hpa", "hpa_scale_out_s")


def profile_for(cluster: ClusterInfo) -> LoadProfile:
    """The load lasts as long as the budget, or a slow HPA could not be told from a short run."""
    if not cluster.carries_traffic:
        # Simulated: users of the usage model (10 millicores each, spread over the Ready pods).
        return LoadProfile(
            peak_users=30, ramp_up_s=2, hold_s=scale_out_budget_s(), ramp_down_s=2, cooldown_s=90
        )
    # Real: locust users. BASE keeps the pods well under the CPU target, PEAK well over it.
    return LoadProfile(
        peak_users=PEAK_USERS,
        baseline_users=BASE_USERS,
        ramp_up_s=0,
        hold_s=scale_out_budget_s(),
        ramp_down_s=0,
        cooldown_s=120,
    )


pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.scenario("hpa")
def test_hpa(heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path) -> None:
    run = start_run(scenario_book, "hpa", heart_stack)
    cluster = heart_stack.cluster
    outcome = run_hpa(cluster, profile_for(cluster), RunSettings(run_dir(report_dir, "hpa")))
    record(run, outcome, judge_hpa(outcome[0], scale_out_budget_s(), MAX_REPLICAS))
    latency = run.figures.get("scale_out_latency_s")
    if latency is not None:
        run.figures["hpa_scale_out_s"] = latency
    run.assert_passed()

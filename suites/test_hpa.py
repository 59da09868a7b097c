"""hpa: simulated CPU load rises, holds and falls; the real HPA scales the StatefulSet
out within its budget, never past its maximum, and back in after the load, without
flapping. CPU usage is simulated (kwok usage annotations); the metrics pipeline and
the HPA controller are real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.kube.scenarios import RunSettings, judge_hpa, run_hpa
from chaosgate.kube.usage import LoadProfile
from chaosgate.scenario_book import ScenarioBook
from kube_scenarios import record, run_dir, start_run

SCALE_OUT_BUDGET_S = 60.0
MAX_REPLICAS = 12  # the chart's autoscaling.maxReplicas
# The load lasts as long as the budget, or a slow HPA could not be told from a short run.
PROFILE = LoadProfile(
    peak_users=30, ramp_up_s=2, hold_s=SCALE_OUT_BUDGET_S, ramp_down_s=2, cooldown_s=90
)

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(900)]


def test_hpa(heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path) -> None:
    run = start_run(scenario_book, "hpa", heart_stack)
    outcome = run_hpa(heart_stack.cluster, PROFILE, RunSettings(run_dir(report_dir, "hpa")))
    record(run, outcome, judge_hpa(outcome[0], SCALE_OUT_BUDGET_S, MAX_REPLICAS))
    latency = run.figures.get("scale_out_latency_s")
    if latency is not None:
        run.figures["hpa_scale_out_s"] = latency
    run.assert_passed()

"""pod_kill: a replica is killed under load; the fault lands and the workload recovers
within its budget while the load SLOs hold.

The stack-runtime variant kills a real container process under real load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.kube.scenarios import judge_pod_kill, run_pod_kill
from chaosgate.scenario_book import ScenarioBook
from chaosgate.stack.scenarios import ScenarioResult, run_pod_kill_scenario
from chaosgate.timeline import Verdict
from kube_scenarios import run_pod_fault
from stack_scenarios import judge_restart, run_and_record


def judge(result: ScenarioResult) -> list[Verdict]:
    return judge_restart(result, "pod_kill", "pod_kill", "pod-kill")


@pytest.mark.needs_docker
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.scenario("pod_kill[stack]")
def test_pod_kill_on_stack_runtime(scenario_book: ScenarioBook, report_dir: Path) -> None:
    run = run_and_record(
        scenario_book, "pod_kill", report_dir / "pod-kill-stack", run_pod_kill_scenario, judge
    )
    run.assert_passed()


@pytest.mark.needs_tools
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.scenario("pod_kill")
def test_pod_kill_on_cluster(
    heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path
) -> None:
    run = run_pod_fault(
        scenario_book,
        "pod_kill",
        heart_stack,
        report_dir,
        inject=run_pod_kill,
        judge=judge_pod_kill,
        slo_name="pod-kill",
    )
    run.assert_passed()

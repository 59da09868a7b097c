"""oom: a replica allocates past its memory limit under load; the kernel OOM-kills it
(a real cgroup OOM kill on the stack runtime), it restarts, and the service recovers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.kube.scenarios import judge_oom, run_oom
from chaosgate.scenario_book import ScenarioBook
from chaosgate.stack.scenarios import ScenarioResult, run_oom_scenario
from chaosgate.timeline import Verdict
from kube_scenarios import run_pod_fault
from stack_scenarios import judge_restart, run_and_record


def judge(result: ScenarioResult) -> list[Verdict]:
    return judge_restart(result, "oom", "oom_kill", "oom-kill")


@pytest.mark.needs_docker
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.scenario("oom[stack]")
def test_oom_on_stack_runtime(scenario_book: ScenarioBook, report_dir: Path) -> None:
    run = run_and_record(scenario_book, "oom", report_dir / "oom-stack", run_oom_scenario, judge)
    run.assert_passed()


@pytest.mark.needs_tools
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.scenario("oom")
def test_oom_on_cluster(
    heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path
) -> None:
    run = run_pod_fault(
        scenario_book,
        "oom",
        heart_stack,
        report_dir,
        inject=run_oom,
        judge=judge_oom,
        slo_name="oom-kill",
    )
    run.assert_passed()

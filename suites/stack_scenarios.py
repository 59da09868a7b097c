"""Traffic scenarios on the stack runtime: real containers, real load, real faults.

The stack runtime runs heart-display and Redis as containers on this machine
(no Kubernetes), so pod kills, OOM kills and a Redis outage happen for real
under locust load. Each function runs one scenario, judges it with the pure
verdicts, and records it in the scenario book as `<name>[stack]`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from budgets import budget_s
from chaosgate.load.slo import slos_for
from chaosgate.prometheus.slo_file import promql_slo_for
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.stack.scenarios import ScenarioConfig, ScenarioResult
from chaosgate.timeline import Verdict
from chaosgate.verdicts.breaker import breakers_behaved
from chaosgate.verdicts.promql import promql_slos_held
from chaosgate.verdicts.recovery import Workload, fault_landed, recovered_within
from chaosgate.verdicts.slo import latency_vs_baseline, slos_held

BACKEND = "stack runtime (real containers, Docker)"


def run_and_record(
    book: ScenarioBook,
    name: str,
    run_dir: Path,
    scenario: Callable[[ScenarioConfig], ScenarioResult],
    judge: Callable[[ScenarioResult], list[Verdict]],
) -> ScenarioRun:
    """Run a stack scenario and record its verdicts, figures and artefacts."""
    run = book.start(f"{name}[stack]", BACKEND)
    # Windows of at least 12 s give the baseline comparison >= 8 per-second
    # samples a side. That includes the fault window: the breaker is compared
    # from the moment it opens (up to a second into the outage) to the
    # outage's end, and an 8 s outage left it 7 samples on a slow day.
    # A crash here is an error testcase through the plugin (ScenarioRun.finish).
    config = ScenarioConfig(run_dir=run_dir, baseline_s=12, fault_s=12, recovery_s=12)
    result = scenario(config)
    run.timeline = result.timeline
    run.artifacts.update({"timeline": result.timeline_path, "journal": result.journal_path})
    for verdict in judge(result):
        run.add(verdict)
        run.figures.update(verdict.figures)
    if name != "breaker":  # the breaker verdict judges its own baseline comparison
        run.figures.update(recovery_latency_figures(result))
    return run


def slo_verdicts(result: ScenarioResult, slo_name: str, scenario: str) -> list[Verdict]:
    """The load SLO of each window (figures like `fail_ratio.fault`), then the PromQL SLO's."""
    return [
        *slos_held(result.timeline, slos_for(slo_name)),
        *promql_slos_held(result.timeline, promql_slo_for(scenario)),
    ]


def judge_restart(
    result: ScenarioResult, scenario: str, action: str, slo_name: str
) -> list[Verdict]:
    """A killed replica: the fault landed, the workload recovered, SLOs held."""
    workload = Workload("heart-display", source="probe")
    return [
        fault_landed(result.timeline, action),
        recovered_within(
            result.timeline, budget_s(scenario, "recovery_s"), workload, action=action
        ),
        *slo_verdicts(result, slo_name, scenario),
    ]


def recovery_latency_figures(result: ScenarioResult) -> dict[str, float | int | str]:
    """Recovery-window latency against the baseline, reported but not judged.

    Right after a restart the replica warms up and, on a shared machine, the
    comparison also picks up neighbours' load; the gate judges recovery time
    and failures, and shows this for people to read.
    """
    verdict = latency_vs_baseline(result.timeline, "recovery")
    figures = {f"recovery.{key}": value for key, value in verdict.figures.items()}
    return {**figures, "recovery.latency_vs_baseline": verdict.outcome.value}


def breaker_budgets_s() -> tuple[float, float]:
    """How soon the slowest replica's breaker must open, and close again (gate.yaml)."""
    return budget_s("breaker", "breaker_open_s.max"), budget_s("breaker", "breaker_close_s.max")


def judge_breaker(result: ScenarioResult) -> list[Verdict]:
    """Every replica's breaker opened, shed load with degraded answers, and closed."""
    return [
        *breakers_behaved(result.timeline, *breaker_budgets_s()),
        *slo_verdicts(result, "redis-outage", "breaker"),
    ]

"""The shape pod_kill and oom share: one replica's container dies under load and the
workload must have it back within the scenario's recovery budget.

A scenario module gives its definition, the FAULT action its injectors record
and how the cluster backend lands the fault; the rest (target, windows,
judging, recording) is here once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaosgate.harness import HeartStack
from chaosgate.providers.base import ClusterInfo
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.scenarios import cluster_backend, stack_backend
from chaosgate.scenarios.cluster_backend import ClusterRun, RunSettings, Windows
from chaosgate.scenarios.definition import Scenario
from chaosgate.scenarios.recording import (
    cluster_slo_verdicts,
    record,
    recovery_latency_figures,
    run_dir,
    slo_verdicts,
    start_on_cluster,
    start_on_stack,
)
from chaosgate.timeline import Timeline, Verdict
from chaosgate.verdicts.recovery import Workload, fault_landed, recovered_within

TARGET_POD = "heart-display-1"
# Under load the baseline is long enough for a steady figure to compare with.
CLUSTER_WINDOWS = Windows(baseline_s=10, recovery_timeout_s=90)
CLUSTER_WORKLOAD = Workload("heart-display")  # the StatefulSet's pods, as the watches see them
STACK_WORKLOAD = Workload("heart-display", source="probe")  # each replica's /readyz


@dataclass(frozen=True)
class ReplicaFault:
    """One replica-fault scenario: its definition and the FAULT action its injectors write."""

    scenario: Scenario
    action: str  # the FAULT records' action (chaosgate.verdicts.records)
    # The kube experiment's configuration for a target pod (beyond what every run sets).
    cluster_overrides: Callable[[str], dict[str, Any]]

    def judge(
        self,
        timeline: Timeline,
        workload: Workload = CLUSTER_WORKLOAD,
        *,
        budget_s: float | None = None,
    ) -> list[Verdict]:
        """The fault landed, and the workload recovered within budget_s (default: the
        gate policy's recovery_s for the scenario)."""
        budget = self.scenario.budget_s("recovery_s") if budget_s is None else budget_s
        return [
            fault_landed(timeline, self.action),
            recovered_within(timeline, budget, workload, action=self.action),
        ]

    def inject_on_cluster(
        self,
        cluster: ClusterInfo,
        pod: str,
        settings: RunSettings,
        *,
        dry_run: bool = False,
        **overrides: Any,
    ) -> tuple[Timeline, cluster_backend.Artifacts]:
        """Land the fault on `pod` of the cluster and record until it recovered.

        `overrides` are experiment configuration values (e.g. oom_mechanism).
        """
        run = ClusterRun(self.scenario, cluster, settings)
        configuration = {**self.cluster_overrides(pod), **overrides}
        return cluster_backend.run_fault(run, configuration, dry_run=dry_run)

    def on_cluster(self, book: ScenarioBook, stack: HeartStack, report_dir: Path) -> ScenarioRun:
        """The scenario on a cluster, judged and recorded in the book."""
        run = start_on_cluster(book, self.scenario, stack)
        settings = RunSettings(run_dir(report_dir, self.scenario, "cluster"), CLUSTER_WINDOWS)
        timeline, artifacts = self.inject_on_cluster(stack.cluster, TARGET_POD, settings)
        verdicts = [
            *self.judge(timeline, Workload(settings.workload.statefulset)),
            *cluster_slo_verdicts(self.scenario, stack.cluster, timeline),
        ]
        record(run, timeline, artifacts.kept(), verdicts, artifacts.notes)
        return run

    def on_stack(self, book: ScenarioBook, report_dir: Path) -> ScenarioRun:
        """The scenario on the stack runtime: a real container killed under real load."""
        run = start_on_stack(book, self.scenario)
        config = stack_backend.scenario_config(run_dir(report_dir, self.scenario, "stack"))
        result = stack_backend.run_scenario(self.scenario, config)
        verdicts = [
            *self.judge(result.timeline, STACK_WORKLOAD),
            *slo_verdicts(self.scenario, result.timeline, promql=True),
        ]
        record(run, result.timeline, result.kept(), verdicts, result.notes)
        run.figures.update(recovery_latency_figures(result.timeline))
        return run

"""Kubernetes scenarios on the cluster Argo CD deployed the heart stack to.

On the local provider the control plane (eviction API, PDBs, scheduler,
StatefulSet and HPA controllers, metrics pipeline) is real and pods are
simulated by kwok; each verdict's backend says so. On kind the pods are real
and carry locust's load through the Service's published node port, so each
window's load SLO is judged too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from budgets import budget_s
from chaosgate.harness import HeartStack, backend_label
from chaosgate.kube.scenarios import Artifacts, RunSettings, Windows
from chaosgate.load.slo import slos_for
from chaosgate.prometheus.slo_file import promql_slo_for
from chaosgate.providers.base import ClusterInfo
from chaosgate.safety import require_chaos_allowed
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.timeline import Timeline, Verdict
from chaosgate.verdicts import observed_throughout, slos_held
from chaosgate.verdicts.promql import promql_slos_held


def start_run(book: ScenarioBook, name: str, stack: HeartStack) -> ScenarioRun:
    """A scenario run on the stack's cluster, refusing clusters chaos may not touch."""
    require_chaos_allowed(stack.cluster)
    return book.start(name, backend_label(stack.cluster), stack.revision)


def record(run: ScenarioRun, outcome: tuple[Timeline, Artifacts], verdicts: list[Verdict]) -> None:
    """Attach the timeline, its artefacts, the verdicts and their figures to the run."""
    timeline, artifacts = outcome
    run.timeline = timeline
    run.notes.extend(artifacts.notes)
    verdicts = [*verdicts, observed_throughout(timeline)]
    run.artifacts["timeline"] = artifacts.timeline_path
    if artifacts.journal_status is not None:  # hpa plays a load profile: no experiment
        run.artifacts["journal"] = artifacts.journal_path
    for verdict in verdicts:
        run.add(verdict)
        run.figures.update(verdict.figures)


def run_dir(report_dir: Path, name: str) -> Path:
    path = report_dir / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_verdicts(
    cluster: ClusterInfo, timeline: Timeline, slo_name: str, scenario: str
) -> list[Verdict]:
    """Each window's load SLO (loadtests/slo.yaml) where the cluster carries traffic, and
    its PromQL SLO (monitoring/slo.yaml) where a Prometheus in the cluster scraped it.

    Where it does not (kwok pods answer nothing) no load ran and there is
    nothing to judge; the testcase's backend says the pods were simulated.
    """
    if not cluster.carries_traffic:
        return []
    verdicts = slos_held(timeline, slos_for(slo_name))
    if cluster.prometheus_url is not None:
        verdicts += promql_slos_held(timeline, promql_slo_for(scenario))
    return verdicts


POD_FAULT_TARGET = "heart-display-1"
# Under load the baseline is long enough for a steady figure to compare with.
POD_FAULT_WINDOWS = Windows(baseline_s=10, recovery_timeout_s=90)


def run_pod_fault(
    book: ScenarioBook,
    name: str,
    stack: HeartStack,
    report_dir: Path,
    *,
    inject: Callable[[ClusterInfo, str, RunSettings], tuple[Timeline, Artifacts]],
    judge: Callable[[Timeline, float], list[Verdict]],
    slo_name: str,
) -> ScenarioRun:
    """Kill or OOM-kill one heart-display pod of the cluster and judge its recovery."""
    run = start_run(book, name, stack)
    settings = RunSettings(run_dir(report_dir, f"{name}-cluster"), POD_FAULT_WINDOWS)
    outcome = inject(stack.cluster, POD_FAULT_TARGET, settings)
    timeline = outcome[0]
    verdicts = [
        *judge(timeline, budget_s(name, "recovery_s")),
        *load_verdicts(stack.cluster, timeline, slo_name, name),
    ]
    record(run, outcome, verdicts)
    return run

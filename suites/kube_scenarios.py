"""Kubernetes scenarios on the cluster Argo CD deployed the heart stack to.

On the local provider the control plane (eviction API, PDBs, scheduler,
StatefulSet and HPA controllers, metrics pipeline) is real and pods are
simulated by kwok; each verdict's backend says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chaosgate.harness import HeartStack, backend_label
from chaosgate.kube.scenarios import Artifacts, RunSettings, Windows
from chaosgate.providers.base import ClusterInfo
from chaosgate.safety import require_chaos_allowed
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.timeline import Timeline, Verdict


def start_run(book: ScenarioBook, name: str, stack: HeartStack) -> ScenarioRun:
    """A scenario run on the stack's cluster, refusing clusters chaos may not touch."""
    require_chaos_allowed(stack.cluster)
    return book.start(name, backend_label(stack.cluster), stack.revision)


def record(run: ScenarioRun, outcome: tuple[Timeline, Artifacts], verdicts: list[Verdict]) -> None:
    """Attach the timeline, its artefacts, the verdicts and their figures to the run."""
    timeline, artifacts = outcome
    run.timeline = timeline
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


POD_FAULT_TARGET = "heart-display-1"
POD_FAULT_WINDOWS = Windows(baseline_s=3, recovery_timeout_s=90)
POD_FAULT_BUDGET_S = 60.0


def run_pod_fault(
    book: ScenarioBook,
    name: str,
    stack: HeartStack,
    report_dir: Path,
    *,
    inject: Callable[[ClusterInfo, str, RunSettings], tuple[Timeline, Artifacts]],
    judge: Callable[[Timeline, float], list[Verdict]],
) -> ScenarioRun:
    """Kill or OOM-kill one heart-display pod of the cluster and judge its recovery."""
    run = start_run(book, name, stack)
    settings = RunSettings(run_dir(report_dir, f"{name}-cluster"), POD_FAULT_WINDOWS)
    outcome = inject(stack.cluster, POD_FAULT_TARGET, settings)
    record(run, outcome, judge(outcome[0], POD_FAULT_BUDGET_S))
    return run

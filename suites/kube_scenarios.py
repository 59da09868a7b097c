"""Kubernetes scenarios on the cluster Argo CD deployed the heart stack to.

On the local provider the control plane (eviction API, PDBs, scheduler,
StatefulSet and HPA controllers, metrics pipeline) is real and pods are
simulated by kwok; each verdict's backend says so.
"""

from __future__ import annotations

from pathlib import Path

from chaosgate.harness import HeartStack, backend_label
from chaosgate.kube.scenarios import Artifacts
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
    run.artifacts.update(
        {"timeline": artifacts.run_dir / "timeline.jsonl", "journal": artifacts.run_dir}
    )
    for verdict in verdicts:
        run.add(verdict)
        run.figures.update(verdict.figures)


def run_dir(report_dir: Path, name: str) -> Path:
    path = report_dir / name
    path.mkdir(parents=True, exist_ok=True)
    return path

"""Turning a backend's run into a ScenarioRun in the scenario book, the same way for every backend.

A scenario module calls start_* before it acts (so a crash is an error
testcase with the right backend), then record() with the timeline, its
artefacts and the verdicts: each verdict's figures become the testcase's.
Load SLOs (loadtests/slo.yaml) and PromQL SLOs (monitoring/slo.yaml) are
judged here for every backend that carries traffic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from chaosgate.harness import HeartStack, backend_label
from chaosgate.providers.base import ClusterInfo
from chaosgate.safety import require_chaos_allowed
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.scenarios.definition import Scenario
from chaosgate.timeline import Timeline, Verdict
from chaosgate.verdicts import observed_throughout, slos_held
from chaosgate.verdicts.promql import promql_slos_held
from chaosgate.verdicts.slo import latency_vs_baseline

STACK_BACKEND = "stack runtime (real containers, Docker)"


def start_on_cluster(book: ScenarioBook, scenario: Scenario, stack: HeartStack) -> ScenarioRun:
    """A scenario run on the stack's cluster, refusing clusters chaos may not touch."""
    require_chaos_allowed(stack.cluster)
    return book.start(scenario.name, backend_label(stack.cluster), stack.revision)


def start_on_stack(book: ScenarioBook, scenario: Scenario) -> ScenarioRun:
    """A scenario run on the stack runtime, recorded as `<name>[stack]`."""
    return book.start(f"{scenario.name}[stack]", STACK_BACKEND)


def record(
    run: ScenarioRun,
    timeline: Timeline,
    artifacts: Mapping[str, Path],
    verdicts: Iterable[Verdict],
    notes: Iterable[str] = (),
) -> None:
    """Attach the timeline, its artefacts, the verdicts and their figures to the run.

    Every timeline is judged for blind intervals too (observed_throughout): a
    watch gap over a window makes the scenario an error, on every backend.
    """
    run.timeline = timeline
    run.notes.extend(notes)
    run.artifacts.update(artifacts)
    for verdict in [*verdicts, observed_throughout(timeline)]:
        run.add(verdict)
        run.figures.update(verdict.figures)


def run_dir(report_dir: Path, scenario: Scenario, backend: str) -> Path:
    """<report dir>/<scenario>-<backend>, made."""
    path = report_dir / f"{scenario.name}-{backend}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def slo_verdicts(scenario: Scenario, timeline: Timeline, *, promql: bool) -> list[Verdict]:
    """Each window's load SLO (figures like `fail_ratio.fault`), then, where a Prometheus
    scraped the run, its PromQL SLO."""
    verdicts = slos_held(timeline, scenario.load_slos())
    if promql:
        verdicts += promql_slos_held(timeline, scenario.promql_slo())
    return verdicts


def cluster_slo_verdicts(
    scenario: Scenario, cluster: ClusterInfo, timeline: Timeline
) -> list[Verdict]:
    """The SLO verdicts where the cluster carries traffic; none where it does not.

    kwok pods answer nothing, so no load ran there and there is nothing to
    judge; the testcase's backend says the pods were simulated.
    """
    if not cluster.carries_traffic:
        return []
    return slo_verdicts(scenario, timeline, promql=cluster.prometheus_url is not None)


def recovery_latency_figures(timeline: Timeline) -> dict[str, float | int | str]:
    """Recovery-window latency against the baseline, reported but not judged.

    Right after a restart the replica warms up and, on a shared machine, the
    comparison also picks up neighbours' load; the gate judges recovery time
    and failures, and shows this for people to read.
    """
    verdict = latency_vs_baseline(timeline, "recovery")
    figures = {f"recovery.{key}": value for key, value in verdict.figures.items()}
    return {**figures, "recovery.latency_vs_baseline": verdict.outcome.value}

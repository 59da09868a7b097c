"""az_drain: every node of one zone is cordoned and drained through the Eviction API while
the PDB holds; pods re-spread over the remaining zones; the zone is always uncordoned.

Cluster only (chaos/az_drain.kube.json). The verdicts: the PDB held, really refused an
eviction (429) and admitted each one only within its budget at that moment; the zone
emptied and the evicted pods went where the spread constraint lets them (or stayed
Pending, said so). SLOs where the cluster carries traffic.
"""

from __future__ import annotations

from pathlib import Path

from chaosgate.harness import HeartStack
from chaosgate.kube.zone_drain import ACTION as FAULT_ACTION  # what its FAULT records say
from chaosgate.providers.base import ClusterInfo
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.scenarios.cluster_backend import (
    Artifacts,
    ClusterRun,
    RunSettings,
    TargetWorkload,
    Windows,
    run_fault,
)
from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.scenarios.recording import cluster_slo_verdicts, record, run_dir, start_on_cluster
from chaosgate.timeline import FAULT, NODE, Record, Timeline, Verdict
from chaosgate.verdicts import (
    evictions_refused_not_absent,
    evictions_within_budget,
    pdb_held,
    zone_drain_ok,
)

SCENARIO = Scenario(
    "az_drain",
    (Family.KUBE,),
    kwok_simulates=(
        "real: cordon, Eviction API with PDB enforcement (HTTP 429), disruption and "
        "StatefulSet controllers, scheduler (zone spread); simulated by kwok: pods "
        "starting, Running and Ready, their deletion"
    ),
)
ZONE = "zone-a"
WINDOWS = Windows(baseline_s=5)
HOLD_S = 10.0


def on_cluster(book: ScenarioBook, stack: HeartStack, report_dir: Path) -> ScenarioRun:
    """Drain ZONE on the stack's cluster, judge it, and record it in the book."""
    run = start_on_cluster(book, SCENARIO, stack)
    settings = RunSettings(run_dir(report_dir, SCENARIO, "cluster"), WINDOWS)
    timeline, artifacts = drain(stack.cluster, ZONE, settings, hold_s=HOLD_S)
    verdicts = [
        *judge(timeline, ZONE),
        *cluster_slo_verdicts(SCENARIO, stack.cluster, timeline),
    ]
    record(run, timeline, artifacts.kept(), verdicts, artifacts.notes)
    return run


def drain(
    cluster: ClusterInfo,
    zone: str,
    settings: RunSettings,
    *,
    hold_s: float = HOLD_S,
    eviction_deadline_s: float = 60.0,
    dry_run: bool = False,
) -> tuple[Timeline, Artifacts]:
    """Drain `zone` (every namespace, as a real drain), hold it `hold_s`, uncordon, recover.

    The fault window closes at the drain's "uncordon" record: the drain window
    must end before the zone is given back (zone_drain_ok checks that it was
    empty then).
    """
    run = ClusterRun(SCENARIO, cluster, settings)
    overrides = {
        "zone": zone,
        "hold_seconds": hold_s,
        "eviction_deadline_seconds": eviction_deadline_s,
        "completion_timeout_seconds": settings.windows.recovery_timeout_s,
    }
    return run_fault(run, overrides, dry_run=dry_run, fault_end=uncordon_time)


def uncordon_time(run: ClusterRun) -> float | None:
    """When the drain gave the zone back (its "uncordon" record), if it did."""
    return next(
        (
            r.t
            for r in run.fault_records()
            if r.data.get("action") == FAULT_ACTION and r.data.get("phase") == "uncordon"
        ),
        None,
    )


def zones_in(timeline: Timeline) -> list[str]:
    """The zones of the nodes the recorder saw."""
    return sorted({str(z) for r in timeline.of_kind(NODE) if (z := r.data.get("zone"))})


def evictions_under(timeline: Timeline, pdb: str) -> Timeline:
    """The timeline without the evictions of pods that `pdb` does not cover.

    A zone drain evicts every pod there (Redis too); whether the budget was
    enforced is a question about the pods it covers. Eviction records that
    name no budgets at all are kept.
    """

    def other_budget(record: Record) -> bool:
        data = record.data
        return (
            record.kind == FAULT
            and data.get("action") == FAULT_ACTION
            and data.get("phase") in ("landed", "refused")
            and "pdbs" in data
            and pdb not in data["pdbs"]
        )

    return Timeline(r for r in timeline if not other_budget(r))


def judge(timeline: Timeline, zone: str, workload: TargetWorkload | None = None) -> list[Verdict]:
    """The PDB held, was really enforced, admitted each eviction only within its budget,
    and the zone drained and re-spread.

    No latency comparison (baseline_window=None): the SLO verdicts judge the load.
    """
    w = workload or TargetWorkload()
    return [
        pdb_held(timeline, w.pdb),
        evictions_refused_not_absent(evictions_under(timeline, w.pdb), w.pdb),
        evictions_within_budget(timeline, w.pdb, w.statefulset),
        zone_drain_ok(
            timeline, zone, zones_in(timeline), workload=w.statefulset, baseline_window=None
        ),
    ]

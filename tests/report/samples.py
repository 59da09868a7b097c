"""Realistic scenario results and timelines for report tests, built from records.

The timelines follow the record contract of chaosgate.verdicts.records: what
the recorders write during a run, at one record per second of load and one
per observed object state.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chaosgate.report.model import ScenarioResult
from chaosgate.timeline import (
    FAULT,
    HPA,
    LOAD,
    METRICS,
    PDB,
    POD,
    PROBE,
    WINDOW,
    Outcome,
    Record,
    Timeline,
    Verdict,
)

T0 = 1_767_000_000.0  # a fixed wall-clock start, so renders are reproducible
REVISION = "3f9c2a7be41d0c6a9e8f1b2c3d4e5f60718293a4"
ZONES = ("zone-a", "zone-b", "zone-c")


def window(name: str, start: float, end: float) -> list[Record]:
    return [
        Record(T0 + start, WINDOW, "scenario", {"window": name, "edge": "start"}),
        Record(T0 + end, WINDOW, "scenario", {"window": name, "edge": "end"}),
    ]


def fault(action: str, start: float, end: float, **extra: object) -> list[Record]:
    return [
        Record(T0 + start, FAULT, "chaos", {"action": action, "phase": "start", **extra}),
        Record(T0 + start + 0.4, FAULT, "chaos", {"action": action, "phase": "landed"}),
        Record(T0 + end, FAULT, "chaos", {"action": action, "phase": "end"}),
    ]


def load(seconds: int, *, disturbed: tuple[float, float] = (-1, -1)) -> Iterator[Record]:
    """One LOAD record per second; during `disturbed` latency rises and a few requests fail."""
    for second in range(1, seconds + 1):
        hit = disturbed[0] <= second <= disturbed[1]
        requests = 48 + round(6 * math.sin(second / 7))
        p95 = (140.0 if hit else 38.0) + 5 * math.sin(second / 3)
        yield Record(
            T0 + second,
            LOAD,
            "locust",
            {
                "requests": requests,
                "failures": 3 if hit else 0,
                "p50_ms": p95 / 2.5,
                "p95_ms": p95,
                "p99_ms": p95 * 1.6,
                "rps": float(requests),
            },
        )


def pod(
    t: float,
    name: str,
    zone: str,
    *,
    ready: bool = True,
    deleted: bool = False,
    uid: str = "",
    phase: str = "Running",
) -> Record:
    return Record(
        T0 + t,
        POD,
        name,
        {
            "uid": uid or f"uid-{name}",
            "phase": phase,
            "ready": ready,
            "deleted": deleted,
            "restartCount": 0,
            "node": f"node-{zone}-1",
            "zone": zone,
        },
    )


def initial_pods(per_zone: int = 2) -> list[Record]:
    names = [f"heart-display-{i}" for i in range(per_zone * len(ZONES))]
    return [pod(0, name, ZONES[i % len(ZONES)]) for i, name in enumerate(names)]


def pdb(t: float, current: int, desired: int = 5) -> Record:
    return Record(
        T0 + t,
        PDB,
        "heart-display",
        {
            "currentHealthy": current,
            "desiredHealthy": desired,
            "disruptionsAllowed": max(current - desired, 0),
            "expectedPods": 6,
        },
    )


def breaker(t: float, instance: str, state: int) -> Record:
    return Record(T0 + t, METRICS, instance, {"breaker_state": state})


def pod_kill_timeline() -> Timeline:
    records = [*window("baseline", 0, 30), *window("fault", 30, 40), *window("recovery", 40, 90)]
    records += [*fault("pod_kill", 30, 31, target="heart-display-1"), *load(90, disturbed=(30, 36))]
    records += initial_pods()
    records += [
        pod(30.2, "heart-display-1", "zone-b", ready=False, deleted=True),
        pod(31, "heart-display-1", "zone-b", ready=False, uid="uid-new", phase="Pending"),
        pod(47.5, "heart-display-1", "zone-b", uid="uid-new"),
        pdb(0, 6),
        pdb(30.2, 5),
        pdb(47.5, 6),
    ]
    records += [breaker(t, f"heart-display-{i}", 0) for t in range(0, 91, 10) for i in range(3)]
    return Timeline(records)


def az_drain_timeline() -> Timeline:
    records = [*window("baseline", 0, 20), *window("fault", 20, 160), *window("recovery", 160, 200)]
    records += [*fault("zone_drain", 20, 150, zone="zone-c"), *load(200, disturbed=(22, 30))]
    records += initial_pods()
    records += [pdb(0, 6)]
    for step, (name, to_zone) in enumerate(
        (("heart-display-2", "zone-a"), ("heart-display-5", "zone-b"))
    ):
        evicted_at = 22 + step * 60
        records += [
            pod(evicted_at, name, "zone-c", ready=False, deleted=True),
            pdb(evicted_at, 5),
            pod(evicted_at + 1, name, to_zone, ready=False, uid=f"uid-{name}-2", phase="Pending"),
            pod(evicted_at + 45, name, to_zone, uid=f"uid-{name}-2"),
            pdb(evicted_at + 45, 6),
        ]
    return Timeline(records)


def hpa_timeline() -> Timeline:
    records = [*window("load", 0, 120), *window("cooldown", 120, 300), *load(300)]
    records += initial_pods(per_zone=1)
    desired = [(0, 3), (45, 6), (255, 3)]
    records += [
        Record(T0 + t, HPA, "heart-display", {"currentReplicas": n, "desiredReplicas": n})
        for t, n in desired
    ]
    records += [pod(70 + i * 4, f"heart-display-{3 + i}", ZONES[i % 3]) for i in range(3)]
    records += [
        pod(270 + i * 4, f"heart-display-{3 + i}", ZONES[i % 3], ready=False, deleted=True)
        for i in range(3)
    ]
    return Timeline(records)


def breaker_stack_timeline() -> Timeline:
    records = [*window("baseline", 0, 30), *window("fault", 30, 60), *window("recovery", 60, 100)]
    records += [*fault("redis_outage", 30, 60), *load(100)]
    records += [
        Record(T0 + t, PROBE, "heart-display", {"ready": 3, "desired": 3}) for t in range(0, 101, 5)
    ]
    sequence = [(0, 0), (31.5, 1), (46.5, 2), (47, 1), (62, 2), (63, 0)]
    records += [breaker(t, f"heart-{i}", state) for t, state in sequence for i in range(3)]
    return Timeline(records)


def gitops_timeline() -> Timeline:
    return Timeline([*window("sync", 0, 42), *initial_pods()])


def sample_results(artefact_dir: Path) -> tuple[list[ScenarioResult], dict[str, Timeline]]:
    """Seven results covering every outcome (pass, marginal, fail, error, skipped)."""
    timeline_path = artefact_dir / "timelines"
    results = [
        ScenarioResult(
            "gitops",
            "kind",
            REVISION,
            Outcome.ERROR,
            (
                Verdict(
                    "synced_at_revision",
                    Outcome.ERROR,
                    "cannot judge synced_at_revision: Argo CD never reported a sync result",
                ),
            ),
            {"sync_s": 42.0},
            T0,
            42.0,
            {"timeline": timeline_path / "gitops.jsonl"},
        ),
        ScenarioResult(
            "pod_kill",
            "kind",
            REVISION,
            Outcome.PASS,
            (
                Verdict(
                    "pdb_invariant",
                    Outcome.PASS,
                    "PDB held: min margin 0 over 3 samples",
                    {"min_margin": 0},
                ),
                Verdict(
                    "recovery",
                    Outcome.PASS,
                    "ready again 17.3 s after pod_kill start (budget 60 s)",
                    {"recovery_s": 17.3},
                ),
            ),
            {"recovery_s": 17.3, "p95_ms.fault": 142.1, "fail_ratio.fault": 0.041},
            T0,
            90.0,
            {"timeline": timeline_path / "pod_kill.jsonl", "journal": artefact_dir / "journal.log"},
        ),
        ScenarioResult(
            "oom",
            "kind",
            REVISION,
            Outcome.FAIL,
            (
                Verdict(
                    "recovery",
                    Outcome.FAIL,
                    "ready again 75.0 s after oom_kill start, 15.0 s over the 60 s budget",
                ),
            ),
            {"recovery_s": 75.0},
            T0,
            120.0,
            {"timeline": timeline_path / "oom.jsonl"},
        ),
        ScenarioResult(
            "az_drain",
            "kind",
            REVISION,
            Outcome.MARGINAL,
            (
                Verdict(
                    "drain_time",
                    Outcome.MARGINAL,
                    "zone-c drained in 250 s, 83% of the 300 s budget",
                ),
            ),
            {"drain_s": 250.0},
            T0,
            200.0,
            {"timeline": timeline_path / "az_drain.jsonl"},
        ),
        ScenarioResult(
            "hpa",
            "kind",
            REVISION,
            Outcome.PASS,
            (Verdict("hpa_scale_out", Outcome.PASS, "scaled 3 → 6 45.0 s into the load"),),
            {"hpa_scale_out_s": 45.0, "hpa_scale_in_s": 135.0},
            T0,
            300.0,
            {},
        ),
        ScenarioResult(
            "breaker",
            "local (kwok-simulated pods)",
            REVISION,
            Outcome.PASS,
            skipped_reason="the local provider has no traffic through pods; see breaker[stack]",
        ),
        ScenarioResult(
            "breaker[stack]",
            "stack-runtime (docker)",
            REVISION,
            Outcome.PASS,
            (
                Verdict(
                    "breaker_sequence", Outcome.PASS, "closed → open 1.5 s → half-open → closed"
                ),
            ),
            {"breaker_open_s.max": 1.5, "breaker_close_s.max": 2.0, "fail_ratio.fault": 0.0},
            T0,
            100.0,
            {},
        ),
    ]
    timelines = {
        "gitops": gitops_timeline(),
        "pod_kill": pod_kill_timeline(),
        "az_drain": az_drain_timeline(),
        "hpa": hpa_timeline(),
        "breaker[stack]": breaker_stack_timeline(),
    }
    return results, timelines


@dataclass(frozen=True)
class RenderedReport:
    """An index.html written from sample_results, and the results it shows."""

    index: Path
    results: list[ScenarioResult]

    @property
    def html(self) -> str:
        return self.index.read_text(encoding="utf-8")

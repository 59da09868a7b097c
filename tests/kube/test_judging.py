"""az_drain.judge asks the PDB question about the pods the PDB covers, not Redis."""

from __future__ import annotations

from chaosgate.scenarios.az_drain import evictions_under
from chaosgate.timeline import FAULT, Record, Timeline


def eviction(t: float, pod: str, **data: object) -> Record:
    return Record(
        t, FAULT, "chaos", {"action": "zone_drain", "phase": "landed", "target": pod, **data}
    )


def test_evictions_of_pods_outside_the_budget_are_left_out() -> None:
    timeline = Timeline(
        [
            eviction(1, "heart-display-1", pdbs=["heart-display"]),
            eviction(2, "heart-redis-x", pdbs=[]),
            eviction(3, "unknown"),  # names no budgets: kept
            Record(4, FAULT, "chaos", {"action": "zone_drain", "phase": "end", "pdbs": []}),
        ]
    )
    kept = [
        r.data.get("target", r.data["phase"]) for r in evictions_under(timeline, "heart-display")
    ]
    assert kept == ["heart-display-1", "unknown", "end"]

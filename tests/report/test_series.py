"""What the report plots, extracted from timelines (pure, no drawing)."""

from __future__ import annotations

import math

from chaosgate.report.series import (
    Shade,
    ready_pods_per_zone,
    timeline_panels,
)
from chaosgate.timeline import LOAD, METRICS, PDB, POD, Record, Timeline
from chaosgate.verdicts.records import pod_sample

from .samples import (
    T0,
    az_drain_timeline,
    breaker_stack_timeline,
    hpa_timeline,
    pod,
    pod_kill_timeline,
    window,
)


def values_at(t: float, times: tuple[float, ...], values: tuple[float, ...]) -> float:
    """The value of a step series at time t."""
    held = values[0]
    for at, value in zip(times, values, strict=True):
        if at <= t:
            held = value
    return held


def test_ready_pods_per_zone_after_a_pod_kill() -> None:
    panels = timeline_panels(pod_kill_timeline())
    zones = {s.label: s for s in panels.replicas}

    assert list(zones) == ["zone-a", "zone-b", "zone-c"]
    assert all(s.stacked and s.steps for s in zones.values())
    zone_b = zones["zone-b"]
    assert [values_at(t, zone_b.t, zone_b.values) for t in (10, 30.5, 40, 50, 90)] == [
        2,
        1,
        1,
        2,
        2,
    ]
    assert zone_b.t[-1] == 90  # held to the end of the timeline


def test_zone_drain_moves_pods_between_zones() -> None:
    zones = {s.label: s for s in timeline_panels(az_drain_timeline()).replicas}

    counts_at_end = {zone: s.values[-1] for zone, s in zones.items()}
    assert counts_at_end == {"zone-a": 3, "zone-b": 3, "zone-c": 0}


def test_pods_without_zone_are_counted_apart() -> None:
    samples = [
        pod_sample(Record(T0, POD, "p-0", {**pod(0, "p-0", "z").data, "zone": None})),
        pod_sample(pod(1, "p-1", "zone-a")),
    ]
    series = {s.label: s.values for s in ready_pods_per_zone(samples, T0, T0 + 5)}

    assert series == {"no zone": (1, 1, 1), "zone-a": (0, 1, 1)}


def test_pdb_current_and_desired() -> None:
    current, desired = timeline_panels(pod_kill_timeline()).pdb

    assert (current.label, desired.label) == ("currentHealthy", "desiredHealthy")
    assert current.values == (6, 5, 6, 6)
    assert desired.values == (5, 5, 5, 5) and desired.target


def test_several_pdbs_are_told_apart() -> None:
    records = [
        Record(
            T0 + i,
            PDB,
            name,
            {"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 2},
        )
        for i, name in enumerate(["web", "redis"])
    ]
    labels = [s.label for s in timeline_panels(Timeline(records)).pdb]

    assert labels == [
        "web currentHealthy",
        "web desiredHealthy",
        "redis currentHealthy",
        "redis desiredHealthy",
    ]


def test_breaker_states_per_instance() -> None:
    panels = timeline_panels(breaker_stack_timeline())

    assert [s.label for s in panels.breaker] == ["heart-0", "heart-1", "heart-2"]
    assert panels.breaker[0].values == (0, 1, 2, 1, 2, 0)


def test_load_and_latency() -> None:
    panels = timeline_panels(pod_kill_timeline())
    requests, errors = panels.throughput
    p95, p99 = panels.latency

    assert (requests.label, errors.label, p95.label, p99.label) == (
        "requests/s",
        "errors/s",
        "p95",
        "p99",
    )
    assert len(requests.t) == 90
    assert max(errors.values) == 3
    assert max(p95.values) > 100 > min(p95.values)


def test_seconds_without_requests_are_gaps_in_latency() -> None:
    records = [
        Record(
            T0 + 1,
            LOAD,
            "locust",
            {"requests": 5, "failures": 0, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0},
        ),
        Record(
            T0 + 2,
            LOAD,
            "locust",
            {"requests": 0, "failures": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None},
        ),
    ]
    p95 = timeline_panels(Timeline(records)).latency[0]

    assert p95.values[0] == 2.0 and math.isnan(p95.values[1])


def test_hpa_desired_and_windows() -> None:
    panels = timeline_panels(hpa_timeline())
    hpa = panels.replicas[-1]

    assert (hpa.label, hpa.target) == ("HPA desired", True)
    assert hpa.values == (3, 6, 3, 3)
    assert panels.windows == [Shade("load", 0, 120), Shade("cooldown", 120, 300)]


def test_fault_events_and_an_unclosed_window() -> None:
    records = [*window("fault", 10, 20)[:1], Record(T0 + 30, METRICS, "h", {"breaker_state": 1})]
    records.insert(0, Record(T0, METRICS, "h", {"breaker_state": 0}))
    panels = timeline_panels(Timeline(records))

    assert panels.windows == [Shade("fault", 10, 30, closed=False)]
    faults = timeline_panels(pod_kill_timeline()).faults
    assert [(round(f.t, 1), f.action, f.phase) for f in faults] == [
        (30, "pod_kill", "start"),
        (30.4, "pod_kill", "landed"),
        (31, "pod_kill", "end"),
    ]


def test_malformed_records_are_left_out_and_counted() -> None:
    records = [
        pod(0, "p-0", "zone-a"),
        Record(T0 + 1, POD, "p-1", {"phase": "Running"}),  # no uid, ready, ...
        Record(T0 + 2, METRICS, "h", {"breaker_state": 7}),
        Record(T0 + 3, LOAD, "locust", {"requests": "many"}),
    ]
    panels = timeline_panels(Timeline(records))

    assert panels.malformed == 4  # the LOAD record is read by two panels
    assert [s.label for s in panels.replicas] == ["zone-a"]
    assert panels.breaker == [] and panels.throughput == []


def test_an_empty_timeline_has_no_panels() -> None:
    panels = timeline_panels(Timeline([]))

    assert (panels.span, panels.throughput, panels.replicas, panels.windows) == (0.0, [], [], [])

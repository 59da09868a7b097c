"""What the report plots, extracted from a Timeline: pure functions, no drawing.

Each panel of a scenario's plot is a list of Series on one time axis, in
seconds since the scenario's first record. Records are read through the
verdicts' own parsers (chaosgate.verdicts.records), so the report and the
verdicts agree on what a record means; a malformed record is left out of the
plot and counted, as the report must still render when a recorder misbehaves
(the verdict that reads that record already says ERROR).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from chaosgate.timeline import (
    FAULT,
    HPA,
    LOAD,
    METRICS,
    PDB,
    POD,
    PROBE,
    PROMQL_SERIES,
    WINDOW,
    Record,
    Timeline,
)
from chaosgate.verdicts.records import (
    BreakerSample,
    MalformedRecord,
    PodSample,
    breaker_sample,
    fault_mark,
    hpa_sample,
    load_sample,
    pdb_sample,
    pod_sample,
    probe_ready,
    promql_series,
)

T = TypeVar("T")
UNKNOWN_ZONE = "no zone"


@dataclass(frozen=True)
class Series:
    """One line of a panel; values may hold NaN where there was no value (a gap)."""

    label: str
    t: tuple[float, ...]
    values: tuple[float, ...]
    steps: bool = False  # a state that holds until the next sample, drawn as steps
    stacked: bool = False  # a share of a total (pods per zone), drawn as a stacked area
    target: bool = False  # a desired value rather than an observed one, drawn dashed


@dataclass(frozen=True)
class Shade:
    """A scenario window (baseline, fault, recovery, ...) to shade behind the panels."""

    name: str
    start: float
    end: float
    closed: bool = True  # False: the window never ended (the run was cut short)


@dataclass(frozen=True)
class FaultEvent:
    """One phase of a fault action (start, end, landed, refused)."""

    t: float
    action: str
    phase: str


@dataclass(frozen=True)
class TimelinePanels:
    origin: float  # UNIX time of t = 0
    span: float  # seconds from the first record to the last
    throughput: list[Series] = field(default_factory=list)
    latency: list[Series] = field(default_factory=list)
    replicas: list[Series] = field(default_factory=list)
    pdb: list[Series] = field(default_factory=list)
    breaker: list[Series] = field(default_factory=list)
    # What Prometheus scraped (monitoring/slo.yaml's plots): beats/s per replica, beat p99.
    beat_rate: list[Series] = field(default_factory=list)
    beat_p99: list[Series] = field(default_factory=list)
    windows: list[Shade] = field(default_factory=list)
    faults: list[FaultEvent] = field(default_factory=list)
    malformed: int = 0  # records left out because they broke the record contract


def timeline_panels(timeline: Timeline) -> TimelinePanels:
    """Everything the report plots for one scenario's timeline."""
    records = timeline.records
    origin = records[0].t if records else 0.0
    span = records[-1].t - origin if records else 0.0
    malformed = _Tally()
    return TimelinePanels(
        origin=origin,
        span=span,
        throughput=throughput_series(timeline, origin, malformed),
        latency=latency_series(timeline, origin, malformed),
        replicas=replica_series(timeline, origin, malformed),
        pdb=pdb_series(timeline, origin, malformed),
        breaker=breaker_series(timeline, origin, malformed),
        beat_rate=prometheus_series(timeline, "beat_rate", origin, malformed),
        beat_p99=prometheus_series(timeline, "beat_p99_ms", origin, malformed),
        windows=window_shades(timeline, origin),
        faults=fault_events(timeline, origin, malformed),
        malformed=malformed.count,
    )


class _Tally:
    """Counts the records a panel had to leave out."""

    def __init__(self) -> None:
        self.count = 0

    def parse(self, records: Iterable[Record], parse: Callable[[Record], T]) -> list[T]:
        parsed = []
        for record in records:
            try:
                parsed.append(parse(record))
            except MalformedRecord:
                self.count += 1
        return parsed


def throughput_series(timeline: Timeline, origin: float, tally: _Tally) -> list[Series]:
    """Requests and failed requests per second (one LOAD record covers one second)."""
    loads = tally.parse(timeline.of_kind(LOAD), load_sample)
    if not loads:
        return []
    t = tuple(s.t - origin for s in loads)
    return [
        Series("requests/s", t, tuple(float(s.requests) for s in loads)),
        Series("errors/s", t, tuple(float(s.failures) for s in loads)),
    ]


def latency_series(timeline: Timeline, origin: float, tally: _Tally) -> list[Series]:
    """p95 and p99 response time per second; seconds without requests are gaps."""
    loads = tally.parse(timeline.of_kind(LOAD), load_sample)
    t = tuple(s.t - origin for s in loads)
    series = [
        Series(label, t, tuple(_or_nan(s.metric(metric)) for s in loads))
        for label, metric in (("p95", "p95_ms"), ("p99", "p99_ms"))
    ]
    return [s for s in series if any(not math.isnan(v) for v in s.values)]


def prometheus_series(timeline: Timeline, query: str, origin: float, tally: _Tally) -> list[Series]:
    """The series of one plotted Prometheus range query, labelled by pod where it has one."""
    records = [r for r in timeline.of_kind(PROMQL_SERIES) if r.name == query]
    lines = []
    for series in tally.parse(records, promql_series):
        label = series.labels.get("pod_name") or series.labels.get("pod") or query
        t = tuple(point[0] - origin for point in series.points)
        lines.append(Series(label, t, tuple(point[1] for point in series.points)))
    return sorted(lines, key=lambda line: line.label)


def replica_series(timeline: Timeline, origin: float, tally: _Tally) -> list[Series]:
    """Ready pods per zone (from POD records), else ready replicas from readiness probes;
    plus the HPA's desired replicas when there is an HPA."""
    end = timeline_end(timeline) - origin
    pods = tally.parse(timeline.of_kind(POD), pod_sample)
    series = ready_pods_per_zone(pods, origin, timeline_end(timeline))
    if not series:
        probes = tally.parse(_readiness_probes(timeline), probe_ready)
        if probes:
            t = _held_to_end([p.t - origin for p in probes], end)
            ready = _held_values([float(p.ready) for p in probes])
            desired = _held_values([float(p.desired) for p in probes])
            series = [
                Series("ready replicas", t, ready, steps=True),
                Series("desired replicas", t, desired, steps=True, target=True),
            ]
    hpas = tally.parse(timeline.of_kind(HPA), hpa_sample)
    if hpas:
        t = _held_to_end([h.t - origin for h in hpas], end)
        desired = _held_values([float(h.desired_replicas) for h in hpas])
        series.append(Series("HPA desired", t, desired, steps=True, target=True))
    return series


def ready_pods_per_zone(pods: list[PodSample], origin: float, end: float) -> list[Series]:
    """The count of ready, not-deleted pods in each zone after every pod event."""
    if not pods:
        return []
    zones = sorted({p.zone or UNKNOWN_ZONE for p in pods})
    latest: dict[str, PodSample] = {}
    times: list[float] = []
    counts: dict[str, list[float]] = {zone: [] for zone in zones}
    for pod in pods:
        latest[pod.name] = pod
        times.append(pod.t - origin)
        ready = [p.zone or UNKNOWN_ZONE for p in latest.values() if p.ready and not p.deleted]
        for zone in zones:
            counts[zone].append(float(ready.count(zone)))
    # Hold the last count to the end of the timeline, so the final state shows.
    times.append(end - origin)
    return [
        Series(zone, tuple(times), (*counts[zone], counts[zone][-1]), steps=True, stacked=True)
        for zone in zones
    ]


def pdb_series(timeline: Timeline, origin: float, tally: _Tally) -> list[Series]:
    """currentHealthy and desiredHealthy of every PodDisruptionBudget."""
    series: list[Series] = []
    names = dict.fromkeys(r.name for r in timeline.of_kind(PDB))
    for name in names:
        samples = tally.parse(timeline.of_kind(PDB, name), pdb_sample)
        if not samples:
            continue
        t = _held_to_end([s.t - origin for s in samples], timeline_end(timeline) - origin)
        prefix = f"{name} " if len(names) > 1 else ""
        current = _held_values([float(s.current_healthy) for s in samples])
        desired = _held_values([float(s.desired_healthy) for s in samples])
        series += [
            Series(f"{prefix}currentHealthy", t, current, steps=True),
            Series(f"{prefix}desiredHealthy", t, desired, steps=True, target=True),
        ]
    return series


def breaker_series(timeline: Timeline, origin: float, tally: _Tally) -> list[Series]:
    """The circuit breaker's state (0 closed, 1 open, 2 half-open) per instance."""
    by_instance: dict[str, list[BreakerSample]] = {}
    for record in timeline.of_kind(METRICS):
        for sample in tally.parse([record], breaker_sample):
            by_instance.setdefault(record.name, []).append(sample)
    return [
        Series(
            instance,
            tuple(s.t - origin for s in samples),
            tuple(float(s.state) for s in samples),
            steps=True,
        )
        for instance, samples in by_instance.items()
    ]


def window_shades(timeline: Timeline, origin: float) -> list[Shade]:
    """Every window the scenario marked; one left open ends at the last record."""
    starts: dict[str, float] = {}
    shades: list[Shade] = []
    for record in timeline.of_kind(WINDOW):
        name, edge = str(record.data.get("window")), record.data.get("edge")
        if edge == "start":
            starts[name] = record.t
        elif edge == "end" and name in starts:
            shades.append(Shade(name, starts.pop(name) - origin, record.t - origin))
    end = timeline_end(timeline) - origin
    shades += [Shade(name, start - origin, end, closed=False) for name, start in starts.items()]
    return sorted(shades, key=lambda s: s.start)


def fault_events(timeline: Timeline, origin: float, tally: _Tally) -> list[FaultEvent]:
    marks = tally.parse(timeline.of_kind(FAULT), fault_mark)
    return [FaultEvent(m.t - origin, m.action, m.phase) for m in marks]


def timeline_end(timeline: Timeline) -> float:
    return timeline.records[-1].t if timeline.records else 0.0


def _readiness_probes(timeline: Timeline) -> list[Record]:
    """PROBE records that report readiness (ready/desired); other probes are not plotted."""
    return [r for r in timeline.of_kind(PROBE) if "ready" in r.data and "desired" in r.data]


def _held_to_end(times: list[float], end: float) -> tuple[float, ...]:
    """Sample times plus the timeline's end: a state holds until the last record."""
    return (*times, max(end, times[-1]))


def _held_values(values: list[float]) -> tuple[float, ...]:
    """Values matching _held_to_end's times: the last one repeated at the end."""
    return (*values, values[-1])


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value

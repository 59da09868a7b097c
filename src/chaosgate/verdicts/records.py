"""The `data` each verdict reads from timeline records: the contract for recorders.

Recorders (Kubernetes watches, /metrics scrapes, locust statistics, the fault
injectors and the scenario itself) write `Record(t, kind, name, data)`; the
verdicts in this package read the fields below and nothing else. A record of a
kind a verdict reads that lacks a *required* field, or holds the wrong type,
makes that verdict an ERROR that names the record and the field: a producer bug
must never turn into a pass. Extra fields are ignored, so recorders may add
more. `t` is UNIX time in seconds (float). Object recorders write one record
per observed state (the initial listing, then every watch event), so a value
holds from its record until the next record of the same name.

POD (name = pod name; one record per watch event, DELETED events included)
    uid: str                      metadata.uid; a new uid means a new pod
    phase: str                    status.phase: Pending|Running|Succeeded|Failed|Unknown
    ready: bool                   the Ready condition is True
    deleted: bool                 the pod is gone (DELETED event) or terminating
                                  (metadata.deletionTimestamp set)
    restartCount: int             sum of containerStatuses[].restartCount
    node: str | None              spec.nodeName (None while unscheduled)        [optional]
    zone: str | None              the node's topology.kubernetes.io/zone label  [optional]
    lastTerminationReason: str | None   containerStatuses[].lastState.terminated.reason
                                  of the most recent termination, e.g. "OOMKilled",
                                  "Error", "Completed"                          [optional]
    lastTerminatedAt: float | None     UNIX time that termination finished, when the
                                  producer knows it to better than a second (the
                                  stack runtime's engine does; the kubelet's
                                  finishedAt has whole seconds)                 [optional]
    Pods belong to a StatefulSet `S` when they are named `S-<ordinal>`.

PDB (name = PodDisruptionBudget name; one record per status change)
    currentHealthy: int, desiredHealthy: int, disruptionsAllowed: int, expectedPods: int
    (status fields, verbatim; write 0 where the API server omits a zero.)

HPA (name = HorizontalPodAutoscaler name)
    currentReplicas: int, desiredReplicas: int                  (status)
    minReplicas: int, maxReplicas: int                          (spec)        [optional]
    currentCPUUtilizationPercentage: float | None                             [optional]

STATEFULSET (name = StatefulSet name)
    replicas: int                 **spec.replicas**, the desired count (not status.replicas,
                                  which drops while a killed pod is being recreated)
    readyReplicas: int            status.readyReplicas (0 when the API omits it)
    availableReplicas: int                                                    [optional]

PROBE, readiness (name = workload name; the stack runtime has no StatefulSet, so the
harness probes each replica's /readyz and writes one record per probe round)
    ready: int                    replicas answering /readyz 200
    desired: int                  replicas the stack runtime is meant to run

NODE (name = node name; not read by verdicts yet, written for the report)
    zone: str | None, unschedulable: bool, ready: bool

EVENT (name = event name; not read by verdicts yet, written for the report)
    reason: str, message: str, involvedKind: str, involvedName: str

METRICS (name = instance: the pod name, or the container name on the stack runtime;
one record per /metrics scrape of heart-display)
    breaker_state: int            heart_display_breaker_state: 0 closed, 1 open, 2 half-open
    breaker_transitions: {"closed->open": float, "open->half-open": float,
                          "half-open->closed": float, "half-open->open": float}
                                  heart_display_breaker_transitions_total by "from->to";
                                  lets a verdict see an open state that fell between
                                  two scrapes                                 [optional]
    beats_total: float            heart_display_beats_total                   [optional]
    rate_total: float             heart_rate_total (beats recorded in Redis)  [optional]

LOAD (name = "locust"; one record per second of load, covering the second before t)
    requests: int, failures: int  requests completed / failed in that second
    p50_ms, p95_ms, p99_ms: float | None   response-time percentiles of that second's
                                  requests (None when requests is 0)
    rps: float, users: int                                                    [optional]
    degraded: int                 responses with X-Heart-Degraded: true in that second
                                  ("degraded_ratio": float is accepted instead)  [optional]

FAULT (name = the injector, e.g. "chaos"; one record per phase of one action)
    action: str                   "pod_kill" | "oom_kill" | "zone_drain" | "redis_outage" | ...
    phase: str                    "start" | "end" | "landed" | "refused"
    target: str | list[str]       the pod name(s) acted on; a zone_drain's start names
                                  its zone in `zone` instead                  [optional]
    phase "landed": the effect was observed (one record per effect, e.g. per evicted pod)
        evidence: "deleted" | "replaced" | "restarted" | "OOMKilled" | "evicted"
                  (absent or anything else: "observed")                       [optional]
    phase "refused": the API refused the action (per refused eviction)
        status: int               HTTP status, 429 for an eviction the PDB refused
        reason: str                                                           [optional]
    zone_drain "start": zone: str, nodes: list[str] (nodes optional); then one "landed"
                        (evidence "evicted") or "refused" record per eviction, target = pod,
                        uid: str (the pod's), pdbs: list[str] (the budgets covering it)
    zone_drain "end":   completed: bool, evicted: int (accepted evictions in total)

PROMQL (name = the SLO's query name, e.g. "beat_p99_s"; one record per query and
window, evaluated through Prometheus' HTTP API at the window's end over its length)
    window: str                   the window it covers ("baseline", "fault", ...)
    expr: str                     the PromQL as evaluated
    value: float | None           the single sample's value; None when Prometheus
                                  returned no sample, or NaN, or more than one
    why: str                      why value is None                         [optional]

PROMQL_SERIES (name = a plotted query, e.g. "beat_rate"; one record per series of
one query_range over the whole scenario, for the report only)
    labels: {str: str}, points: [[t, value], ...]

WINDOW: as in chaosgate.timeline: {"window": name, "edge": "start"|"end"}. The
scenarios mark "baseline", "fault" and "recovery"; the HPA scenario marks "load"
and "cooldown".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, TypeVar

from chaosgate.timeline import Record

BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN = 0, 1, 2
BREAKER_STATE_NAMES = {
    BREAKER_CLOSED: "closed",
    BREAKER_OPEN: "open",
    BREAKER_HALF_OPEN: "half-open",
}
EVICTION_REFUSED_STATUS = 429  # the API server's answer to an eviction a PDB forbids


class MalformedRecord(ValueError):
    """A record lacks a field a verdict reads, or holds the wrong type there."""


# --- The wire shapes, for recorders to build and type-check their `data` against. ---


class PodData(TypedDict):
    uid: str
    phase: str
    ready: bool
    deleted: bool
    restartCount: int
    node: NotRequired[str | None]
    zone: NotRequired[str | None]
    lastTerminationReason: NotRequired[str | None]


class PdbData(TypedDict):
    currentHealthy: int
    desiredHealthy: int
    disruptionsAllowed: int
    expectedPods: int


class HpaData(TypedDict):
    currentReplicas: int
    desiredReplicas: int
    minReplicas: NotRequired[int]
    maxReplicas: NotRequired[int]
    currentCPUUtilizationPercentage: NotRequired[float | None]


class StatefulSetData(TypedDict):
    replicas: int
    readyReplicas: int
    availableReplicas: NotRequired[int]


class ReadinessProbeData(TypedDict):
    ready: int
    desired: int


class NodeData(TypedDict):
    zone: str | None
    unschedulable: bool
    ready: bool


class EventData(TypedDict):
    reason: str
    message: str
    involvedKind: str
    involvedName: str


class MetricsData(TypedDict):
    breaker_state: int
    breaker_transitions: NotRequired[dict[str, float]]
    beats_total: NotRequired[float]
    rate_total: NotRequired[float]


class LoadData(TypedDict):
    requests: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    rps: NotRequired[float]
    users: NotRequired[int]
    degraded: NotRequired[int]
    degraded_ratio: NotRequired[float]


class FaultData(TypedDict):
    action: str
    phase: str
    target: NotRequired[str | list[str]]
    evidence: NotRequired[str]
    status: NotRequired[int]
    reason: NotRequired[str]
    zone: NotRequired[str]
    nodes: NotRequired[list[str]]
    completed: NotRequired[bool]
    evicted: NotRequired[int]


# --- Field readers: strict about types, so a producer bug surfaces as an ERROR. ---


def _field(record: Record, key: str) -> Any:
    if key not in record.data:
        raise MalformedRecord(f"{record.kind} record {record.name!r} at t={record.t} lacks {key!r}")
    return record.data[key]


def _wrong(record: Record, key: str, expected: str) -> MalformedRecord:
    value = record.data.get(key)
    return MalformedRecord(
        f"{record.kind} record {record.name!r} at t={record.t}: {key!r} must be {expected}, "
        f"got {value!r}"
    )


def _int(record: Record, key: str) -> int:
    value = _field(record, key)
    # bool is an int in Python; a True replica count is a producer bug, not 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(record, key, "an integer")
    return value


def _number(record: Record, key: str) -> float:
    value = _field(record, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(record, key, "a number")
    return float(value)


def _optional_number(record: Record, key: str) -> float | None:
    if record.data.get(key) is None:
        return None
    return _number(record, key)


def _bool(record: Record, key: str) -> bool:
    value = _field(record, key)
    if not isinstance(value, bool):
        raise _wrong(record, key, "true or false")
    return value


def _str(record: Record, key: str) -> str:
    value = _field(record, key)
    if not isinstance(value, str):
        raise _wrong(record, key, "a string")
    return value


def _optional_str(record: Record, key: str) -> str | None:
    if record.data.get(key) is None:
        return None
    return _str(record, key)


# --- Parsed samples: what the verdicts work with. ---


@dataclass(frozen=True)
class PodSample:
    t: float
    name: str
    uid: str
    phase: str
    ready: bool
    deleted: bool
    restart_count: int
    node: str | None
    zone: str | None
    last_termination_reason: str | None
    terminated_at: float | None = None

    @property
    def running(self) -> bool:
        return self.phase == "Running" and not self.deleted


def pod_sample(record: Record) -> PodSample:
    return PodSample(
        t=record.t,
        name=record.name,
        uid=_str(record, "uid"),
        phase=_str(record, "phase"),
        ready=_bool(record, "ready"),
        deleted=_bool(record, "deleted"),
        restart_count=_int(record, "restartCount"),
        node=_optional_str(record, "node"),
        zone=_optional_str(record, "zone"),
        last_termination_reason=_optional_str(record, "lastTerminationReason"),
        terminated_at=_optional_number(record, "lastTerminatedAt"),
    )


@dataclass(frozen=True)
class PdbSample:
    t: float
    current_healthy: int
    desired_healthy: int
    disruptions_allowed: int
    expected_pods: int

    @property
    def margin(self) -> int:
        """Healthy pods above the budget's floor; negative means violated."""
        return self.current_healthy - self.desired_healthy


def pdb_sample(record: Record) -> PdbSample:
    return PdbSample(
        t=record.t,
        current_healthy=_int(record, "currentHealthy"),
        desired_healthy=_int(record, "desiredHealthy"),
        disruptions_allowed=_int(record, "disruptionsAllowed"),
        expected_pods=_int(record, "expectedPods"),
    )


@dataclass(frozen=True)
class HpaSample:
    t: float
    current_replicas: int
    desired_replicas: int


def hpa_sample(record: Record) -> HpaSample:
    return HpaSample(record.t, _int(record, "currentReplicas"), _int(record, "desiredReplicas"))


@dataclass(frozen=True)
class ReadySample:
    """How many replicas of a workload were ready, and how many it should have."""

    t: float
    ready: int
    desired: int

    @property
    def full(self) -> bool:
        return self.ready >= self.desired


def statefulset_ready(record: Record) -> ReadySample:
    return ReadySample(record.t, _int(record, "readyReplicas"), _int(record, "replicas"))


def probe_ready(record: Record) -> ReadySample:
    return ReadySample(record.t, _int(record, "ready"), _int(record, "desired"))


@dataclass(frozen=True)
class BreakerSample:
    t: float
    state: int
    transitions: Mapping[str, float]

    @property
    def state_name(self) -> str:
        return BREAKER_STATE_NAMES[self.state]


def breaker_sample(record: Record) -> BreakerSample:
    state = _int(record, "breaker_state")
    if state not in BREAKER_STATE_NAMES:
        raise _wrong(record, "breaker_state", "0 (closed), 1 (open) or 2 (half-open)")
    transitions = record.data.get("breaker_transitions") or {}
    if not isinstance(transitions, Mapping):
        raise _wrong(record, "breaker_transitions", 'a mapping of "from->to" to counts')
    return BreakerSample(record.t, state, {str(k): float(v) for k, v in transitions.items()})


@dataclass(frozen=True)
class LoadSample:
    t: float
    requests: int
    failures: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    degraded: int | None  # None: the load generator did not count degraded answers

    def metric(self, name: str) -> float | None:
        """A latency percentile by its field name ("p50_ms", "p95_ms", "p99_ms")."""
        value: float | None = getattr(self, name)
        return value


LATENCY_METRICS = ("p50_ms", "p95_ms", "p99_ms")


def load_sample(record: Record) -> LoadSample:
    requests = _int(record, "requests")
    return LoadSample(
        t=record.t,
        requests=requests,
        failures=_int(record, "failures"),
        p50_ms=_optional_number(record, "p50_ms"),
        p95_ms=_optional_number(record, "p95_ms"),
        p99_ms=_optional_number(record, "p99_ms"),
        degraded=_degraded_count(record, requests),
    )


def _degraded_count(record: Record, requests: int) -> int | None:
    if "degraded" in record.data:
        return _int(record, "degraded")
    if "degraded_ratio" in record.data:
        return round(_number(record, "degraded_ratio") * requests)
    return None


@dataclass(frozen=True)
class FaultMark:
    """One phase of one fault action, as the injector recorded it."""

    t: float
    action: str
    phase: str
    targets: tuple[str, ...]
    data: Mapping[str, Any]

    def number(self, key: str) -> int | None:
        value = self.data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None


def fault_mark(record: Record) -> FaultMark:
    target = record.data.get("target")
    if target is None:
        targets: tuple[str, ...] = ()
    elif isinstance(target, str):
        targets = (target,)
    elif isinstance(target, list) and all(isinstance(x, str) for x in target):
        targets = tuple(target)
    else:
        raise _wrong(record, "target", "a string or a list of strings")
    return FaultMark(record.t, _str(record, "action"), _str(record, "phase"), targets, record.data)


@dataclass(frozen=True)
class PromqlSample:
    """One PromQL SLO query evaluated over one window."""

    t: float
    query: str
    window: str
    expr: str
    value: float | None
    why: str


def promql_sample(record: Record) -> PromqlSample:
    return PromqlSample(
        t=record.t,
        query=record.name,
        window=_str(record, "window"),
        expr=_str(record, "expr"),
        value=_optional_number(record, "value"),
        why=_optional_str(record, "why") or "",
    )


@dataclass(frozen=True)
class PromqlSeries:
    """One plotted series of a Prometheus range query."""

    query: str
    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


def promql_series(record: Record) -> PromqlSeries:
    labels = _field(record, "labels")
    points = _field(record, "points")
    if not isinstance(labels, Mapping) or not all(isinstance(v, str) for v in labels.values()):
        raise _wrong(record, "labels", "a mapping of strings")
    if not isinstance(points, list) or not all(_is_point(p) for p in points):
        raise _wrong(record, "points", "a list of [t, value] pairs")
    return PromqlSeries(record.name, dict(labels), tuple((float(t), float(v)) for t, v in points))


def _is_point(point: object) -> bool:
    return (
        isinstance(point, list | tuple)
        and len(point) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in point)
    )


# --- Small helpers over parsed samples. ---

T = TypeVar("T")


def parse_all(records: Iterable[Record], parse: Callable[[Record], T]) -> list[T]:
    """Parse every record, raising MalformedRecord on the first bad one."""
    return [parse(r) for r in records]


def belongs_to_statefulset(pod_name: str, statefulset: str) -> bool:
    """StatefulSet pods are named `<statefulset>-<ordinal>` (and nothing longer)."""
    return re.fullmatch(rf"{re.escape(statefulset)}-\d+", pod_name) is not None


def latest_per_name(samples: Iterable[PodSample], at: float) -> dict[str, PodSample]:
    """The state of every pod in force at time `at` (its last sample at or before it)."""
    return {sample.name: sample for sample in samples if sample.t <= at}


def latest_per_uid(samples: Iterable[PodSample], at: float) -> dict[str, PodSample]:
    """As latest_per_name, keyed by uid: a StatefulSet's replacement pod reuses the name."""
    return {sample.uid: sample for sample in samples if sample.t <= at}

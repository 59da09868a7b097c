"""Small hand-built timelines for table-style verdict tests.

Every builder takes `s`, seconds from T0, so a test reads like the scenario
it describes ("the drain starts at 10 s, the PDB dips at 12 s"). Keyword
arguments change only the fields a test is about; the defaults are healthy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chaosgate.timeline import (
    FAULT,
    HPA,
    LOAD,
    METRICS,
    PDB,
    POD,
    PROBE,
    STATEFULSET,
    WINDOW,
    Record,
    Timeline,
)

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
STS = "heart-display"


def at(s: float) -> float:
    return T0 + s


def stamp(s: float) -> str:
    """The timestamp verdict messages print for `s` seconds after T0 (whole seconds only)."""
    minutes, seconds = divmod(20 + int(s), 60)
    return f"2023-11-14T22:{13 + minutes:02d}:{seconds:02d}.000Z"


def window(name: str, start: float, end: float | None = None) -> list[Record]:
    """A window's edges; end=None leaves it open."""
    edges = [Record(at(start), WINDOW, name, {"window": name, "edge": "start"})]
    if end is not None:
        edges.append(Record(at(end), WINDOW, name, {"window": name, "edge": "end"}))
    return edges


def pdb(
    s: float, current: int, desired: int = 2, allowed: int | None = None, name: str = STS
) -> Record:
    data = {
        "currentHealthy": current,
        "desiredHealthy": desired,
        "disruptionsAllowed": max(current - desired, 0) if allowed is None else allowed,
        "expectedPods": 3,
    }
    return Record(at(s), PDB, name, data)


def pod(
    s: float,
    name: str = f"{STS}-1",
    *,
    uid: str = "uid-1",
    phase: str = "Running",
    ready: bool = True,
    deleted: bool = False,
    restarts: int = 0,
    zone: str | None = "zone-a",
    reason: str | None = None,
    terminated: float | None = None,
) -> Record:
    data: dict[str, Any] = {
        "uid": uid,
        "phase": phase,
        "ready": ready,
        "deleted": deleted,
        "restartCount": restarts,
        "node": f"node-{zone}" if zone else None,
        "zone": zone,
        "lastTerminationReason": reason,
    }
    if terminated is not None:
        data["lastTerminatedAt"] = at(terminated)
    return Record(at(s), POD, name, data)


def hpa(s: float, desired: int, current: int | None = None, name: str = STS) -> Record:
    data = {"desiredReplicas": desired, "currentReplicas": desired if current is None else current}
    return Record(at(s), HPA, name, {**data, "minReplicas": 2, "maxReplicas": 6})


def sts(s: float, ready: int, replicas: int = 3, name: str = STS) -> Record:
    return Record(at(s), STATEFULSET, name, {"replicas": replicas, "readyReplicas": ready})


def probe(s: float, ready: int, desired: int = 3, name: str = "heart-stack") -> Record:
    return Record(at(s), PROBE, name, {"ready": ready, "desired": desired})


def breaker(
    s: float, state: int, instance: str = f"{STS}-0", opened: float | None = None
) -> Record:
    """A /metrics scrape; `opened` sets the closed->open transition counter."""
    data: dict[str, Any] = {"breaker_state": state, "beats_total": 100.0}
    if opened is not None:
        data["breaker_transitions"] = {"closed->open": opened}
    return Record(at(s), METRICS, instance, data)


def load(
    s: float,
    requests: int = 100,
    failures: int = 0,
    p95: float | None = 50.0,
    p99: float | None = 80.0,
    degraded: int | None = None,
) -> Record:
    data: dict[str, Any] = {
        "requests": requests,
        "failures": failures,
        "p50_ms": None if p95 is None else p95 / 2,
        "p95_ms": p95,
        "p99_ms": p99,
        "rps": float(requests),
        "users": 20,
    }
    if degraded is not None:
        data["degraded"] = degraded
    return Record(at(s), LOAD, "locust", data)


def load_seconds(start: int, end: int, **fields: Any) -> list[Record]:
    """One LOAD record per second from start to end inclusive, all alike."""
    return [load(s, **fields) for s in range(start, end + 1)]


def fault(s: float, action: str, phase: str, target: str | None = None, **extra: Any) -> Record:
    data: dict[str, Any] = {"action": action, "phase": phase, **extra}
    if target is not None:
        data["target"] = target
    return Record(at(s), FAULT, "chaos", data)


def timeline(*parts: Record | Iterable[Record]) -> Timeline:
    """A timeline from records and lists of records, in any order."""
    records: list[Record] = []
    for part in parts:
        records.extend([part] if isinstance(part, Record) else part)
    return Timeline(records)

"""Kubernetes objects (as JSON dicts) → the `data` of timeline records.

Pure functions: the shapes are the contract in chaosgate.verdicts.records
(PodData, PdbData, ...), built from the same dicts `kubectl get -o json`
prints, so they are tested table-style without a cluster. Each also carries
the object's resourceVersion (an extra field verdicts ignore) so a record can
be matched to the API write that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chaosgate.verdicts.records import (
    EventData,
    HpaData,
    NodeData,
    PdbData,
    PodData,
    StatefulSetData,
)

ZONE_LABEL = "topology.kubernetes.io/zone"
RESOURCE_VERSION = "resourceVersion"

Obj = Mapping[str, Any]


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _status(obj: Obj) -> Mapping[str, Any]:
    return obj.get("status") or {}


def _spec(obj: Obj) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def _int(value: Any) -> int:
    """A count the API server omits when it is zero."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def resource_version(obj: Obj) -> str:
    return str(_meta(obj).get("resourceVersion") or "")


def condition_true(obj: Obj, condition: str) -> bool:
    return any(
        c.get("type") == condition and c.get("status") == "True"
        for c in _status(obj).get("conditions") or []
    )


def last_termination_reason(pod: Obj) -> str | None:
    """The reason of the most recent container termination (current or last state).

    A container that was just killed shows it in `state.terminated` until it
    restarts; after the restart it moves to `lastState.terminated`.
    """
    terminations = [
        terminated
        for status in _status(pod).get("containerStatuses") or []
        for state in (status.get("state") or {}, status.get("lastState") or {})
        if (terminated := state.get("terminated"))
    ]
    if not terminations:
        return None
    latest = max(terminations, key=lambda t: str(t.get("finishedAt") or ""))
    reason = latest.get("reason")
    return str(reason) if reason else None


def pod_data(pod: Obj, zone_of_node: Mapping[str, str | None], *, deleted: bool = False) -> PodData:
    """A POD record's data; `zone_of_node` maps node names to their zone label."""
    status = _status(pod)
    node = _spec(pod).get("nodeName") or None
    data: PodData = {
        "uid": str(_meta(pod).get("uid") or ""),
        "phase": str(status.get("phase") or "Pending"),
        "ready": condition_true(pod, "Ready"),
        "deleted": deleted or bool(_meta(pod).get("deletionTimestamp")),
        "restartCount": sum(
            _int(c.get("restartCount")) for c in status.get("containerStatuses") or []
        ),
        "node": node,
        "zone": zone_of_node.get(node) if node else None,
        "lastTerminationReason": last_termination_reason(pod),
    }
    return data


def pdb_data(pdb: Obj) -> PdbData:
    status = _status(pdb)
    return {
        "currentHealthy": _int(status.get("currentHealthy")),
        "desiredHealthy": _int(status.get("desiredHealthy")),
        "disruptionsAllowed": _int(status.get("disruptionsAllowed")),
        "expectedPods": _int(status.get("expectedPods")),
    }


def _cpu_utilization(hpa: Obj) -> float | None:
    for metric in _status(hpa).get("currentMetrics") or []:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu":
            value = (resource.get("current") or {}).get("averageUtilization")
            return float(value) if isinstance(value, int | float) else None
    return None


def hpa_data(hpa: Obj) -> HpaData:
    status, spec = _status(hpa), _spec(hpa)
    return {
        "currentReplicas": _int(status.get("currentReplicas")),
        "desiredReplicas": _int(status.get("desiredReplicas")),
        "minReplicas": _int(spec.get("minReplicas", 1)),
        "maxReplicas": _int(spec.get("maxReplicas")),
        "currentCPUUtilizationPercentage": _cpu_utilization(hpa),
    }


def statefulset_data(statefulset: Obj) -> StatefulSetData:
    """spec.replicas is the desired count (the API server defaults an omitted one to 1)."""
    status = _status(statefulset)
    replicas = _spec(statefulset).get("replicas")
    return {
        "replicas": _int(replicas) if replicas is not None else 1,
        "readyReplicas": _int(status.get("readyReplicas")),
        "availableReplicas": _int(status.get("availableReplicas")),
    }


def node_zone(node: Obj) -> str | None:
    zone = (_meta(node).get("labels") or {}).get(ZONE_LABEL)
    return str(zone) if zone else None


def node_data(node: Obj) -> NodeData:
    return {
        "zone": node_zone(node),
        "unschedulable": bool(_spec(node).get("unschedulable")),
        "ready": condition_true(node, "Ready"),
    }


def event_data(event: Obj) -> EventData:
    involved = event.get("involvedObject") or {}
    return {
        "reason": str(event.get("reason") or ""),
        "message": str(event.get("message") or ""),
        "involvedKind": str(involved.get("kind") or ""),
        "involvedName": str(involved.get("name") or ""),
    }

"""Object dicts (as `kubectl get -o json` prints them) → timeline record data, table-style."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.kube.object_data import (
    event_data,
    hpa_data,
    last_termination_reason,
    node_data,
    pdb_data,
    pod_data,
    statefulset_data,
)
from chaosgate.timeline import POD, Record
from chaosgate.verdicts.records import pod_sample

ZONES = {"kwok-zone-a-1": "zone-a", "kwok-zone-b-1": "zone-b"}


def pod(
    *,
    phase: str | None = "Running",
    ready: str = "True",
    node: str | None = "kwok-zone-a-1",
    deleting: bool = False,
    containers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "heart-display-0", "uid": "u-1", "resourceVersion": "42"}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    status: dict[str, Any] = {"conditions": [{"type": "Ready", "status": ready}]}
    if phase is not None:
        status["phase"] = phase
    if containers is not None:
        status["containerStatuses"] = containers
    spec = {"nodeName": node} if node else {}
    return {"metadata": meta, "spec": spec, "status": status}


def terminated(reason: str, finished: str) -> dict[str, Any]:
    return {"terminated": {"reason": reason, "finishedAt": finished, "exitCode": 137}}


@pytest.mark.parametrize(
    ("obj", "deleted_event", "expected"),
    [
        pytest.param(
            pod(),
            False,
            {
                "phase": "Running",
                "ready": True,
                "deleted": False,
                "node": "kwok-zone-a-1",
                "zone": "zone-a",
                "restartCount": 0,
                "lastTerminationReason": None,
            },
            id="running-ready",
        ),
        pytest.param(
            pod(phase=None, ready="False", node=None),
            False,
            {"phase": "Pending", "ready": False, "node": None, "zone": None},
            id="unscheduled-without-phase",
        ),
        pytest.param(pod(deleting=True), False, {"deleted": True}, id="terminating"),
        pytest.param(pod(), True, {"deleted": True}, id="deleted-event"),
        pytest.param(
            pod(node="kwok-zone-z-9"),
            False,
            {"node": "kwok-zone-z-9", "zone": None},
            id="node-of-unknown-zone",
        ),
        pytest.param(
            pod(containers=[{"name": "a", "restartCount": 2}, {"name": "b", "restartCount": 1}]),
            False,
            {"restartCount": 3},
            id="restarts-summed-over-containers",
        ),
        pytest.param(
            pod(
                containers=[
                    {
                        "name": "a",
                        "restartCount": 1,
                        "lastState": terminated("OOMKilled", "2026-01-01T00:00:05Z"),
                        "state": {"running": {}},
                    }
                ]
            ),
            False,
            {"restartCount": 1, "lastTerminationReason": "OOMKilled"},
            id="restarted-after-oom",
        ),
    ],
)
def test_pod_data(obj: dict[str, Any], deleted_event: bool, expected: dict[str, Any]) -> None:
    data = pod_data(obj, ZONES, deleted=deleted_event)
    assert {key: dict(data)[key] for key in expected} == expected
    # And the verdicts' own reader accepts it: the contract holds.
    sample = pod_sample(Record(1.0, POD, "heart-display-0", dict(data)))
    assert sample.uid == "u-1"


@pytest.mark.parametrize(
    ("container_states", "expected"),
    [
        pytest.param([], None, id="never-terminated"),
        pytest.param(
            [{"state": terminated("OOMKilled", "2026-01-01T00:00:09Z")}],
            "OOMKilled",
            id="killed-not-yet-restarted",
        ),
        pytest.param(
            [
                {
                    "state": terminated("Error", "2026-01-01T00:00:09Z"),
                    "lastState": terminated("OOMKilled", "2026-01-01T00:00:01Z"),
                }
            ],
            "Error",
            id="most-recent-wins",
        ),
        pytest.param(
            [
                {"lastState": terminated("Completed", "2026-01-01T00:00:01Z")},
                {"lastState": terminated("OOMKilled", "2026-01-01T00:00:02Z")},
            ],
            "OOMKilled",
            id="across-containers",
        ),
    ],
)
def test_last_termination_reason(
    container_states: list[dict[str, Any]], expected: str | None
) -> None:
    obj = {"status": {"containerStatuses": [{"name": "c", **s} for s in container_states]}}
    assert last_termination_reason(obj) == expected


def test_pdb_data_writes_zero_where_the_api_omits_it() -> None:
    status = {"currentHealthy": 4, "desiredHealthy": 4, "expectedPods": 6}
    assert pdb_data({"status": status}) == {
        "currentHealthy": 4,
        "desiredHealthy": 4,
        "disruptionsAllowed": 0,
        "expectedPods": 6,
    }


@pytest.mark.parametrize(
    ("status", "expected_cpu"),
    [
        pytest.param(
            {
                "currentReplicas": 6,
                "desiredReplicas": 10,
                "currentMetrics": [
                    {
                        "type": "Resource",
                        "resource": {"name": "cpu", "current": {"averageUtilization": 111}},
                    }
                ],
            },
            111.0,
            id="with-cpu",
        ),
        pytest.param({"currentReplicas": 6, "desiredReplicas": 6}, None, id="no-metrics-yet"),
    ],
)
def test_hpa_data(status: dict[str, Any], expected_cpu: float | None) -> None:
    data = hpa_data({"spec": {"minReplicas": 6, "maxReplicas": 12}, "status": status})
    assert data["minReplicas"] == 6
    assert data["maxReplicas"] == 12
    assert data["currentCPUUtilizationPercentage"] == expected_cpu


@pytest.mark.parametrize(
    ("spec", "status", "expected"),
    [
        pytest.param(
            {"replicas": 6},
            {"readyReplicas": 5, "availableReplicas": 5},
            {"replicas": 6, "readyReplicas": 5, "availableReplicas": 5},
            id="normal",
        ),
        pytest.param(
            {"replicas": 6},
            {},
            {"replicas": 6, "readyReplicas": 0, "availableReplicas": 0},
            id="none-ready",
        ),
        pytest.param(
            {},
            {"readyReplicas": 1},
            {"replicas": 1, "readyReplicas": 1, "availableReplicas": 0},
            id="replicas-defaulted",
        ),
    ],
)
def test_statefulset_data_uses_the_desired_count(
    spec: dict[str, Any], status: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert statefulset_data({"spec": spec, "status": status}) == expected


def test_node_data() -> None:
    node = {
        "metadata": {"labels": {"topology.kubernetes.io/zone": "zone-b"}},
        "spec": {"unschedulable": True},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    assert node_data(node) == {"zone": "zone-b", "unschedulable": True, "ready": True}
    assert node_data({"metadata": {}}) == {"zone": None, "unschedulable": False, "ready": False}


def test_event_data() -> None:
    event = {
        "reason": "FailedScheduling",
        "message": "0/6 nodes are available",
        "involvedObject": {"kind": "Pod", "name": "heart-display-3"},
    }
    assert event_data(event) == {
        "reason": "FailedScheduling",
        "message": "0/6 nodes are available",
        "involvedKind": "Pod",
        "involvedName": "heart-display-3",
    }

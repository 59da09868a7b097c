"""The fake Node objects of the local provider, as plain manifests.

kwok manages every Node it is shown (kwokctl starts it with --manage-all-nodes)
and fills in what a kubelet would report; we only say which nodes exist, where
they are (zone labels the scheduler spreads over) and how big they are. Pure
functions: no API calls, so the shapes are tested without a cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chaosgate.errors import UsageError
from chaosgate.providers.base import check_nodes_per_zone

ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"
FAKE_NODE_KEY = "kwok.x-k8s.io/node"
# metrics-server (>= 0.7) scrapes this path instead of /metrics/resource, and
# kwok serves each fake node's simulated kubelet metrics there.
METRICS_PATH_ANNOTATION = "metrics.k8s.io/resource-metrics-path"
# Pods opt in to simulated usage with these annotations (kwok's default
# ClusterResourceUsage reads them); the harness sets them to drive the HPA.
USAGE_CPU_ANNOTATION = "kwok.x-k8s.io/usage-cpu"
USAGE_MEMORY_ANNOTATION = "kwok.x-k8s.io/usage-memory"

# Workloads must tolerate this taint to land on fake nodes, so nothing is
# scheduled there by accident; the chart's local values carry the toleration.
FAKE_NODE_TAINT: dict[str, str] = {"key": FAKE_NODE_KEY, "value": "fake", "effect": "NoSchedule"}
FAKE_NODE_TOLERATION: dict[str, str] = {
    "key": FAKE_NODE_KEY,
    "operator": "Equal",
    "value": "fake",
    "effect": "NoSchedule",
}


@dataclass(frozen=True)
class NodeShape:
    """Allocatable resources of one fake node (a modest real worker)."""

    cpu: str = "4"
    memory: str = "16Gi"
    pods: str = "110"

    def resources(self) -> dict[str, str]:
        return {"cpu": self.cpu, "memory": self.memory, "pods": self.pods}


def node_name(zone: str, index: int) -> str:
    """Name of the index-th (1-based) fake node in zone, e.g. kwok-zone-a-1."""
    return f"kwok-{zone}-{index}"


def node_names(zones: Sequence[str], nodes_per_zone: int) -> list[str]:
    """Names of all fake nodes, zone by zone."""
    return [node_name(zone, i) for zone in zones for i in range(1, nodes_per_zone + 1)]


def node_manifest(name: str, zone: str, shape: NodeShape) -> dict[str, Any]:
    """One fake Node.

    Addresses are left empty on purpose: kwok's node-initialize stage fills in
    its own node IP (a loopback address here), which is where metrics-server
    then scrapes.
    """
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                ZONE_LABEL: zone,
                HOSTNAME_LABEL: name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
            "annotations": {
                FAKE_NODE_KEY: "fake",
                METRICS_PATH_ANNOTATION: f"/metrics/nodes/{name}/metrics/resource",
                # Tell the node controller not to wait for a TTL before acting.
                "node.alpha.kubernetes.io/ttl": "0",
            },
        },
        "spec": {"taints": [dict(FAKE_NODE_TAINT)]},
        "status": {"allocatable": shape.resources(), "capacity": shape.resources()},
    }


def node_list(
    zones: Sequence[str], nodes_per_zone: int, shape: NodeShape | None = None
) -> dict[str, Any]:
    """All fake nodes as one v1 List, ready for `kubectl apply -f -`."""
    check_nodes_per_zone(nodes_per_zone)
    if not zones:
        raise UsageError("A local cluster needs at least one zone.")
    shape = shape or NodeShape()
    items = [
        node_manifest(node_name(zone, i), zone, shape)
        for zone in zones
        for i in range(1, nodes_per_zone + 1)
    ]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def ready_nodes(node_list_json: Any) -> set[str]:
    """Names of the nodes whose Ready condition is True in a `kubectl get nodes -o json`."""
    ready = set()
    for node in (node_list_json or {}).get("items", []):
        conditions = node.get("status", {}).get("conditions", [])
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions):
            ready.add(node["metadata"]["name"])
    return ready

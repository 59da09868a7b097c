"""Small hand-built Kubernetes objects for table-style rule tests.

Each builder returns a plain dict shaped like `helm template` output; keyword
arguments change only the fields a test is about.
"""

from __future__ import annotations

from typing import Any

LABELS = {"app": "heart"}
ZONE = "topology.kubernetes.io/zone"


def zone_spread(
    max_skew: int = 1, when: str = "DoNotSchedule", labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "topologyKey": ZONE,
        "maxSkew": max_skew,
        "whenUnsatisfiable": when,
        "labelSelector": {"matchLabels": labels if labels is not None else LABELS},
    }


def container(
    name: str = "app",
    image: str = "repo/app:1.0",
    limits: dict[str, str] | None = None,
    probes: bool = True,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "image": image,
        "resources": {"limits": {"cpu": "500m", "memory": "64Mi"} if limits is None else limits},
    }
    if probes:
        spec["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        spec["readinessProbe"] = {"httpGet": {"path": "/readyz", "port": 8080}}
    return spec


def workload(
    kind: str = "StatefulSet",
    name: str = "heart",
    replicas: int | None = 6,
    spread: list[dict[str, Any]] | None = None,
    containers: list[dict[str, Any]] | None = None,
    init_containers: list[dict[str, Any]] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {
        "containers": containers if containers is not None else [container()],
        "topologySpreadConstraints": spread if spread is not None else [zone_spread()],
    }
    if init_containers is not None:
        pod_spec["initContainers"] = init_containers
    spec: dict[str, Any] = {
        "selector": {"matchLabels": labels or LABELS},
        "template": {"metadata": {"labels": labels or LABELS}, "spec": pod_spec},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


def pdb(
    min_available: int | str | None = None,
    max_unavailable: int | str | None = None,
    labels: dict[str, str] | None = None,
    name: str = "heart",
) -> dict[str, Any]:
    spec: dict[str, Any] = {"selector": {"matchLabels": labels if labels is not None else LABELS}}
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": spec,
    }


def hpa(
    min_replicas: int | None = 6,
    max_replicas: int = 12,
    target_kind: str = "StatefulSet",
    target_name: str = "heart",
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": target_kind, "name": target_name},
        "maxReplicas": max_replicas,
    }
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "heart"},
        "spec": spec,
    }

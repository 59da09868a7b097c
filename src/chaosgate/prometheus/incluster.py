"""Prometheus inside a kind cluster: what the harness applies so that it scrapes every replica.

It runs on the control-plane node (tolerating its taint), so no zone drain or
pod kill among the workers touches the observer. Kubernetes service discovery
finds the heart-display pods of the workload's namespace by their labels and
scrapes their `http` port each second, labelling every series with the pod's
name. A NodePort published on 127.0.0.1 (kind_config) is how the harness asks
it the SLO queries, as it reaches the heart-display Service.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from chaosgate.prometheus.server import JOB

NAMESPACE = "chaosgate-monitoring"
NAME = "prometheus"
NODE_PORT = 30090
PORT = 9090
SCRAPE_INTERVAL = "1s"


@dataclass(frozen=True)
class InClusterPrometheus:
    """Which image to run, and which pods it scrapes."""

    image: str
    pull_policy: str  # "Never" with the offline node image, where nothing is pulled
    namespace: str = "heart"  # the workload's namespace
    selector: str = "app.kubernetes.io/name=heart-display,app.kubernetes.io/component=display"


def manifest(prometheus: InClusterPrometheus) -> str:
    """Every object, as one multi-document YAML for `kubectl apply -f -`."""
    return yaml.safe_dump_all(_objects(prometheus), sort_keys=False)


def _objects(prometheus: InClusterPrometheus) -> Iterator[dict[str, Any]]:
    meta = {"name": NAME, "namespace": NAMESPACE}
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "chaosgate"}
    yield {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
    yield {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}
    # Cluster-wide read of pods (service discovery still looks in one namespace):
    # the workload's namespace does not exist yet when the cluster comes up, as
    # Argo CD creates it on its first sync.
    yield {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "chaosgate-prometheus"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}],
    }
    yield {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "chaosgate-prometheus"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "chaosgate-prometheus",
        },
        "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}],
    }
    yield {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta,
        "data": {"prometheus.yml": yaml.safe_dump(scrape_config(prometheus), sort_keys=False)},
    }
    yield _deployment(prometheus, meta, labels)
    yield {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {
            "type": "NodePort",
            "selector": labels,
            "ports": [{"name": "web", "port": PORT, "targetPort": PORT, "nodePort": NODE_PORT}],
        },
    }


def scrape_config(prometheus: InClusterPrometheus) -> dict[str, Any]:
    """Pods of the workload found through the API server, their `http` port, named by pod."""
    keep = [
        {
            "source_labels": [f"__meta_kubernetes_pod_label_{_label_name(key)}"],
            "regex": value,
            "action": "keep",
        }
        for key, value in (pair.split("=", 1) for pair in prometheus.selector.split(","))
    ]
    keep.append(
        {
            "source_labels": ["__meta_kubernetes_pod_container_port_name"],
            "regex": "http",
            "action": "keep",
        }
    )
    named = [
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "instance"},
        {"source_labels": ["__meta_kubernetes_pod_node_name"], "target_label": "node"},
    ]
    return {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": [
            {
                "job_name": JOB,
                "scrape_timeout": SCRAPE_INTERVAL,
                "kubernetes_sd_configs": [
                    {"role": "pod", "namespaces": {"names": [prometheus.namespace]}}
                ],
                "relabel_configs": [*keep, *named],
            }
        ],
    }


def _label_name(key: str) -> str:
    """How service discovery spells a pod label: every character outside [a-z0-9_] as '_'."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in key)


def on_control_plane() -> dict[str, Any]:
    """Pod spec fields that keep a watcher (Prometheus, metrics-server) on the control-plane
    node: the chaos drains and kills workers' pods, and the watchers must see it through."""
    control_plane = "node-role.kubernetes.io/control-plane"
    return {
        "nodeSelector": {control_plane: ""},
        "tolerations": [{"key": control_plane, "operator": "Exists", "effect": "NoSchedule"}],
    }


def _deployment(
    prometheus: InClusterPrometheus, meta: dict[str, str], labels: dict[str, str]
) -> dict[str, Any]:
    container = {
        "name": NAME,
        "image": prometheus.image,
        "imagePullPolicy": prometheus.pull_policy,
        "args": [
            "--config.file=/etc/prometheus/prometheus.yml",
            "--storage.tsdb.path=/prometheus",
            f"--web.listen-address=:{PORT}",
        ],
        "ports": [{"name": "web", "containerPort": PORT}],
        "readinessProbe": {"httpGet": {"path": "/-/ready", "port": PORT}, "periodSeconds": 2},
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/prometheus"},
            {"name": "data", "mountPath": "/prometheus"},
        ],
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65534,
            "allowPrivilegeEscalation": False,
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": NAME,
                    **on_control_plane(),
                    "containers": [container],
                    "volumes": [
                        {"name": "config", "configMap": {"name": NAME}},
                        {"name": "data", "emptyDir": {}},
                    ],
                },
            },
        },
    }

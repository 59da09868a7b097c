"""The kind cluster's CoreDNS, cluster names only, installed by chaosgate instead of kubeadm.

kubeadm's CoreDNS forwards every name it does not own to the node's resolver,
that is, off the machine. Replacing its Corefile after the fact meant a
rollout restart on every cluster up; so kubeadm is told to skip its CoreDNS
phase (kind_config) and this manifest is applied as soon as `kind create`
returns, with the cluster-only Corefile from the first pod on.

The Service keeps kubeadm's name and address (kube-dns, the tenth address of
the Service range), which is what every kubelet hands its pods as nameserver.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import yaml

NAMESPACE = "kube-system"
NAME = "coredns"
LABELS = {"k8s-app": "kube-dns"}
# kubeadm's phase name, for InitConfiguration.skipPhases.
KUBEADM_PHASE = "addon/coredns"
CONFIG_DIR = "/etc/coredns"

# Answers for the cluster's own names and nothing else: no `forward`, so no
# query leaves the machine, and no `loop`, which has nothing to detect.
COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    cache 30
    reload
}
"""


def cluster_dns_ip(service_subnet: str) -> str:
    """The address kubeadm gives every kubelet as clusterDNS: the Service range's tenth."""
    return str(ipaddress.ip_network(service_subnet)[10])


def _rbac() -> list[dict[str, Any]]:
    role_name = "system:coredns"
    reads = ["list", "watch"]
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": NAME, "namespace": NAMESPACE},
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": role_name},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["endpoints", "services", "pods", "namespaces"],
                    "verbs": reads,
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": reads,
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": role_name},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": role_name,
            },
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}],
        },
    ]


def _container(image: str, pull_policy: str) -> dict[str, Any]:
    def probe(path: str, port: int) -> dict[str, Any]:
        return {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "periodSeconds": 2}

    return {
        "name": NAME,
        "image": image,
        "imagePullPolicy": pull_policy,
        "args": ["-conf", f"{CONFIG_DIR}/Corefile"],
        "ports": [
            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
        ],
        "readinessProbe": probe("/ready", 8181),
        "livenessProbe": {**probe("/health", 8080), "periodSeconds": 10, "failureThreshold": 5},
        "resources": {"requests": {"cpu": "100m", "memory": "70Mi"}, "limits": {"memory": "170Mi"}},
        # Port 53 needs NET_BIND_SERVICE and nothing else.
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        },
        "volumeMounts": [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
    }


def _deployment(image: str, pull_policy: str, replicas: int) -> dict[str, Any]:
    # Spread over nodes, so killing or draining one node leaves names resolving.
    spread = {
        "weight": 100,
        "podAffinityTerm": {
            "labelSelector": {"matchLabels": LABELS},
            "topologyKey": "kubernetes.io/hostname",
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": LABELS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": LABELS},
                "spec": {
                    "serviceAccountName": NAME,
                    "priorityClassName": "system-cluster-critical",
                    # Its own resolver is the node's; it must not ask itself.
                    "dnsPolicy": "Default",
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                    ],
                    "affinity": {
                        "podAntiAffinity": {
                            "preferredDuringSchedulingIgnoredDuringExecution": [spread]
                        }
                    },
                    "containers": [_container(image, pull_policy)],
                    "volumes": [{"name": "config", "configMap": {"name": NAME}}],
                },
            },
        },
    }


def _service(cluster_ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kube-dns", "namespace": NAMESPACE, "labels": LABELS},
        "spec": {
            "selector": LABELS,
            "clusterIP": cluster_ip,
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ],
        },
    }


@dataclass(frozen=True)
class ClusterDNS:
    """Which CoreDNS image a kind cluster runs, and how many replicas."""

    image: str
    pull_policy: str = "IfNotPresent"
    replicas: int = 2

    def manifest(self, service_subnet: str) -> str:
        """CoreDNS for a kind cluster: RBAC, the cluster-only Corefile, the Deployment, kube-dns."""
        config_map = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": NAME, "namespace": NAMESPACE},
            "data": {"Corefile": COREFILE},
        }
        docs = [
            *_rbac(),
            config_map,
            _deployment(self.image, self.pull_policy, self.replicas),
            _service(cluster_dns_ip(service_subnet)),
        ]
        return yaml.safe_dump_all(docs, sort_keys=False)

"""The CoreDNS chaosgate installs on kind: cluster names only, at the address kubelets use."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from chaosgate.providers.kind_config import SERVICE_SUBNET
from chaosgate.providers.kind_dns import COREFILE, ClusterDNS, cluster_dns_ip


def documents(dns: ClusterDNS) -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(dns.manifest(SERVICE_SUBNET)) if d]
    return {d["kind"]: d for d in docs}


@pytest.mark.parametrize(
    ("subnet", "address"),
    [
        ("198.18.16.0/20", "198.18.16.10"),
        ("198.18.32.0/20", "198.18.32.10"),
        ("198.19.0.0/24", "198.19.0.10"),
    ],
)
def test_cluster_dns_is_the_tenth_address_of_the_service_range(subnet: str, address: str) -> None:
    assert cluster_dns_ip(subnet) == address


def test_corefile_answers_cluster_names_only() -> None:
    assert "kubernetes cluster.local" in COREFILE
    assert "forward" not in COREFILE and "loop" not in COREFILE


def test_manifest_serves_the_corefile_from_kube_dns_at_the_kubelets_address() -> None:
    docs = documents(ClusterDNS("chaosgate.local/coredns:v1.12.1", pull_policy="Never"))
    assert docs["ConfigMap"]["data"] == {"Corefile": COREFILE}
    service = docs["Service"]
    assert service["metadata"] == {
        "name": "kube-dns",
        "namespace": "kube-system",
        "labels": {"k8s-app": "kube-dns"},
    }
    assert service["spec"]["clusterIP"] == "198.18.16.10"
    assert {(p["port"], p["protocol"]) for p in service["spec"]["ports"]} == {
        (53, "UDP"),
        (53, "TCP"),
        (9153, "TCP"),
    }
    pod = docs["Deployment"]["spec"]["template"]
    assert pod["metadata"]["labels"] == service["spec"]["selector"]
    (container,) = pod["spec"]["containers"]
    assert container["image"] == "chaosgate.local/coredns:v1.12.1"
    assert container["imagePullPolicy"] == "Never"
    assert container["securityContext"]["capabilities"] == {
        "add": ["NET_BIND_SERVICE"],
        "drop": ["ALL"],
    }
    # Its own lookups go to the node's resolver, never to itself.
    assert pod["spec"]["dnsPolicy"] == "Default"


def test_coredns_may_read_what_the_kubernetes_plugin_watches() -> None:
    docs = documents(ClusterDNS("coredns:test"))
    granted = {
        (group, resource)
        for rule in docs["ClusterRole"]["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert {("", "services"), ("", "pods"), ("discovery.k8s.io", "endpointslices")} <= granted
    binding = docs["ClusterRoleBinding"]
    assert binding["roleRef"]["name"] == docs["ClusterRole"]["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}
    ]

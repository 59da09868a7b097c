"""The kind Cluster config chaosgate asks for, as pure data.

One control plane and `nodes_per_zone` workers per zone, labelled
topology.kubernetes.io/zone. Every address range lives in 198.18.0.0/15: the
node network (made by kind_network), the pod range and the Service range.

kubeadm skips its CoreDNS, which chaosgate installs with a cluster-only
Corefile (kind_dns). With the offline node image (built by `chaosgate images
build`) kubeadm is pointed at the chaosgate.local images preloaded in the
node. The image also brings its own pod network (kindnetd cannot be built
here), which kind installs from the image as it would install kindnetd.
"""

from __future__ import annotations

from dataclasses import dataclass

from chaosgate.prometheus.incluster import NODE_PORT
from chaosgate.providers.base import ClusterSpec
from chaosgate.providers.kind_dns import KUBEADM_PHASE

POD_SUBNET = "198.18.64.0/18"
SERVICE_SUBNET = "198.18.16.0/20"
# heart-display's NodePort in gitops/values/kind.yaml. The control-plane node
# publishes it on 127.0.0.1 at a port kind picks (hostPort left out), so
# locust reaches the pods through kube-proxy as any client of the Service would.
HEART_NODE_PORT = 30080
# The in-cluster Prometheus' NodePort (chaosgate.prometheus.incluster), published the same way.
PROMETHEUS_NODE_PORT = NODE_PORT


@dataclass(frozen=True)
class OfflineImages:
    """What kubeadm must be told to use the images preloaded in a local node image."""

    repository: str
    etcd_tag: str


def _worker(zone: str, index: int) -> dict[str, object]:
    return {
        "role": "worker",
        "labels": {"topology.kubernetes.io/zone": zone, "chaosgate.io/zone-index": str(index)},
    }


def _control_plane() -> dict[str, object]:
    published = [
        {"containerPort": port, "listenAddress": "127.0.0.1", "protocol": "TCP"}
        for port in (HEART_NODE_PORT, PROMETHEUS_NODE_PORT)
    ]
    return {"role": "control-plane", "extraPortMappings": published}


def _offline_images_patch(offline: OfflineImages) -> str:
    return (
        "kind: ClusterConfiguration\n"
        f"imageRepository: {offline.repository}\n"
        "etcd:\n"
        "  local:\n"
        f"    imageTag: {offline.etcd_tag}\n"
    )


# chaosgate installs CoreDNS itself, with a cluster-only Corefile (kind_dns).
# The list replaces kind's own `--skip-phases=preflight` (measured: with only
# the CoreDNS phase listed, kubeadm ran its preflight checks and failed them),
# so it names preflight too.
SKIP_KUBEADM_COREDNS = f"kind: InitConfiguration\nskipPhases:\n  - preflight\n  - {KUBEADM_PHASE}\n"


def kind_config(spec: ClusterSpec, *, offline: OfflineImages | None = None) -> dict[str, object]:
    """A kind Cluster config: zone-labelled workers, API and traffic on loopback, 198.18/15."""
    workers = [
        _worker(zone, i) for i, zone in enumerate(spec.zones) for _ in range(spec.nodes_per_zone)
    ]
    config: dict[str, object] = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": spec.name,
        "networking": {
            "apiServerAddress": "127.0.0.1",
            "ipFamily": "ipv4",
            "podSubnet": POD_SUBNET,
            "serviceSubnet": SERVICE_SUBNET,
        },
        "nodes": [_control_plane(), *workers],
    }
    patches = [SKIP_KUBEADM_COREDNS]
    if offline is not None:
        patches.append(_offline_images_patch(offline))
    config["kubeadmConfigPatches"] = patches
    return config

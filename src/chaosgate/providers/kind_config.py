"""The kind Cluster config chaosgate asks for, as pure data.

One control plane and `nodes_per_zone` workers per zone, labelled
topology.kubernetes.io/zone. Every address range lives in 198.18.0.0/15: the
node network (made by kind_network), the pod range and the Service range.

With the offline node image (built by `chaosgate images build --node`) kind's
default CNI is off (kindnetd cannot be built here; the node's own
chaosgate-pod-network service takes its place), kubeadm is pointed at the
chaosgate.local images preloaded in the node, and each node mounts the file
naming the pod and Service ranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from chaosgate.providers.base import ClusterSpec

POD_SUBNET = "198.18.64.0/18"
SERVICE_SUBNET = "198.18.16.0/20"
NETWORK_ENV_IN_NODE = "/etc/chaosgate/network.env"


class NodeImages(StrEnum):
    """Where the node image (and the images in the cluster) come from."""

    OFFICIAL = "official"  # kindest/node from its registry, digest-pinned
    LOCAL = "local"  # built here by `chaosgate images build --node`, nothing pulled


@dataclass(frozen=True)
class OfflineImages:
    """What kubeadm must be told to use the images preloaded in a local node image."""

    repository: str
    etcd_tag: str
    coredns_tag: str


def network_env() -> str:
    """The file each offline node reads its ranges from (see chaosgate-pod-network)."""
    return f"POD_SUBNET={POD_SUBNET}\nSERVICE_SUBNET={SERVICE_SUBNET}\n"


def _worker(zone: str, index: int, mounts: list[dict[str, object]]) -> dict[str, object]:
    node: dict[str, object] = {
        "role": "worker",
        "labels": {"topology.kubernetes.io/zone": zone, "chaosgate.io/zone-index": str(index)},
    }
    if mounts:
        node["extraMounts"] = mounts
    return node


def _kubeadm_patch(offline: OfflineImages) -> str:
    return (
        "kind: ClusterConfiguration\n"
        f"imageRepository: {offline.repository}\n"
        "etcd:\n"
        "  local:\n"
        f"    imageTag: {offline.etcd_tag}\n"
        "dns:\n"
        f"  imageTag: {offline.coredns_tag}\n"
    )


def kind_config(
    spec: ClusterSpec,
    *,
    offline: OfflineImages | None = None,
    network_env_file: Path | None = None,
) -> dict[str, object]:
    """A kind Cluster config: zone-labelled workers, API on loopback, 198.18/15 ranges."""
    mounts: list[dict[str, object]] = []
    if offline is not None:
        if network_env_file is None:
            raise ValueError("an offline node image needs the network env file to mount")
        mounts = [
            {
                "hostPath": str(network_env_file),
                "containerPath": NETWORK_ENV_IN_NODE,
                "readOnly": True,
            }
        ]
    control_plane: dict[str, object] = {"role": "control-plane"}
    if mounts:
        control_plane["extraMounts"] = mounts
    workers = [
        _worker(zone, i, mounts)
        for i, zone in enumerate(spec.zones)
        for _ in range(spec.nodes_per_zone)
    ]
    networking: dict[str, object] = {
        "apiServerAddress": "127.0.0.1",
        "ipFamily": "ipv4",
        "podSubnet": POD_SUBNET,
        "serviceSubnet": SERVICE_SUBNET,
    }
    config: dict[str, object] = {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": spec.name,
        "networking": networking,
        "nodes": [control_plane, *workers],
    }
    if offline is not None:
        networking["disableDefaultCNI"] = True
        config["kubeadmConfigPatches"] = [_kubeadm_patch(offline)]
    return config


# CoreDNS answers for the cluster's own names and nothing else: no `forward`,
# so no query leaves the machine, and no `loop`, which has nothing to detect.
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

"""The small interface every cluster backend implements.

A provider creates (or adopts) a cluster, says where its kubeconfig is, and
deletes what it created. It also declares capabilities, so scenarios that need
real pods or real traffic are skipped, with the reason, where they cannot run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from chaosgate.errors import UsageError


class Capability(StrEnum):
    """What a backend can really do (as opposed to simulate)."""

    REAL_PODS = "real_pods"  # containers actually run
    REAL_OOM = "real_oom"  # the kernel OOM-kills containers over their limit
    TRAFFIC = "traffic"  # Services carry traffic the harness can send
    CHAOS_ALLOWED = "chaos_allowed"  # the harness may drain/kill in this cluster


def check_nodes_per_zone(nodes_per_zone: int) -> None:
    """UsageError unless every zone gets at least one node."""
    if nodes_per_zone < 1:
        raise UsageError(f"--nodes-per-zone must be at least 1, got {nodes_per_zone}.")


# Below this many cores a kind cluster gets one worker per zone by default. Measured
# on 2 cores: with two per zone (seven kind nodes, each a kubelet, containerd and
# kube-proxy) the load average reached 29 during `make chaos` and five of nine
# scenarios missed latency SLOs the stack meets (typical-second p95 66 ms, worst
# 552 ms); with one per zone every scenario met them.
KIND_CORES_FOR_TWO_PER_ZONE = 4
DEFAULT_NODES_PER_ZONE = 2


def default_nodes_per_zone(provider: str, cores: int | None) -> int:
    """Nodes per zone when the user did not say: one kind node per zone on a small machine.

    The local provider's kwok nodes cost next to nothing, so it keeps two.
    """
    small = cores is not None and cores < KIND_CORES_FOR_TWO_PER_ZONE
    return 1 if provider == "kind" and small else DEFAULT_NODES_PER_ZONE


@dataclass(frozen=True)
class ClusterSpec:
    """What the user asked for."""

    name: str = "chaosgate"
    zones: tuple[str, ...] = ("zone-a", "zone-b", "zone-c")
    nodes_per_zone: int = DEFAULT_NODES_PER_ZONE
    keep_on_failure: bool = False

    def __post_init__(self) -> None:
        check_nodes_per_zone(self.nodes_per_zone)


@dataclass(frozen=True)
class ClusterInfo:
    """A running cluster as the rest of the harness sees it."""

    name: str
    provider: str
    kubeconfig: Path
    capabilities: frozenset[Capability] = field(default_factory=frozenset)
    # Human-readable notes for reports, e.g. "pods are simulated by kwok".
    notes: tuple[str, ...] = ()
    # Base URL on 127.0.0.1 of the heart-display Service (set with Capability.TRAFFIC).
    traffic_url: str | None = None
    # Base URL on 127.0.0.1 of a Prometheus in the cluster scraping heart-display, if any.
    prometheus_url: str | None = None

    @property
    def carries_traffic(self) -> bool:
        """Whether load from this machine reaches the Service (TRAFFIC, and where to send it)."""
        return Capability.TRAFFIC in self.capabilities and bool(self.traffic_url)


class ClusterProvider(Protocol):
    """A cluster backend: local (kwok + real control plane), kind, or existing."""

    name: str

    def up(self, spec: ClusterSpec) -> ClusterInfo:
        """Create the cluster; on failure tear down what was made unless spec.keep_on_failure."""
        ...

    def down(self, name: str) -> None:
        """Delete the cluster called name and everything it left (processes, ports, files)."""
        ...

    def status(self, name: str) -> ClusterInfo:
        """Describe the running cluster called name, or raise ClusterNotFound."""
        ...

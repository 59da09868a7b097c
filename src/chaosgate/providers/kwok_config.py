"""How the local provider drives kwokctl: its configuration file, argv and env.

Pure functions over plain data, so the exact invocation is tested table-style
without a cluster. The one rule they enforce: every address a component
listens on, advertises or hands out is in 127.0.0.0/8, because this machine
may only talk to loopback.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaosgate.errors import ConfigError

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
KWOKCTL_CONFIG_API = "config.kwok.x-k8s.io/v1alpha1"


def is_loopback(address_or_cidr: str) -> bool:
    """True if an address or CIDR lies entirely inside 127.0.0.0/8."""
    network = ipaddress.ip_network(address_or_cidr, strict=False)
    return isinstance(network, ipaddress.IPv4Network) and network.subnet_of(LOOPBACK)


@dataclass(frozen=True)
class LoopbackAddresses:
    """Where the local cluster listens and which addresses it hands out.

    host: every component binds here; it is also the fake nodes' InternalIP,
      because metrics-server scrapes a node at its InternalIP and the process
      really answering is kwok, listening on host.
    pod_cidr: kwok's pool for fake pod IPs; nothing listens there, so an
      accidental connection to a pod fails locally instead of leaving the box.
    service_cidr: ClusterIPs the API server allocates (no kube-proxy, so no
      traffic; kept in loopback so no private-range address appears at all).
    """

    host: str = "127.0.0.1"
    pod_cidr: str = "127.128.0.0/16"
    service_cidr: str = "127.96.0.0/16"

    def __post_init__(self) -> None:
        outside = [value for value in self.all() if not is_loopback(value)]
        if outside:
            raise ConfigError(
                f"Local cluster addresses must be in 127.0.0.0/8; {', '.join(outside)} is not."
            )

    def all(self) -> tuple[str, ...]:
        """Every address and range this configuration uses."""
        return (self.host, self.pod_cidr, self.service_cidr)


@dataclass(frozen=True)
class ControlPlaneBinaries:
    """Locally built binaries kwokctl runs instead of downloading its own."""

    kube_apiserver: Path
    kube_controller_manager: Path
    kube_scheduler: Path
    kubectl: Path
    etcd: Path
    kwok: Path
    metrics_server: Path
    # A kustomize directory; kwokctl renders it with `kubectl kustomize`.
    metrics_server_manifests: Path
    # kwok's module copy of kustomize/stage (None: an older tool build without it).
    kwok_stages: Path | None = None


# Ports chaosgate gives a cluster's components. kwokctl would pick its own
# (counting down from 32766, avoiding only clusters in the same workdir), so
# two clusters created at once from different workdirs can pick the same
# ports. This range is above kwokctl's picks and above Linux's ephemeral range
# (32768-60999), so neither other kwok clusters nor client connections hold them.
PORT_RANGE = range(61000, 65536)


@dataclass(frozen=True)
class ClusterPorts:
    """The loopback ports of one cluster's components."""

    kube_apiserver: int
    etcd: int
    etcd_peer: int
    kwok_controller: int
    metrics_server: int
    kube_controller_manager: int
    kube_scheduler: int

    def options(self) -> dict[str, int]:
        """The KwokctlConfiguration options that set these ports."""
        return {
            "kubeApiserverPort": self.kube_apiserver,
            "etcdPort": self.etcd,
            "etcdPeerPort": self.etcd_peer,
            "kwokControllerPort": self.kwok_controller,
            "metricsServerPort": self.metrics_server,
            "kubeControllerManagerPort": self.kube_controller_manager,
            "kubeSchedulerPort": self.kube_scheduler,
        }


def choose_ports(is_free: Callable[[int], bool], rng: random.Random | None = None) -> ClusterPorts:
    """Seven free ports from PORT_RANGE, scanning from a random start.

    The random start keeps two clusters created at the same moment apart.
    """
    rng = rng or random.Random()  # noqa: S311 - spreading ports, not secrets
    start = rng.randrange(len(PORT_RANGE))
    needed = len(ClusterPorts.__dataclass_fields__)
    found: list[int] = []
    for offset in range(len(PORT_RANGE)):
        port = PORT_RANGE[(start + offset) % len(PORT_RANGE)]
        if is_free(port):
            found.append(port)
            if len(found) == needed:
                return ClusterPorts(*found)
    raise ConfigError(
        f"Found only {len(found)} free loopback ports in {PORT_RANGE.start}-{PORT_RANGE.stop - 1}; "
        "delete unused clusters (`chaosgate cluster down`) and try again."
    )


@dataclass(frozen=True)
class KwokctlSettings:
    """Everything that shapes one `kwokctl create cluster`."""

    binaries: ControlPlaneBinaries
    kube_version: str
    ports: ClusterPorts
    addresses: LoopbackAddresses = LoopbackAddresses()
    # metrics-server's scrape interval; kwokctl's default is 15 s. Shorter
    # makes metrics (and so HPA decisions) follow simulated usage sooner.
    metric_resolution_seconds: int = 10
    # metrics-server refuses to start unless resolution > kubelet request
    # timeout (default 10 s); kwok answers on loopback within milliseconds.
    kubelet_request_timeout_seconds: int = 5
    create_timeout_seconds: int = 180


def _extra_arg(key: str, value: str, *, override: bool = False) -> dict[str, Any]:
    return {"key": key, "value": value, "override": override}


def components_patches(settings: KwokctlSettings) -> list[Any]:
    """Flags kwokctl has no option for, added to the components it starts."""
    addresses = settings.addresses
    return [
        {
            "name": "kwok-controller",
            "extraArgs": [
                # kwokctl's binary runtime passes an empty --node-ip; replace it.
                _extra_arg("node-ip", addresses.host, override=True),
                _extra_arg("cidr", addresses.pod_cidr),
            ],
        },
        {
            "name": "kube-apiserver",
            "extraArgs": [
                # Without these the API server advertises the host's primary
                # (private-range) address in the `kubernetes` Endpoints; and
                # Endpoints may not hold loopback addresses, so it must not
                # publish them at all rather than retry and log every 10 s.
                _extra_arg("advertise-address", addresses.host),
                _extra_arg("endpoint-reconciler-type", "none"),
                _extra_arg("service-cluster-ip-range", addresses.service_cidr),
            ],
        },
        {
            "name": "kube-controller-manager",
            "extraArgs": [_extra_arg("service-cluster-ip-range", addresses.service_cidr)],
        },
        {
            "name": "metrics-server",
            "extraArgs": [
                _extra_arg(
                    "metric-resolution", f"{settings.metric_resolution_seconds}s", override=True
                ),
                _extra_arg(
                    "kubelet-request-timeout", f"{settings.kubelet_request_timeout_seconds}s"
                ),
            ],
        },
    ]


def kwokctl_configuration(settings: KwokctlSettings) -> dict[str, Any]:
    """The KwokctlConfiguration document chaosgate hands kwokctl with --config."""
    binaries = settings.binaries
    return {
        "apiVersion": KWOKCTL_CONFIG_API,
        "kind": "KwokctlConfiguration",
        "metadata": {"name": "chaosgate-local"},
        "options": {
            "runtime": "binary",
            "kubeVersion": settings.kube_version,
            "bindAddress": settings.addresses.host,
            "enable": ["metrics-server"],
            "quietPull": True,
            "kubeApiserverBinary": str(binaries.kube_apiserver),
            "kubeControllerManagerBinary": str(binaries.kube_controller_manager),
            "kubeSchedulerBinary": str(binaries.kube_scheduler),
            "kubectlBinary": str(binaries.kubectl),
            "etcdBinary": str(binaries.etcd),
            "kwokControllerBinary": str(binaries.kwok),
            "metricsServerBinary": str(binaries.metrics_server),
            "metricsServerManifests": [str(binaries.metrics_server_manifests)],
            **settings.ports.options(),
        },
        "componentsPatches": components_patches(settings),
    }


# kwokctl drops all of its default Stages as soon as a configuration lists any
# Stage, so a cluster with extra Stages must list the defaults too. These files
# of kwok's module are kwokctl's defaults for the binary runtime (the heartbeat
# keeps its own delay: our status update frequency is below it).
DEFAULT_STAGE_FILES = (
    "node/fast/node-initialize.yaml",
    "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "pod/fast/pod-ready.yaml",
    "pod/fast/pod-complete.yaml",
    "pod/fast/pod-delete.yaml",
)


def kwokctl_documents(
    settings: KwokctlSettings, stages: Sequence[Mapping[str, Any]] = ()
) -> list[Mapping[str, Any]]:
    """The documents of the configuration file: KwokctlConfiguration, then any Stages."""
    return [kwokctl_configuration(settings), *stages]


def create_cluster_argv(kwokctl: Path, name: str, config: Path, timeout_seconds: int) -> list[str]:
    """`kwokctl create cluster` for a binary-runtime cluster configured by config.

    --kubeconfig= (empty) keeps kwokctl away from the user's ~/.kube/config;
    the harness uses the cluster's own kubeconfig file instead.
    """
    return [
        str(kwokctl),
        "create",
        "cluster",
        "--name",
        name,
        "--runtime",
        "binary",
        f"--config={config}",
        "--kubeconfig=",
        f"--timeout={timeout_seconds}s",
    ]


def delete_cluster_argv(kwokctl: Path, name: str, own_kubeconfig: Path) -> list[str]:
    """`kwokctl delete cluster`, again without touching ~/.kube/config.

    delete refuses an empty --kubeconfig, so it is pointed at the cluster's
    own kubeconfig file, which the deletion removes anyway.
    """
    return [str(kwokctl), "delete", "cluster", "--name", name, f"--kubeconfig={own_kubeconfig}"]


def kwokctl_env(workdir: Path, kubectl_dir: Path, base_path: str) -> dict[str, str]:
    """Environment for kwokctl: our workdir, and our kubectl first on PATH.

    kwokctl looks kubectl up on PATH (for `kubectl kustomize` and readiness
    checks) before falling back to downloading one, which would fail here.
    """
    path = f"{kubectl_dir}:{base_path}" if base_path else str(kubectl_dir)
    return {"KWOK_WORKDIR": str(workdir), "PATH": path}

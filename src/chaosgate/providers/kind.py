"""The kind provider: real nodes as Docker containers, real kubelets, real pods.

`up` makes the cluster's own network (kind_network), asks kind for one control
plane and zone-labelled workers (kind_config), then finishes what kind leaves
open: CoreDNS, serving cluster names only (kind_dns), every node Ready (not
only the API server), and metrics-server running, so the HPA has real CPU
figures.

The node image is either kind's official one (machines with a registry) or the
one `chaosgate images build --node` builds here with every image preloaded;
then nothing is pulled at all (CHAOSGATE_KIND_IMAGES=local, or --kind-images).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from chaosgate.errors import ClusterError, ClusterNotFound, CommandError
from chaosgate.process import run
from chaosgate.prometheus.incluster import NAME as PROMETHEUS_NAME
from chaosgate.prometheus.incluster import NAMESPACE as PROMETHEUS_NAMESPACE
from chaosgate.prometheus.incluster import InClusterPrometheus, on_control_plane
from chaosgate.prometheus.incluster import manifest as prometheus_manifest
from chaosgate.providers import kind_network
from chaosgate.providers.base import Capability, ClusterInfo, ClusterSpec
from chaosgate.providers.kind_config import (
    HEART_NODE_PORT,
    PROMETHEUS_NODE_PORT,
    SERVICE_SUBNET,
    OfflineImages,
    kind_config,
)
from chaosgate.providers.kind_dns import NAME as COREDNS_NAME
from chaosgate.providers.kind_dns import ClusterDNS
from chaosgate.providers.state import cluster_dir, cluster_kubeconfig
from chaosgate.waiting import wait_until

CREATE_TIMEOUT = 900
OVERRIDDEN_FLAGS = ("--metric-resolution", "--kubelet-request-timeout")
METRIC_RESOLUTION = "10s"
KUBELET_REQUEST_TIMEOUT = "5s"
READY_TIMEOUT = 600.0
NODE_READY_JSONPATH = (
    'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'
)
KIND_CAPABILITIES = frozenset({Capability.REAL_PODS, Capability.REAL_OOM, Capability.CHAOS_ALLOWED})


@dataclass(frozen=True)
class MetricsServer:
    """How metrics-server is installed: its manifests directory and image."""

    manifests: Path
    image: str
    kustomize: Path
    pull_policy: str = "Never"


class Networks(Protocol):
    """Makes and removes a cluster's Docker network: the kind_network module, a fake in tests."""

    def create_network(self, cluster: str) -> kind_network.KindNetwork: ...

    def delete_network(self, cluster: str) -> None: ...

    def published_url(self, cluster: str, container_port: int) -> str | None: ...


class KindProvider:
    """Creates and deletes kind clusters through the kind CLI."""

    name = "kind"

    def __init__(
        self,
        kind_binary: Path,
        node_image: str,
        images: Sequence[str] = (),
        *,
        dns: ClusterDNS,
        kubectl: Path | None = None,
        offline: OfflineImages | None = None,
        metrics_server: MetricsServer | None = None,
        prometheus: InClusterPrometheus | None = None,
        prepare_engine: Callable[[], None] | None = None,
        networks: Networks | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.kind = str(kind_binary)
        self.node_image = node_image
        self.dns = dns
        # Images loaded into the nodes after creation (the official node image
        # lacks the heart stack's); the offline node image has them preloaded.
        self.images = tuple(images)
        self.kubectl = str(kubectl) if kubectl else "kubectl"
        self.offline = offline
        self.metrics_server = metrics_server
        self.prometheus = prometheus
        self.prepare_engine = prepare_engine
        self.networks: Networks = networks or kind_network
        self.log = log or (lambda _line: None)
        # Seconds each step of the last up() took, by step name (benchmarks read it).
        self.timings: dict[str, float] = {}

    def _clusters(self) -> list[str]:
        return run([self.kind, "get", "clusters"], timeout=60).stdout.split()

    def exists(self, name: str) -> bool:
        """Whether kind knows a cluster called name."""
        return name in self._clusters()

    def _kubeconfig(self, name: str) -> Path:
        return cluster_kubeconfig(self.name, name)

    def up(self, spec: ClusterSpec) -> ClusterInfo:
        """Create the cluster and wait until every node is Ready and metrics answer."""
        if self.prepare_engine is not None:
            self.prepare_engine()
        if self.exists(spec.name):
            raise ClusterError(
                f"A kind cluster named {spec.name} already exists; run `chaosgate cluster down "
                f"--provider kind --name {spec.name}` or pick another --name."
            )
        workdir = cluster_dir(self.name, spec.name)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            network = self.networks.create_network(spec.name)
            self.log(
                f"network {network.name} ({network.subnet}), forwarding off the machine dropped"
            )
            config = self._write_config(spec, workdir)
            self.timings = {}
            self._timed(
                "kind create cluster", lambda: self._create(spec.name, config, network.name)
            )
            self._finish(spec.name)
        except (CommandError, ClusterError) as exc:
            if not spec.keep_on_failure:
                self._delete_after_failure(spec.name)
            raise ClusterError(f"Creating kind cluster {spec.name} failed: {exc}") from exc
        return self._info(spec.name)

    def _write_config(self, spec: ClusterSpec, workdir: Path) -> Path:
        config = workdir / "kind-config.yaml"
        data = kind_config(spec, offline=self.offline)
        config.write_text(yaml.safe_dump(data, sort_keys=False))
        return config

    def _create(self, name: str, config: Path, network: str) -> None:
        argv = [
            self.kind,
            "create",
            "cluster",
            "--name",
            name,
            "--config",
            str(config),
            "--image",
            self.node_image,
            "--kubeconfig",
            str(self._kubeconfig(name)),
        ]
        # No `--wait`: kind would wait for the control plane alone, and only then
        # would the wait for every node start; waiting for all of them at once
        # (in _finish) lets the workers' joining overlap the control plane's.
        run(argv, timeout=CREATE_TIMEOUT, env={"KIND_EXPERIMENTAL_DOCKER_NETWORK": network})
        for image in self.images:
            run([self.kind, "load", "docker-image", image, "--name", name], timeout=600)

    def _kubectl(self, name: str, *args: str, input_text: str | None = None) -> str:
        argv = [self.kubectl, f"--kubeconfig={self._kubeconfig(name)}", *args]
        return run(argv, timeout=300, input_text=input_text).stdout

    def _finish(self, name: str) -> None:
        """After `kind create`: CoreDNS and the add-ons are applied at once, so their
        rollouts overlap the workers' joining; then wait for all of it."""
        self._kubectl(name, "apply", "-f", "-", input_text=self.dns.manifest(SERVICE_SUBNET))
        if self.metrics_server is not None:
            manifest = metrics_server_manifest(self.metrics_server)
            self._kubectl(name, "apply", "-f", "-", input_text=manifest)
        if self.prometheus is not None:
            self._kubectl(name, "apply", "-f", "-", input_text=prometheus_manifest(self.prometheus))
        self._timed("every node Ready", lambda: self._wait_nodes_ready(name))
        self._timed("CoreDNS ready", lambda: self._rollout(name, COREDNS_NAME))
        if self.metrics_server is not None:
            self._timed("metrics-server answering", lambda: self._wait_metrics(name))
        if self.prometheus is not None:
            self._timed(
                "Prometheus ready",
                lambda: self._rollout(name, PROMETHEUS_NAME, PROMETHEUS_NAMESPACE),
            )

    def _timed(self, what: str, step: Callable[[], None]) -> None:
        began = time.monotonic()
        step()
        self.timings[what] = time.monotonic() - began
        self.log(f"{what} after {self.timings[what]:.1f} s more")

    def _rollout(self, name: str, deployment: str, namespace: str = "kube-system") -> None:
        self._kubectl(
            name,
            "-n",
            namespace,
            "rollout",
            "status",
            f"deployment/{deployment}",
            "--timeout=300s",
        )

    def _wait_nodes_ready(self, name: str) -> None:
        def all_ready() -> bool:
            out = self._kubectl(name, "get", "nodes", "-o", NODE_READY_JSONPATH)
            states = out.split()
            return bool(states) and all(s == "True" for s in states)

        if not wait_until(all_ready, timeout=READY_TIMEOUT, interval=1.0):
            nodes = self._kubectl(name, "get", "nodes", "-o", "wide")
            raise ClusterError(f"Not every node was Ready within {READY_TIMEOUT:.0f} s:\n{nodes}")

    def _wait_metrics(self, name: str) -> None:
        self._rollout(name, "metrics-server")

        def metrics_answer() -> bool:
            try:
                self._kubectl(name, "top", "nodes")
            except CommandError:
                return False
            return True

        if not wait_until(metrics_answer, timeout=180.0, interval=2.0):
            raise ClusterError(
                "metrics-server runs but `kubectl top nodes` gave no figures in 180 s."
            )

    def down(self, name: str) -> None:
        """Delete the cluster, its network and firewall rule, and the harness's files for it."""
        if not self.exists(name):
            raise ClusterNotFound(f"No kind cluster named {name}; `kind get clusters` lists them.")
        self._delete(name)

    def _delete_after_failure(self, name: str) -> None:
        # The creation error is the one the user needs; a clean-up that fails too
        # (kind: "no such cluster" for one it never registered) is only logged.
        try:
            self._delete(name)
        except (CommandError, ClusterError) as exc:
            self.log(f"cleaning up the failed kind cluster {name} also failed: {exc}")

    def _delete(self, name: str) -> None:
        run([self.kind, "delete", "cluster", "--name", name], timeout=300)
        self.networks.delete_network(name)
        shutil.rmtree(cluster_dir(self.name, name), ignore_errors=True)

    def status(self, name: str) -> ClusterInfo:
        if not self.exists(name):
            raise ClusterNotFound(
                f"No kind cluster named {name}; create it with "
                f"`chaosgate cluster up --provider kind --name {name}`."
            )
        return self._info(name)

    def _info(self, name: str) -> ClusterInfo:
        kubeconfig = self._kubeconfig(name)
        if not kubeconfig.is_file():
            # Created outside chaosgate: ask kind for the kubeconfig.
            kubeconfig.parent.mkdir(parents=True, exist_ok=True)
            text = run([self.kind, "get", "kubeconfig", "--name", name], timeout=60).stdout
            kubeconfig.write_text(text)
        notes = ["real kind nodes: real kubelets, containerd and pods"]
        capabilities = set(KIND_CAPABILITIES)
        traffic_url = self.networks.published_url(name, HEART_NODE_PORT)
        if traffic_url is not None:
            capabilities.add(Capability.TRAFFIC)
        else:
            notes.append(
                f"node port {HEART_NODE_PORT} is not published on 127.0.0.1 (a cluster made "
                "before chaosgate published it): no load reaches it; recreate it for traffic"
            )
        prometheus_url = (
            self.networks.published_url(name, PROMETHEUS_NODE_PORT) if self.prometheus else None
        )
        return ClusterInfo(
            name,
            self.name,
            kubeconfig,
            frozenset(capabilities),
            tuple(notes),
            traffic_url,
            prometheus_url,
        )


def metrics_server_manifest(metrics: MetricsServer) -> str:
    """metrics-server's pinned upstream manifest, pointed at our image and the kubelets' own certs.

    kind's kubelets serve self-signed certificates, so metrics-server is told
    not to verify them and to reach each kubelet at its InternalIP. It scrapes
    every 10 s instead of 15 s, as on the local provider: the HPA scenario's
    scale-out waits on the first figures that show the load (35-47 s measured
    with 15 s, against a 60 s budget). It is ready as soon as it says so, and
    it runs on the control-plane node.
    """
    rendered = run([str(metrics.kustomize), "build", str(metrics.manifests / "base")], timeout=120)
    docs = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    for doc in docs:
        if doc.get("kind") == "Deployment":
            container = doc["spec"]["template"]["spec"]["containers"][0]
            container["image"] = metrics.image
            container["imagePullPolicy"] = metrics.pull_policy
            kept = [a for a in container.get("args", []) if not a.startswith(OVERRIDDEN_FLAGS)]
            container["args"] = [
                *kept,
                f"--metric-resolution={METRIC_RESOLUTION}",
                # metrics-server refuses a resolution not above the kubelet timeout (10 s).
                f"--kubelet-request-timeout={KUBELET_REQUEST_TIMEOUT}",
                "--kubelet-insecure-tls",
                "--kubelet-preferred-address-types=InternalIP",
            ]
            # /readyz fails until the first scrape is stored, so it can be asked
            # from the start: upstream's 20 s initial delay only made every
            # cluster up wait for it.
            container["readinessProbe"] |= {"initialDelaySeconds": 0, "periodSeconds": 2}
            # The control plane is Ready first, so metrics-server is scraping
            # while the workers join, and no zone drain takes the HPA's figures.
            doc["spec"]["template"]["spec"] |= on_control_plane()
    return yaml.safe_dump_all(docs, sort_keys=False)

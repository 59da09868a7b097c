"""The kind provider: real nodes as Docker containers, for machines with a registry.

The cluster has one control plane and `nodes_per_zone` workers in each zone,
labelled topology.kubernetes.io/zone, so topology spread and zone drains act on
real nodes. The node image is pinned in versions.toml ([images] kind-node).
This machine cannot run it (no node image offline); its command sequence is
tested against a recording fake `kind`.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import yaml

from chaosgate.errors import ClusterError, ClusterNotFound, CommandError
from chaosgate.process import run
from chaosgate.providers.base import Capability, ClusterInfo, ClusterSpec
from chaosgate.providers.state import cluster_dir

CREATE_TIMEOUT = 900
KIND_CAPABILITIES = frozenset(
    {Capability.REAL_PODS, Capability.REAL_OOM, Capability.TRAFFIC, Capability.CHAOS_ALLOWED}
)


def kind_config(spec: ClusterSpec) -> dict[str, object]:
    """A kind Cluster config: one control plane, zone-labelled workers, API on loopback."""
    workers = [
        {
            "role": "worker",
            "labels": {"topology.kubernetes.io/zone": zone, "chaosgate.io/zone-index": str(i)},
        }
        for i, zone in enumerate(spec.zones)
        for _ in range(spec.nodes_per_zone)
    ]
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "name": spec.name,
        "networking": {"apiServerAddress": "127.0.0.1"},
        "nodes": [{"role": "control-plane"}, *workers],
    }


class KindProvider:
    """Creates and deletes kind clusters through the kind CLI."""

    name = "kind"

    def __init__(self, kind_binary: Path, node_image: str, images: Sequence[str] = ()) -> None:
        self.kind = str(kind_binary)
        self.node_image = node_image
        self.images = tuple(images)

    def _clusters(self) -> list[str]:
        return run([self.kind, "get", "clusters"], timeout=60).stdout.split()

    def _kubeconfig(self, name: str) -> Path:
        return cluster_dir(self.name, name) / "kubeconfig"

    def up(self, spec: ClusterSpec) -> ClusterInfo:
        """Create the cluster and load the stack's images into its nodes."""
        if spec.name in self._clusters():
            raise ClusterError(
                f"A kind cluster named {spec.name} already exists; run `chaosgate cluster down "
                f"--provider kind --name {spec.name}` or pick another --name."
            )
        workdir = cluster_dir(self.name, spec.name)
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "kind-config.yaml"
        config.write_text(yaml.safe_dump(kind_config(spec), sort_keys=False))
        try:
            self._create(spec.name, config)
        except CommandError as exc:
            if not spec.keep_on_failure:
                self.down(spec.name)
            raise ClusterError(f"Creating kind cluster {spec.name} failed: {exc}") from exc
        return self._info(spec.name)

    def _create(self, name: str, config: Path) -> None:
        run(
            [
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
                "--wait",
                "5m",
            ],
            timeout=CREATE_TIMEOUT,
        )
        for image in self.images:
            run([self.kind, "load", "docker-image", image, "--name", name], timeout=600)

    def down(self, name: str) -> None:
        """Delete the cluster and the harness's files for it."""
        if name not in self._clusters():
            raise ClusterNotFound(f"No kind cluster named {name}; `kind get clusters` lists them.")
        run([self.kind, "delete", "cluster", "--name", name], timeout=300)
        shutil.rmtree(cluster_dir(self.name, name), ignore_errors=True)

    def status(self, name: str) -> ClusterInfo:
        if name not in self._clusters():
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
        return ClusterInfo(name, self.name, kubeconfig, KIND_CAPABILITIES, ("real kind nodes",))

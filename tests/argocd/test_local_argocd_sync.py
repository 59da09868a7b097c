"""The heart stack through a real Argo CD on a real local cluster, at exactly the served SHA.

Slow (a few minutes) and needs the pinned tools; with tools missing it fails
with the ToolError that says to run `make setup`, it never skips. Pods are
simulated by kwok (Running/Ready without running anything); the control
plane, the StatefulSet/Deployment controllers and Argo CD are real.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.argocd.config import Tuning, settings_overlay
from chaosgate.argocd.gitrepo import commit_change, read_file, serve
from chaosgate.argocd.local import LocalArgoCD, LocalArgoCDSettings
from chaosgate.argocd.sync import apply_root, wait_synced
from chaosgate.providers.base import ClusterInfo, ClusterSpec
from chaosgate.providers.local import LocalProvider, LocalSettings
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import wait_until

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(1500)]

APPS = ("heart-root", "heart-redis", "heart-display")
VALUES = "gitops/charts/heart-display/values.yaml"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ClusterInfo]:
    tool_path("argocd")  # a missing Argo CD fails here, before a cluster is made
    name = f"cg-argo-{uuid.uuid4().hex[:8]}"
    provider = LocalProvider(LocalSettings(workdir=tmp_path / "kwok"))
    info = provider.up(ClusterSpec(name=name, nodes_per_zone=2))
    try:
        yield info
    finally:
        if provider.settings.cluster_dir(name).exists():
            provider.down(name)


def kubectl_json(kubeconfig: Path, *args: str) -> dict[str, object]:
    argv = [str(tool_path("kubernetes", "kubectl")), f"--kubeconfig={kubeconfig}", *args]
    out = subprocess.run([*argv, "-o", "json"], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def ready_pods(kubeconfig: Path) -> object:
    sts = kubectl_json(kubeconfig, "get", "statefulset", "heart-display", "-n", "heart")
    return sts["status"].get("readyReplicas")  # type: ignore[attr-defined]


def love_level(kubeconfig: Path) -> object:
    cm = kubectl_json(kubeconfig, "get", "configmap", "heart-display", "-n", "heart")
    return cm["data"]["love-level"]  # type: ignore[index]


def listeners(pids: list[int]) -> list[str]:
    """Local addresses (ip:port) on which these processes listen for TCP."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    return [
        line.split()[3] for line in out.splitlines() if any(f"pid={pid}," in line for pid in pids)
    ]


def test_heart_stack_reaches_synced_healthy_at_the_served_sha(
    cluster: ClusterInfo, tmp_path: Path, repo_root: Path
) -> None:
    repo, sha = serve(repo_root, tmp_path / "gitops.git", snapshot=True)
    cm_overlay = settings_overlay(repo_root / "gitops" / "argocd" / "config" / "argocd-cm.yaml")
    settings = LocalArgoCDSettings(tuning=Tuning(extra_settings=cm_overlay))
    argocd = LocalArgoCD(cluster.kubeconfig, tmp_path / "argocd", settings)
    root = repo_root / "gitops" / "argocd" / "root.yaml"
    with argocd:
        print(f"\nArgo CD started in {argocd.timings['total']:.1f} s: {argocd.timings}")
        assert argocd.ports is not None
        pids = [process.pid for process in argocd.processes.values()]
        # Upstream binds the controller's metrics port to all addresses (no flag).
        beyond_loopback = [
            address
            for address in listeners(pids)
            if not address.startswith("127.0.0.1:")
            and not address.endswith(f":{argocd.ports.controller_metrics}")
        ]
        assert beyond_loopback == []

        began = time.monotonic()
        apply_root(cluster.kubeconfig, root, repo.url, sha, "gitops/values/local.yaml")
        result = wait_synced(cluster.kubeconfig, APPS, sha, timeout=600, settle=5)
        print(f"first sync to Synced+Healthy: {time.monotonic() - began:.1f} s ({result.nudged=})")
        assert {status.revision for status in result.statuses.values()} == {sha}
        # With autoscaling on, the chart leaves replicas to the HPA: the StatefulSet
        # starts with 1 pod and is Healthy before the HPA raises it to minReplicas.
        print(f"heart-display ready pods at sync: {ready_pods(cluster.kubeconfig)}")
        assert wait_until(lambda: ready_pods(cluster.kubeconfig) == 6, timeout=90, interval=1)
        assert love_level(cluster.kubeconfig) == "7"

        values = read_file(repo, VALUES)
        assert "loveLevel: 7\n" in values
        new = commit_change(
            repo, VALUES, values.replace("loveLevel: 7\n", "loveLevel: 9\n"), "love more"
        )
        began = time.monotonic()
        apply_root(cluster.kubeconfig, root, repo.url, new, "gitops/values/local.yaml")
        result = wait_synced(cluster.kubeconfig, APPS, new, timeout=300, settle=5)
        print(f"new revision to Synced+Healthy: {time.monotonic() - began:.1f} s")
        assert {status.revision for status in result.statuses.values()} == {new}
        assert love_level(cluster.kubeconfig) == "9"

    assert argocd.processes == {}
    assert argocd.stragglers() == []
    assert argocd.listening_ports() == []
    assert not (tmp_path / "argocd" / "tmp").exists()

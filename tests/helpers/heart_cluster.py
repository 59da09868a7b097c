"""One local cluster with the heart stack installed straight from the chart (no Argo CD).

For the integration tests of chaosgate.kube: LocalProvider (kwok nodes in
zone-a/b/c, real control plane), then `helm template ... | kubectl apply`
with the pinned helm and kubectl, then wait until the StatefulSet has its six
Ready replicas and the HPA agrees. The cluster is always deleted afterwards.
Missing tools raise ToolError ("run `make setup`"): the tests fail, never skip.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chaosgate.process import run
from chaosgate.providers.base import ClusterInfo, ClusterSpec
from chaosgate.providers.local import Kubectl, LocalProvider, LocalSettings
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "gitops" / "charts" / "heart-display"
LOCAL_VALUES = REPO / "gitops" / "values" / "local.yaml"
NAMESPACE = "heart"
STATEFULSET = "heart-display"
REPLICAS = 6  # the HPA's minimum in the chart's values


@dataclass(frozen=True)
class HeartCluster:
    info: ClusterInfo
    kubectl: Kubectl
    manifests: list[dict[str, Any]]
    started: float

    def get(self, *args: str) -> Any:
        return self.kubectl.get_json(*args, "-n", NAMESPACE)

    def statefulset(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("get", "statefulset", STATEFULSET)
        return result

    def fully_ready(self, replicas: int = REPLICAS) -> bool:
        sts = self.statefulset()
        ready = sts.get("status", {}).get("readyReplicas")
        return bool(sts["spec"].get("replicas") == replicas and ready == replicas)

    def wait_fully_ready(self, replicas: int = REPLICAS, timeout: float = 120) -> None:
        if not wait_until(lambda: self.fully_ready(replicas), timeout=timeout, interval=0.5):
            raise AssertionError(f"{STATEFULSET} not {replicas}/{replicas} Ready in {timeout} s")

    def pods(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(
            "get", "pods", "-l", "app.kubernetes.io/component=display"
        )["items"]
        return items

    def nodes(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.kubectl.get_json("get", "nodes")["items"]
        return items


def render(values: Sequence[Path]) -> str:
    argv = [str(tool_path("helm")), "template", "heart", str(CHART), "--namespace", NAMESPACE]
    for path in [LOCAL_VALUES, *values]:
        argv += ["-f", str(path)]
    return run([*argv, "--kube-version", "v1.34.4"], timeout=60).stdout


@contextmanager
def heart_cluster(workdir: Path, values: Sequence[Path] = ()) -> Iterator[HeartCluster]:
    """A fresh local cluster running the heart chart; deleted on the way out, always."""

    name = f"cg-kube-{uuid.uuid4().hex[:8]}"
    provider = LocalProvider(LocalSettings(workdir=workdir))
    started = time.monotonic()
    try:
        info = provider.up(ClusterSpec(name=name))
        kubectl = Kubectl(tool_path("kubernetes", "kubectl"), info.kubeconfig)
        manifests = render(values)
        kubectl("create", "namespace", NAMESPACE)
        kubectl("apply", "-n", NAMESPACE, "-f", "-", input_text=manifests)
        cluster = HeartCluster(
            info, kubectl, [d for d in yaml.safe_load_all(manifests) if d], started
        )
        cluster.wait_fully_ready()
        print(
            f"\ncluster {name} up with heart {REPLICAS}/{REPLICAS} Ready in "
            f"{time.monotonic() - started:.1f} s"
        )
        yield cluster
    finally:
        if provider.settings.cluster_dir(name).exists():
            provider.down(name)

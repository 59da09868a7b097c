"""Local provider, Argo CD and GitOps sync times, and a scale run, measured in one go.

Figures (seconds), each beside `kwokctl create cluster` alone measured in the
same run as the baseline (machines here are noisy, so ratios say more):
  - local cluster ready (6 nodes Ready, metrics API Available)
  - Argo CD start (objects applied, redis + repo-server + controller ready)
  - heart stack sync to Synced+Healthy at the served SHA
Scale (--scale): a cluster of 100 nodes per zone (300 nodes), a 3000-pod
Deployment on kwok nodes until every pod is Ready, then a full heart-stack
sync; reports the harness's peak memory and the cluster processes' peak RSS.
Only loopback addresses are used. Run: `.venv/bin/python bench/bench_cluster.py [--scale]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import threading
import time
import uuid
from pathlib import Path

from chaosgate.harness import HarnessOptions, argocd_session, deploy_heart_stack
from chaosgate.process import run
from chaosgate.providers.base import ClusterInfo, ClusterSpec
from chaosgate.providers.local import LocalProvider, LocalSettings, processes_using
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import wait_until

SCALE_PODS = 3000


class RssSampler:
    """Samples the summed RSS of the cluster's processes; keeps the peak."""

    def __init__(self, cluster_dir: Path) -> None:
        self.cluster_dir = cluster_dir
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            total = sum(_rss_mib(pid) for pid, _ in processes_using(self.cluster_dir))
            self.peak_mib = max(self.peak_mib, total)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def kubectl(cluster: ClusterInfo, *args: str, input_text: str | None = None) -> str:
    argv = [str(tool_path("kubernetes", "kubectl")), f"--kubeconfig={cluster.kubeconfig}", *args]
    return run(argv, timeout=600, input_text=input_text).stdout


def scale_deployment(replicas: int) -> str:
    """A Deployment of `replicas` pods that only kwok nodes take (nothing runs)."""
    return json.dumps({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "scale", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "scale"}},
            "template": {
                "metadata": {"labels": {"app": "scale"}},
                "spec": {
                    "nodeSelector": {"type": "kwok"},
                    "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists"}],
                    "containers": [{"name": "c", "image": "scale:none",
                                    "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}}}],
                },
            },
        },
    })  # fmt: skip


def ready_replicas(cluster: ClusterInfo) -> int:
    out = kubectl(cluster, "get", "deployment", "scale", "-o", "jsonpath={.status.readyReplicas}")
    return int(out or 0)


def timed_up(provider: LocalProvider, spec: ClusterSpec) -> tuple[ClusterInfo, float, float]:
    began = time.monotonic()
    info = provider.up(spec)
    return info, time.monotonic() - began, provider.timings["kwokctl create cluster"]


def measure(nodes_per_zone: int, pods: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="chaosgate-bench-") as tmp:
        provider = LocalProvider(LocalSettings(workdir=Path(tmp) / "kwok"))
        name = f"cg-bench-{uuid.uuid4().hex[:6]}"
        spec = ClusterSpec(name=name, nodes_per_zone=nodes_per_zone)
        with RssSampler(provider.settings.cluster_dir(name)) as rss:
            info, up_s, create_s = timed_up(provider, spec)
            try:
                figures.update({"kwokctl_create_s": create_s, "cluster_ready_s": up_s})
                if pods:
                    began = time.monotonic()
                    kubectl(info, "apply", "-f", "-", input_text=scale_deployment(pods))
                    ok = wait_until(lambda: ready_replicas(info) >= pods, timeout=1800, interval=2)
                    figures["pods_ready_s" if ok else "pods_ready_timeout_s"] = (
                        time.monotonic() - began
                    )
                options = HarnessOptions(cluster_name=name, gitops_snapshot=True)
                began = time.monotonic()
                with argocd_session(info, options):
                    figures["argocd_start_s"] = time.monotonic() - began
                    stack = deploy_heart_stack(info, options)
                    figures["sync_to_healthy_s"] = stack.sync.elapsed
            finally:
                provider.down(name)
        figures["cluster_processes_peak_rss_mib"] = rss.peak_mib
    figures["harness_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def report(title: str, figures: dict[str, float]) -> None:
    base = figures["kwokctl_create_s"]
    print(f"\n{title}")
    for name, value in figures.items():
        ratio = f"{value / base:8.1f}x kwokctl create" if name.endswith("_s") else ""
        print(f"  {name:34} {value:10.1f} {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="also run 300 nodes / 3000 pods")
    args = parser.parse_args()
    report("local cluster (2 nodes per zone)", measure(2, 0))
    if args.scale:
        report(f"scale: 300 nodes, {SCALE_PODS} pods", measure(100, SCALE_PODS))


if __name__ == "__main__":
    main()

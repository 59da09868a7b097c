"""How long after an API write does ClusterRecorder have the record? Against two baselines.

On a fresh local cluster (LocalProvider: real kube-apiserver and etcd, kwok
nodes), one pod gets its annotation patched N times. Three observers watch
the pod at the same time, in the same run:

- recorder: chaosgate.kube.observe.ClusterRecorder, latency to the moment the
  POD record is appended (watch + conversion + zone lookup + lock);
- raw watch: chaosgate.kube.watch.ResourceWatch alone, the same list/watch
  stream with no recorder behind it;
- kubectl: the pinned `kubectl get pod --watch`, a separate process (its
  stdout line is stamped when this script reads it).

Latency is measured per write from the moment the patch call returned and
from the moment it was sent (the watch event can arrive before the patch
response is parsed, so "since returned" may be negative). managedFields
times have one-second resolution, too coarse to use here. Matching is by
resourceVersion. Only loopback traffic (the local API server). Run with
`.venv/bin/python bench/bench_observe_latency.py [--patches N]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaosgate.kube.client import KubeApi, connect
from chaosgate.kube.observe import ClusterRecorder
from chaosgate.kube.watch import ResourceWatch, WatchEvent
from chaosgate.providers.base import ClusterSpec
from chaosgate.providers.kwok_nodes import FAKE_NODE_TOLERATION
from chaosgate.providers.local import Kubectl, LocalProvider, LocalSettings
from chaosgate.timeline import POD, Record
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import wait_until

NAMESPACE, POD_NAME = "bench", "bench-0"


@dataclass
class Arrivals:
    """resourceVersion → wall-clock time an observer had it."""

    name: str
    seen: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, resource_version: str) -> None:
        now = time.time()
        with self.lock:
            self.seen.setdefault(resource_version, now)


@dataclass(frozen=True)
class Write:
    sent: float
    returned: float
    resource_version: str


def bench_pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": POD_NAME, "namespace": NAMESPACE},
        "spec": {
            "tolerations": [FAKE_NODE_TOLERATION],
            "containers": [{"name": "c", "image": "chaosgate/never-pulled:0"}],
        },
    }


def start_raw_watch(api: KubeApi, arrivals: Arrivals) -> tuple[ResourceWatch, threading.Thread]:
    def handle(event: WatchEvent) -> None:
        if event.name == POD_NAME:
            arrivals.note(str(event.obj["metadata"].get("resourceVersion")))

    watch = ResourceWatch(
        api, api.core.list_namespaced_pod, NAMESPACE, what="bench pods", handle=handle
    )
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    watch.synced.wait(30)
    return watch, thread


def start_kubectl_watch(kubectl: Kubectl, arrivals: Arrivals) -> subprocess.Popen[str]:
    argv = [
        str(kubectl.binary), f"--kubeconfig={kubectl.kubeconfig}", "get", "pod", POD_NAME,
        "-n", NAMESPACE, "--watch", "-o", "jsonpath={.metadata.resourceVersion}{'\\n'}",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, bufsize=1)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip():
                arrivals.note(line.strip().strip("'"))

    threading.Thread(target=read, daemon=True).start()
    return proc


def patch_many(api: KubeApi, count: int, interval_s: float) -> list[Write]:
    writes = []
    for i in range(count):
        sent = time.time()
        body = api.merge_patch(
            api.core.patch_namespaced_pod,
            POD_NAME,
            NAMESPACE,
            body={"metadata": {"annotations": {"bench.chaosgate.io/seq": str(i)}}},
            doing="patching the bench pod",
        )
        writes.append(Write(sent, time.time(), str(body["metadata"]["resourceVersion"])))
        time.sleep(interval_s)
    return writes


def summary(
    arrivals: Arrivals, writes: list[Write], since: Callable[[Write], float]
) -> dict[str, Any]:
    latencies = sorted(
        (arrivals.seen[w.resource_version] - since(w)) * 1000
        for w in writes
        if w.resource_version in arrivals.seen
    )
    if not latencies:
        return {"seen": 0}
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    return {
        "seen": len(latencies),
        "median_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(latencies[-1], 2),
    }


def measure(
    info_kubeconfig: Path, api: KubeApi, kubectl: Kubectl, args: argparse.Namespace
) -> dict[str, Any]:
    observers = {name: Arrivals(name) for name in ("recorder", "raw watch", "kubectl")}
    recorder = ClusterRecorder(info_kubeconfig, NAMESPACE)

    def on_record(record: Record) -> None:
        if record.kind == POD and record.name == POD_NAME:
            observers["recorder"].note(str(record.data.get("resourceVersion")))

    recorder.subscribe(on_record)
    recorder.start()
    watch, _ = start_raw_watch(api, observers["raw watch"])
    proc = start_kubectl_watch(kubectl, observers["kubectl"])
    try:
        time.sleep(2)  # let kubectl print its initial line and settle
        writes = patch_many(api, args.patches, args.interval_ms / 1000)
        last = writes[-1].resource_version
        wait_until(
            lambda: all(last in o.seen for o in observers.values()), timeout=10, interval=0.05
        )
    finally:
        proc.terminate()
        watch.stop()
        recorder.stop()
    return {
        name: {
            "since_returned": summary(obs, writes, lambda w: w.returned),
            "since_sent": summary(obs, writes, lambda w: w.sent),
        }
        for name, obs in observers.items()
    } | {"patch_round_trip": summary_round_trip(writes)}


def summary_round_trip(writes: list[Write]) -> dict[str, float]:
    trips = sorted((w.returned - w.sent) * 1000 for w in writes)
    return {
        "median_ms": round(statistics.median(trips), 2),
        "p95_ms": round(trips[round(0.95 * (len(trips) - 1))], 2),
    }


def print_table(results: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"\n{args.patches} annotation patches, {args.interval_ms} ms apart, one pod")
    trip = results["patch_round_trip"]
    print(f"patch round trip: median {trip['median_ms']} ms, p95 {trip['p95_ms']} ms")
    print(f"{'observer':<10} {'since returned':>26} {'since sent':>26}  seen")
    for name in ("recorder", "raw watch", "kubectl"):
        r, s = results[name]["since_returned"], results[name]["since_sent"]
        print(
            f"{name:<10} {r['median_ms']:>10} / {r['p95_ms']:>7} ms (p95)"
            f" {s['median_ms']:>10} / {s['p95_ms']:>7} ms (p95)  {r['seen']}/{args.patches}"
        )
    extra = (
        results["recorder"]["since_sent"]["median_ms"]
        - results["raw watch"]["since_sent"]["median_ms"]
    )
    print(f"recorder overhead over the raw watch (median): {extra:.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=200)
    parser.add_argument("--interval-ms", type=float, default=20.0)
    parser.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chaosgate-bench-") as tmp:
        provider = LocalProvider(LocalSettings(workdir=Path(tmp) / "kwok"))
        name = f"cg-bench-{uuid.uuid4().hex[:6]}"
        try:
            info = provider.up(ClusterSpec(name=name))
            kubectl = Kubectl(tool_path("kubernetes", "kubectl"), info.kubeconfig)
            kubectl("create", "namespace", NAMESPACE)
            kubectl.apply(bench_pod())
            kubectl("wait", "-n", NAMESPACE, "--for=condition=Ready", f"pod/{POD_NAME}",
                    "--timeout=60s")  # fmt: skip
            with connect(info) as api:
                results = measure(info.kubeconfig, api, kubectl, args)
        finally:
            if provider.settings.cluster_dir(name).exists():
                provider.down(name)
    print_table(results, args)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

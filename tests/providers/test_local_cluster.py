"""A real local cluster: kwokctl + locally built control plane + kwok fake nodes.

Slow (a minute or two) and needs the pinned tools; with tools missing it fails
with the ToolError that says to run `make setup`, it never skips.
"""

from __future__ import annotations

import ipaddress
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chaosgate.providers.base import Capability, ClusterInfo, ClusterSpec
from chaosgate.providers.kwok_nodes import FAKE_NODE_TOLERATION, USAGE_CPU_ANNOTATION, ZONE_LABEL
from chaosgate.providers.local import Kubectl, LocalProvider, LocalSettings, processes_using
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import wait_until
from helpers.loopback_sockets import listeners, non_loopback, tcp_sockets

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(900)]

POD_CIDR = ipaddress.ip_network("127.128.0.0/16")
REPLICAS = 6
CPU_PER_POD_MILLI = 250


@pytest.fixture
def local_cluster(tmp_path: Path) -> Iterator[tuple[LocalProvider, ClusterInfo, Kubectl]]:
    name = f"cg-test-{uuid.uuid4().hex[:8]}"
    provider = LocalProvider(LocalSettings(workdir=tmp_path / "kwok"))
    started = time.monotonic()
    info = provider.up(ClusterSpec(name=name, nodes_per_zone=2))
    print(
        f"\nlocal cluster up (6 nodes Ready, metrics served) in {time.monotonic() - started:.1f} s"
    )
    try:
        yield provider, info, Kubectl(tool_path("kubernetes", "kubectl"), info.kubeconfig)
    finally:
        if provider.settings.cluster_dir(name).exists():
            provider.down(name)


def deployment(replicas: int) -> dict[str, Any]:
    labels = {"app": "probe"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "probe", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {USAGE_CPU_ANNOTATION: f"{CPU_PER_POD_MILLI}m"},
                },
                "spec": {
                    "tolerations": [FAKE_NODE_TOLERATION],
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": ZONE_LABEL,
                            "whenUnsatisfiable": "DoNotSchedule",
                            "labelSelector": {"matchLabels": labels},
                        }
                    ],
                    "containers": [
                        {
                            "name": "app",
                            "image": "chaosgate/never-pulled:0",
                            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        }
                    ],
                },
            },
        },
    }


def running_ready_pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    pods = kubectl.get_json("get", "pods", "-n", "default", "-l", "app=probe")["items"]
    return [
        pod
        for pod in pods
        if pod["status"].get("phase") == "Running"
        and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in pod["status"].get("conditions", [])
        )
    ]


def cpu_millicores(quantity: str) -> float:
    units = {"n": 1e-6, "u": 1e-3, "m": 1.0}
    if quantity[-1] in units:
        return float(quantity[:-1]) * units[quantity[-1]]
    return float(quantity) * 1000


def pod_cpu(kubectl: Kubectl) -> dict[str, float]:
    result = kubectl(
        "get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", check=False
    )
    if result.returncode != 0:
        return {}
    return {
        item["metadata"]["name"]: sum(cpu_millicores(c["usage"]["cpu"]) for c in item["containers"])
        for item in json.loads(result.stdout)["items"]
        if item["metadata"]["name"].startswith("probe-")
    }


def test_local_cluster_end_to_end(
    local_cluster: tuple[LocalProvider, ClusterInfo, Kubectl],
) -> None:
    provider, info, kubectl = local_cluster
    cluster_dir = provider.settings.cluster_dir(info.name)
    assert info.kubeconfig.is_file()
    assert info.capabilities == {Capability.CHAOS_ALLOWED}
    assert provider.status(info.name).kubeconfig == info.kubeconfig

    # Six Ready fake nodes, two per zone, all at the loopback node IP.
    nodes = kubectl.get_json("get", "nodes")["items"]
    assert Counter(n["metadata"]["labels"][ZONE_LABEL] for n in nodes) == {
        "zone-a": 2,
        "zone-b": 2,
        "zone-c": 2,
    }
    for node in nodes:
        ips = [a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"]
        assert ips == ["127.0.0.1"]

    # A Deployment that tolerates the fake-node taint is spread over the zones.
    kubectl.apply(deployment(REPLICAS))
    assert wait_until(
        lambda: len(running_ready_pods(kubectl)) == REPLICAS, timeout=120, interval=1
    ), kubectl("get", "pods", "-o", "wide").stdout
    pods = running_ready_pods(kubectl)
    zone_of = {n["metadata"]["name"]: n["metadata"]["labels"][ZONE_LABEL] for n in nodes}
    assert Counter(zone_of[p["spec"]["nodeName"]] for p in pods) == {
        "zone-a": 2,
        "zone-b": 2,
        "zone-c": 2,
    }
    # Fake pod IPs come from the loopback pod range, never a private range.
    assert all(ipaddress.ip_address(p["status"]["podIP"]) in POD_CIDR for p in pods)

    # The metrics API reports the simulated CPU usage set by annotation.
    names = {p["metadata"]["name"] for p in pods}
    assert wait_until(lambda: set(pod_cpu(kubectl)) >= names, timeout=180, interval=2), pod_cpu(
        kubectl
    )
    usage = pod_cpu(kubectl)
    assert all(abs(usage[n] - CPU_PER_POD_MILLI) < CPU_PER_POD_MILLI * 0.2 for n in names), usage
    top = kubectl("top", "pods", "-n", "default", "-l", "app=probe").stdout
    assert all(name in top for name in names), top

    # Every component listens on and talks to loopback only.
    pids = [pid for pid, _ in processes_using(cluster_dir)]
    assert len(pids) >= 6  # etcd, apiserver, controller-manager, scheduler, kwok, metrics-server
    sockets = tcp_sockets(pids)
    assert sockets
    assert non_loopback(sockets) == []
    service = kubectl.get_json("get", "service", "kubernetes", "-n", "default")
    assert ipaddress.ip_address(service["spec"]["clusterIP"]).is_loopback

    # down removes every process, port and file of the cluster.
    api_port = int(info.kubeconfig.read_text().split("https://127.0.0.1:")[1].split()[0])
    provider.down(info.name)
    assert processes_using(cluster_dir) == []
    assert not cluster_dir.exists()
    assert tcp_sockets(pids) == []
    # The port is free, or (on a busy machine) held by a process of another cluster.
    assert not [cmd for cmd in listeners(api_port).values() if str(cluster_dir) in cmd]

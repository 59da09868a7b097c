"""The kind provider for real: nodes are containers on this machine, pods really run.

One cluster for the module (one control plane, one worker per zone: what two
cores hold), made from the offline node image, so nothing is pulled. Each test
asks the cluster, never the harness, for its evidence: the kubelet's own pod
status, the metrics API, the host firewall's counters, CoreDNS's answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chaosgate.containers.node_image import cluster_images
from chaosgate.errors import ClusterError
from chaosgate.process import run
from chaosgate.providers.base import ClusterInfo, ClusterSpec
from chaosgate.providers.kind import KindProvider
from chaosgate.providers.kind_network import FIREWALL_CHAIN, KindNetwork, find_network
from chaosgate.providers.kind_setup import local_kind_provider
from chaosgate.tools.cache import ToolCache
from chaosgate.waiting import wait_until

pytestmark = [pytest.mark.kind, pytest.mark.needs_docker, pytest.mark.slow]

CLUSTER = "cg-kind-test"
ZONES = ("zone-a", "zone-b", "zone-c")
# TEST-NET-3 (RFC 5737): an address outside this machine that nothing routes to.
OUTSIDE_ADDRESS = "203.0.113.7"


def dropped_packets(network: KindNetwork) -> int:
    """How many packets the cluster's firewall rule has dropped so far."""
    out = run(["iptables", "-L", FIREWALL_CHAIN, "-v", "-x", "-n"], timeout=30).stdout
    for line in out.splitlines():
        if network.bridge in line and "DROP" in line:
            return int(line.split()[0])
    raise ClusterError(f"The firewall rule of {network.name} is missing from {FIREWALL_CHAIN}.")


@pytest.fixture(scope="module")
def provider() -> KindProvider:
    return local_kind_provider()


def dangling_volumes() -> set[str]:
    out = run(["docker", "volume", "ls", "-q", "--filter", "dangling=true"], timeout=30).stdout
    return set(out.split())


@pytest.fixture(scope="module")
def volumes_before() -> set[str]:
    return dangling_volumes()


@pytest.fixture(scope="module")
def cluster(provider: KindProvider, volumes_before: set[str]) -> Iterator[ClusterInfo]:
    if provider.exists(CLUSTER):
        provider.down(CLUSTER)
    info = provider.up(ClusterSpec(name=CLUSTER, nodes_per_zone=1))
    try:
        yield info
    finally:
        if provider.exists(CLUSTER):
            provider.down(CLUSTER)


def kubectl(
    info: ClusterInfo, *args: str, input_text: str | None = None, timeout: float = 120
) -> str:
    binary = ToolCache.default().binary("kubernetes", "kubectl")
    argv = [str(binary), f"--kubeconfig={info.kubeconfig}", *args]
    return run(argv, timeout=timeout, input_text=input_text).stdout


def get(info: ClusterInfo, *args: str) -> dict[str, Any]:
    return dict(json.loads(kubectl(info, "get", *args, "-o", "json")))


def userland_pod(name: str, command: str, memory: str = "64Mi", restart: str = "Never") -> str:
    image = cluster_images(ToolCache.default().versions).redis
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "restartPolicy": restart,
                "containers": [
                    {
                        "name": "main",
                        "image": image,
                        "imagePullPolicy": "Never",
                        "command": ["/bin/sh", "-c", command],
                        "resources": {"limits": {"memory": memory, "cpu": "200m"}},
                    }
                ],
            },
        }
    )


def pod_phase(info: ClusterInfo, name: str) -> str:
    return str(get(info, "pod", name, "-n", "default")["status"].get("phase", ""))


def test_nodes_are_real_kubelets_in_three_zones(cluster: ClusterInfo) -> None:
    nodes = get(cluster, "nodes")["items"]
    assert len(nodes) == 4
    versions = ToolCache.default().versions
    for node in nodes:
        ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
        assert ready == "True", node["metadata"]["name"]
        info = node["status"]["nodeInfo"]
        assert info["kubeletVersion"] == versions.tool("kubernetes")
        assert info["containerRuntimeVersion"].startswith("containerd://1.7")
    workers = [
        n for n in nodes if "node-role.kubernetes.io/control-plane" not in n["metadata"]["labels"]
    ]
    zones = sorted(n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in workers)
    assert zones == list(ZONES)
    for node in nodes:
        address = next(
            a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"
        )
        assert address.startswith("198.18."), address


def test_system_pods_run_from_local_images(cluster: ClusterInfo) -> None:
    pods = get(cluster, "pods", "-n", "kube-system")["items"]
    for pod in pods:
        assert pod["status"]["phase"] == "Running", pod["metadata"]["name"]
        for status in pod["status"]["containerStatuses"]:
            assert status["ready"], f"{pod['metadata']['name']}/{status['name']}"
            assert status["image"].startswith("chaosgate.local/"), status["image"]
    names = " ".join(p["metadata"]["name"] for p in pods)
    for component in ("etcd", "kube-apiserver", "kube-proxy", "coredns", "metrics-server"):
        assert component in names


def test_the_kernel_oom_kills_a_container_over_its_limit(cluster: ClusterInfo) -> None:
    # dd's 100 MiB buffer does not fit a 32 MiB limit: the kernel kills it, the
    # kubelet reports it. Nothing here writes a status.
    command = "exec dd if=/dev/zero of=/dev/null bs=100M count=1"
    kubectl(
        cluster, "apply", "-f", "-", input_text=userland_pod("oom", command, "32Mi", "OnFailure")
    )
    try:

        def restarted_after_oom() -> bool:
            statuses = get(cluster, "pod", "oom", "-n", "default")["status"].get(
                "containerStatuses", []
            )
            last = statuses[0].get("lastState", {}).get("terminated", {}) if statuses else {}
            return last.get("reason") == "OOMKilled" and statuses[0]["restartCount"] >= 1

        assert wait_until(restarted_after_oom, timeout=180, interval=2)
        status = get(cluster, "pod", "oom", "-n", "default")["status"]["containerStatuses"][0]
        assert status["lastState"]["terminated"]["exitCode"] == 137
    finally:
        kubectl(cluster, "delete", "pod", "oom", "-n", "default", "--wait=false")


def test_metrics_api_reports_real_cpu_of_a_busy_pod(cluster: ClusterInfo) -> None:
    kubectl(cluster, "apply", "-f", "-", input_text=userland_pod("busy", "while :; do :; done"))
    try:

        def busy_cpu_millicores() -> int:
            try:
                out = kubectl(cluster, "top", "pod", "busy", "-n", "default", "--no-headers")
            except Exception:  # the metrics API has no sample for the pod yet
                return 0
            return int(out.split()[1].removesuffix("m"))

        assert wait_until(lambda: busy_cpu_millicores() > 100, timeout=180, interval=5)
    finally:
        kubectl(cluster, "delete", "pod", "busy", "-n", "default", "--wait=false")


def test_cluster_dns_answers_cluster_names_only(cluster: ClusterInfo) -> None:
    command = (
        "getent hosts kubernetes.default.svc.cluster.local && echo inside-ok; "
        "getent hosts example.com && echo outside-resolved || echo outside-refused"
    )
    kubectl(cluster, "apply", "-f", "-", input_text=userland_pod("dns", command))
    try:
        assert wait_until(lambda: pod_phase(cluster, "dns") == "Succeeded", timeout=120, interval=2)
        logs = kubectl(cluster, "logs", "dns", "-n", "default")
        assert "inside-ok" in logs
        assert "outside-refused" in logs
    finally:
        kubectl(cluster, "delete", "pod", "dns", "-n", "default", "--wait=false")


def test_a_pod_reaching_outside_the_machine_is_dropped_here(cluster: ClusterInfo) -> None:
    network = find_network(CLUSTER)
    assert network is not None
    before = dropped_packets(network)
    command = (
        f"timeout 5 bash -c 'echo > /dev/tcp/{OUTSIDE_ADDRESS}/80' && echo reached || echo blocked"
    )
    kubectl(cluster, "apply", "-f", "-", input_text=userland_pod("egress", command))
    try:
        assert wait_until(
            lambda: pod_phase(cluster, "egress") == "Succeeded", timeout=120, interval=2
        )
        assert "blocked" in kubectl(cluster, "logs", "egress", "-n", "default")
        assert dropped_packets(network) > before
    finally:
        kubectl(cluster, "delete", "pod", "egress", "-n", "default", "--wait=false")


def test_down_leaves_no_container_network_or_rule(
    cluster: ClusterInfo, provider: KindProvider, volumes_before: set[str]
) -> None:
    # Last in this module: deletes the module's cluster and checks what is left.
    provider.down(CLUSTER)
    containers = run(
        ["docker", "ps", "-a", "--filter", f"label=io.x-k8s.kind.cluster={CLUSTER}", "-q"],
        timeout=30,
    ).stdout
    assert containers.strip() == ""
    assert find_network(CLUSTER) is None
    rules = run(["iptables", "-S", "DOCKER-USER"], timeout=30).stdout
    assert f"keep chaosgate-{CLUSTER} on" not in rules
    assert dangling_volumes() <= volumes_before  # the nodes' /var volumes went with them

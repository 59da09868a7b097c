"""The kind provider's command sequence and config, against a recording fake kind and kubectl.

The real thing (real nodes, kubelets and pods) is exercised by tests/kind/.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from chaosgate.errors import ClusterError, ClusterNotFound
from chaosgate.harness import HarnessOptions, nodes_per_zone
from chaosgate.prometheus.incluster import InClusterPrometheus
from chaosgate.providers.base import Capability, ClusterSpec, default_nodes_per_zone
from chaosgate.providers.kind import KindProvider, MetricsServer
from chaosgate.providers.kind_config import (
    HEART_NODE_PORT,
    PROMETHEUS_NODE_PORT,
    SKIP_KUBEADM_COREDNS,
    OfflineImages,
    kind_config,
)
from chaosgate.providers.kind_dns import ClusterDNS
from chaosgate.providers.kind_network import KindNetwork
from chaosgate.versions import REPO_ROOT

TESTS = Path(__file__).resolve().parents[1]
FAKE_KIND = TESTS / "fakes" / "fake_kind.py"
FAKE_KUBECTL = TESTS / "helpers" / "fake_kubectl.py"
NODE_IMAGE = "kindest/node:v1.34.0"
IMAGES = ("chaosgate/heart-display:0.1.0", "chaosgate/redis:bookworm")
DNS = ClusterDNS("registry.k8s.io/coredns/coredns:v1.12.1")


class RecordingNetworks:
    def __init__(self, published: str | None = "http://127.0.0.1:40123") -> None:
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.published = published
        self.asked_ports: list[int] = []

    def create_network(self, cluster: str) -> KindNetwork:
        self.created.append(cluster)
        return KindNetwork(f"chaosgate-{cluster}", "cg-test", "198.18.0.0/24")

    def delete_network(self, cluster: str) -> None:
        self.deleted.append(cluster)

    def published_url(self, cluster: str, container_port: int) -> str | None:
        self.asked_ports.append(container_port)
        return self.published


def script(tmp_path: Path, name: str, target: Path) -> Path:
    wrapper = tmp_path / name
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {target} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture
def fake_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_KIND_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("FAKE_KIND_STATE", str(tmp_path / "clusters.json"))
    monkeypatch.setenv("CHAOSGATE_STATE", str(tmp_path / "state"))
    return script(tmp_path, "kind", FAKE_KIND)


@pytest.fixture
def fake_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ready = tmp_path / "nodes-ready.txt"
    ready.write_text("True\nTrue\n")
    monkeypatch.setenv("FAKE_KUBECTL_LOG", str(tmp_path / "kubectl.jsonl"))
    monkeypatch.setenv("FAKE_KUBECTL_GET", str(ready))
    return script(tmp_path, "kubectl", FAKE_KUBECTL)


def calls() -> list[list[str]]:
    lines = Path(os.environ["FAKE_KIND_LOG"]).read_text().splitlines()
    return [json.loads(line) for line in lines]


def kubectl_calls() -> list[dict[str, Any]]:
    lines = Path(os.environ["FAKE_KUBECTL_LOG"]).read_text().splitlines()
    return [json.loads(line) for line in lines]


def provider(kind: Path, kubectl: Path, networks: RecordingNetworks | None = None) -> KindProvider:
    return KindProvider(kind, NODE_IMAGE, IMAGES, dns=DNS, kubectl=kubectl, networks=networks)


def test_config_has_zone_labelled_workers_and_benchmark_range_addresses() -> None:
    config = kind_config(ClusterSpec(name="c1", nodes_per_zone=2))
    nodes = config["nodes"]
    assert isinstance(nodes, list)
    zones = [n["labels"]["topology.kubernetes.io/zone"] for n in nodes if n["role"] == "worker"]
    assert zones == ["zone-a", "zone-a", "zone-b", "zone-b", "zone-c", "zone-c"]
    assert [n["role"] for n in nodes].count("control-plane") == 1
    assert config["networking"] == {
        "apiServerAddress": "127.0.0.1",
        "ipFamily": "ipv4",
        "podSubnet": "198.18.64.0/18",
        "serviceSubnet": "198.18.16.0/20",
    }
    # kubeadm leaves CoreDNS to chaosgate; the official image needs no other patch.
    assert config["kubeadmConfigPatches"] == [SKIP_KUBEADM_COREDNS]
    assert yaml.safe_load(SKIP_KUBEADM_COREDNS) == {
        "kind": "InitConfiguration",
        "skipPhases": ["preflight", "addon/coredns"],
    }


def test_offline_config_points_kubeadm_at_the_preloaded_images() -> None:
    offline = OfflineImages("chaosgate.local", "v3.6.16")
    config = kind_config(ClusterSpec(name="c1", nodes_per_zone=1), offline=offline)
    patches = config["kubeadmConfigPatches"]
    assert isinstance(patches, list) and patches[0] == SKIP_KUBEADM_COREDNS
    assert yaml.safe_load(patches[1]) == {
        "kind": "ClusterConfiguration",
        "imageRepository": "chaosgate.local",
        "etcd": {"local": {"imageTag": "v3.6.16"}},
    }
    nodes = config["nodes"]
    assert isinstance(nodes, list) and len(nodes) == 4
    # kind installs the image's own pod network, as it would kindnetd.
    networking = config["networking"]
    assert isinstance(networking, dict) and "disableDefaultCNI" not in networking


def test_up_creates_on_its_own_network_loads_images_and_waits_for_ready_nodes(
    fake_kind: Path, fake_kubectl: Path
) -> None:
    networks = RecordingNetworks()
    info = provider(fake_kind, fake_kubectl, networks).up(ClusterSpec(name="c1"))
    create, *loads = calls()[1:]
    assert create[:4] == ["create", "cluster", "--name", "c1"]
    assert create[create.index("--image") + 1] == NODE_IMAGE
    written = yaml.safe_load(Path(create[create.index("--config") + 1]).read_text())
    assert written == kind_config(ClusterSpec(name="c1"))
    assert loads == [["load", "docker-image", image, "--name", "c1"] for image in IMAGES]
    assert networks.created == ["c1"]
    kubectl = [" ".join(str(a) for a in c["argv"]) for c in kubectl_calls()]
    # CoreDNS is installed once, on the cluster-only Corefile: nothing to restart.
    assert [str(c["stdin"]) for c in kubectl_calls() if c["stdin"]] == [
        DNS.manifest("198.18.16.0/20")
    ]
    assert not any("rollout restart" in c for c in kubectl)
    assert any("rollout status deployment/coredns" in c for c in kubectl)
    assert any("get nodes" in c for c in kubectl)
    assert info.kubeconfig.is_file()
    assert Capability.REAL_OOM in info.capabilities
    assert info.traffic_url == "http://127.0.0.1:40123"
    assert Capability.TRAFFIC in info.capabilities
    assert networks.asked_ports == [HEART_NODE_PORT]


def test_a_cluster_without_the_published_node_port_has_no_traffic(
    fake_kind: Path, fake_kubectl: Path
) -> None:
    info = provider(fake_kind, fake_kubectl, RecordingNetworks(published=None)).up(
        ClusterSpec(name="c1")
    )
    assert info.traffic_url is None
    assert Capability.TRAFFIC not in info.capabilities
    assert any("recreate it for traffic" in note for note in info.notes)


def test_control_plane_publishes_heart_and_prometheus_node_ports_on_loopback_only() -> None:
    nodes = kind_config(ClusterSpec(name="c1", nodes_per_zone=1))["nodes"]
    assert isinstance(nodes, list)
    (control_plane,) = [n for n in nodes if n["role"] == "control-plane"]
    assert control_plane["extraPortMappings"] == [
        {"containerPort": port, "listenAddress": "127.0.0.1", "protocol": "TCP"}
        for port in (HEART_NODE_PORT, PROMETHEUS_NODE_PORT)
    ]
    assert all("extraPortMappings" not in n for n in nodes if n["role"] == "worker")


def test_the_kind_values_give_heart_display_the_published_node_port() -> None:
    values = yaml.safe_load((REPO_ROOT / "gitops" / "values" / "kind.yaml").read_text())
    assert values["service"] == {"type": "NodePort", "nodePort": HEART_NODE_PORT}


def test_up_fails_when_a_node_never_turns_ready(
    fake_kind: Path, fake_kubectl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "nodes-ready.txt").write_text("True\nFalse\n")
    monkeypatch.setattr("chaosgate.providers.kind.READY_TIMEOUT", 0.1)
    networks = RecordingNetworks()
    with pytest.raises(ClusterError, match="Not every node was Ready"):
        provider(fake_kind, fake_kubectl, networks).up(ClusterSpec(name="c1"))
    assert ["delete", "cluster", "--name", "c1"] in calls()
    assert networks.deleted == ["c1"]


def test_metrics_server_is_installed_from_the_pinned_manifest(
    fake_kind: Path, fake_kubectl: Path, tmp_path: Path
) -> None:
    base = tmp_path / "manifests" / "base"
    base.mkdir(parents=True)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "metrics-server", "namespace": "kube-system"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "m",
                            "args": ["--a", "--metric-resolution=15s"],
                            "readinessProbe": {"periodSeconds": 10, "initialDelaySeconds": 20},
                        }
                    ]
                }
            }
        },
    }
    (base / "deployment.yaml").write_text(yaml.safe_dump(deployment))
    fake_kustomize = tmp_path / "kustomize"
    fake_kustomize.write_text('#!/bin/sh\ncat "$2/deployment.yaml"\n')
    fake_kustomize.chmod(0o755)
    metrics = MetricsServer(tmp_path / "manifests", "chaosgate.local/ms:v1", fake_kustomize)
    kind = KindProvider(
        fake_kind,
        NODE_IMAGE,
        dns=DNS,
        kubectl=fake_kubectl,
        metrics_server=metrics,
        networks=RecordingNetworks(),
    )
    kind.up(ClusterSpec(name="c1"))
    applied = [c["stdin"] for c in kubectl_calls() if "metrics-server" in str(c["stdin"])]
    pod = yaml.safe_load(str(applied[0]))["spec"]["template"]["spec"]
    # Where no drain or kill reaches, and Ready before any worker.
    assert pod["nodeSelector"] == {"node-role.kubernetes.io/control-plane": ""}
    container = pod["containers"][0]
    assert container["image"] == "chaosgate.local/ms:v1"
    assert container["imagePullPolicy"] == "Never"
    assert container["args"] == [
        "--a",
        "--metric-resolution=10s",
        "--kubelet-request-timeout=5s",
        "--kubelet-insecure-tls",
        "--kubelet-preferred-address-types=InternalIP",
    ]
    assert container["readinessProbe"] == {"periodSeconds": 2, "initialDelaySeconds": 0}
    assert any("top nodes" in " ".join(c["argv"]) for c in kubectl_calls())


def test_prometheus_is_applied_waited_for_and_published(
    fake_kind: Path, fake_kubectl: Path
) -> None:
    networks = RecordingNetworks()
    kind = KindProvider(
        fake_kind,
        NODE_IMAGE,
        dns=DNS,
        kubectl=fake_kubectl,
        prometheus=InClusterPrometheus("chaosgate.local/prometheus:v1", "Never"),
        networks=networks,
    )
    info = kind.up(ClusterSpec(name="c1"))
    applied = [str(c["stdin"]) for c in kubectl_calls() if "kind: Deployment" in str(c["stdin"])]
    assert any("chaosgate.local/prometheus:v1" in text for text in applied)
    argvs = [" ".join(str(a) for a in c["argv"]) for c in kubectl_calls()]
    assert any(
        "-n chaosgate-monitoring rollout status deployment/prometheus" in argv for argv in argvs
    )
    assert info.prometheus_url == "http://127.0.0.1:40123"
    assert PROMETHEUS_NODE_PORT in networks.asked_ports


def test_failed_create_is_torn_down(
    fake_kind: Path, fake_kubectl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create")
    networks = RecordingNetworks()
    with pytest.raises(ClusterError, match="node image not found"):
        provider(fake_kind, fake_kubectl, networks).up(ClusterSpec(name="c1"))
    assert ["delete", "cluster", "--name", "c1"] in calls()
    assert networks.deleted == ["c1"]


def test_failed_create_is_kept_when_asked(
    fake_kind: Path, fake_kubectl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create")
    networks = RecordingNetworks()
    with pytest.raises(ClusterError):
        provider(fake_kind, fake_kubectl, networks).up(ClusterSpec(name="c1", keep_on_failure=True))
    assert not any(call[0] == "delete" for call in calls())
    assert networks.deleted == []


def test_name_in_use_is_refused_before_creating(fake_kind: Path, fake_kubectl: Path) -> None:
    kind = provider(fake_kind, fake_kubectl, RecordingNetworks())
    kind.up(ClusterSpec(name="c1"))
    with pytest.raises(ClusterError, match="already exists; run `chaosgate cluster down"):
        kind.up(ClusterSpec(name="c1"))
    assert [c[0] for c in calls()].count("create") == 1


def test_down_deletes_cluster_and_network_and_unknown_names_are_explained(
    fake_kind: Path, fake_kubectl: Path
) -> None:
    networks = RecordingNetworks()
    kind = provider(fake_kind, fake_kubectl, networks)
    kind.up(ClusterSpec(name="c1"))
    kind.down("c1")
    assert networks.deleted == ["c1"]
    with pytest.raises(ClusterNotFound, match="No kind cluster named c1"):
        kind.status("c1")
    with pytest.raises(ClusterNotFound):
        kind.down("c1")


def test_a_failing_clean_up_does_not_hide_why_create_failed(
    fake_kind: Path, fake_kubectl: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KIND_FAIL", "create,delete")
    with pytest.raises(ClusterError, match="node image not found") as caught:
        provider(fake_kind, fake_kubectl, RecordingNetworks()).up(ClusterSpec(name="c1"))
    assert "no such cluster" not in str(caught.value)
    assert ["delete", "cluster", "--name", "c1"] in calls()


@pytest.mark.parametrize(
    ("provider_name", "cores", "nodes"),
    [
        ("kind", 2, 1),  # this machine: seven kind nodes on two cores miss latency SLOs
        ("kind", 3, 1),
        ("kind", 4, 2),
        ("kind", None, 2),  # unknown core count: the documented default
        ("local", 2, 2),  # kwok nodes cost next to nothing
        ("existing", 2, 2),
    ],
)
def test_default_nodes_per_zone(provider_name: str, cores: int | None, nodes: int) -> None:
    assert default_nodes_per_zone(provider_name, cores) == nodes


def test_the_users_nodes_per_zone_wins() -> None:
    assert nodes_per_zone(HarnessOptions(provider="kind", nodes_per_zone=3), "kind") == 3
    assert nodes_per_zone(HarnessOptions(provider="kind"), "kind") == default_nodes_per_zone(
        "kind", os.cpu_count()
    )

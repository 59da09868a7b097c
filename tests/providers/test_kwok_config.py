"""kwokctl configuration, argv and environment (no cluster, no tools)."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from chaosgate.errors import ConfigError
from chaosgate.providers.kwok_config import (
    DEFAULT_STAGE_FILES,
    PORT_RANGE,
    ClusterPorts,
    ControlPlaneBinaries,
    KwokctlSettings,
    LoopbackAddresses,
    choose_ports,
    create_cluster_argv,
    delete_cluster_argv,
    is_loopback,
    kwokctl_configuration,
    kwokctl_documents,
    kwokctl_env,
)
from chaosgate.providers.local import cluster_stages

LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
BIN = Path("/cache/tools")


def configured_addresses(configuration: Mapping[str, Any]) -> list[str]:
    """Every IP address or CIDR a KwokctlConfiguration sets (for loopback checks)."""
    found = [str(configuration["options"]["bindAddress"])]
    for patch in configuration.get("componentsPatches", []):
        found.extend(
            str(arg["value"]) for arg in patch.get("extraArgs", []) if looks_like_ip(arg["value"])
        )
    return found


def looks_like_ip(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _binaries() -> ControlPlaneBinaries:
    return ControlPlaneBinaries(
        kube_apiserver=BIN / "kubernetes/kube-apiserver",
        kube_controller_manager=BIN / "kubernetes/kube-controller-manager",
        kube_scheduler=BIN / "kubernetes/kube-scheduler",
        kubectl=BIN / "kubernetes/kubectl",
        etcd=BIN / "etcd/etcd",
        kwok=BIN / "kwok/kwok",
        metrics_server=BIN / "metrics-server/metrics-server",
        metrics_server_manifests=BIN / "metrics-server/manifests/base",
    )


PORTS = ClusterPorts(61001, 61002, 61003, 61004, 61005, 61006, 61007)


def _config(**kwargs: Any) -> dict[str, Any]:
    return kwokctl_configuration(KwokctlSettings(_binaries(), "v1.34.4", PORTS, **kwargs))


def _args(config: dict[str, Any], component: str) -> dict[str, Any]:
    (patch,) = [p for p in config["componentsPatches"] if p["name"] == component]
    return {arg["key"]: arg for arg in patch["extraArgs"]}


def _in_loopback(value: str) -> bool:
    network = ipaddress.ip_network(value, strict=False)
    return network.version == 4 and network.subnet_of(LOOPBACK)  # type: ignore[arg-type]


def test_every_configured_address_and_range_is_loopback() -> None:
    config = _config()
    addresses = configured_addresses(config)
    # bind address, node IP, pod CIDR, advertise address, service range (twice)
    assert len(addresses) == 6, addresses
    assert all(_in_loopback(a) for a in addresses), addresses


def test_default_addresses_are_loopback() -> None:
    assert all(_in_loopback(a) for a in LoopbackAddresses().all())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("host", "0.0.0.0"),
        ("host", "10.0.0.1"),
        ("pod_cidr", "10.0.0.0/24"),
        ("pod_cidr", "127.0.0.0/7"),  # wider than loopback
        ("service_cidr", "192.168.0.0/16"),
        ("service_cidr", "fd00::/64"),
    ],
)
def test_non_loopback_addresses_are_refused(field: str, value: str) -> None:
    with pytest.raises(ConfigError, match=r"127\.0\.0\.0/8"):
        LoopbackAddresses(**{field: value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("127.128.0.0/16", True),
        ("127.0.0.0/8", True),
        ("126.0.0.0/7", False),
        ("10.0.0.0/24", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("::1", False),
    ],
)
def test_is_loopback(value: str, expected: bool) -> None:
    assert is_loopback(value) is expected


def test_options_point_kwokctl_at_local_binaries_and_binary_runtime() -> None:
    options = _config()["options"]
    assert options["runtime"] == "binary"
    assert options["kubeVersion"] == "v1.34.4"
    assert options["bindAddress"] == "127.0.0.1"
    assert options["enable"] == ["metrics-server"]
    binaries = {key: value for key, value in options.items() if key.endswith("Binary")}
    assert set(binaries) == {
        "kubeApiserverBinary",
        "kubeControllerManagerBinary",
        "kubeSchedulerBinary",
        "kubectlBinary",
        "etcdBinary",
        "kwokControllerBinary",
        "metricsServerBinary",
    }
    # Local paths, never URLs: kwokctl downloads anything starting with http.
    assert all(value.startswith(str(BIN)) for value in binaries.values())
    assert options["metricsServerManifests"] == [str(BIN / "metrics-server/manifests/base")]


def test_kwok_hands_out_loopback_node_ip_and_pod_ips() -> None:
    args = _args(_config(), "kwok-controller")
    # kwokctl passes an empty --node-ip; ours must replace it, not follow it.
    assert args["node-ip"] == {"key": "node-ip", "value": "127.0.0.1", "override": True}
    assert args["cidr"]["value"] == "127.128.0.0/16"


def test_api_server_advertises_loopback_and_allocates_loopback_cluster_ips() -> None:
    args = _args(_config(), "kube-apiserver")
    assert args["advertise-address"]["value"] == "127.0.0.1"
    # Endpoints refuse loopback addresses, so the API server must not publish its own.
    assert args["endpoint-reconciler-type"]["value"] == "none"
    assert args["service-cluster-ip-range"]["value"] == "127.96.0.0/16"
    manager = _args(_config(), "kube-controller-manager")
    assert manager["service-cluster-ip-range"]["value"] == "127.96.0.0/16"


def test_metric_resolution_replaces_kwokctl_default_and_stays_above_request_timeout() -> None:
    args = _args(_config(metric_resolution_seconds=7), "metrics-server")
    # metrics-server exits at start unless resolution > kubelet request timeout.
    assert args["kubelet-request-timeout"]["value"] == "5s"
    assert args["metric-resolution"] == {
        "key": "metric-resolution",
        "value": "7s",
        "override": True,
    }


def test_create_argv_never_touches_the_users_kubeconfig() -> None:
    argv = create_cluster_argv(Path("/k/kwokctl"), "cg-1", Path("/tmp/c.yaml"), 180)
    assert argv == [
        "/k/kwokctl",
        "create",
        "cluster",
        "--name",
        "cg-1",
        "--runtime",
        "binary",
        "--config=/tmp/c.yaml",
        "--kubeconfig=",
        "--timeout=180s",
    ]
    # delete rejects an empty --kubeconfig; the cluster's own file is deleted anyway.
    own = Path("/w/clusters/cg-1/kubeconfig.yaml")
    assert delete_cluster_argv(Path("/k/kwokctl"), "cg-1", own) == [
        "/k/kwokctl",
        "delete",
        "cluster",
        "--name",
        "cg-1",
        f"--kubeconfig={own}",
    ]


@pytest.mark.parametrize(
    ("base_path", "expected_path"),
    [("/usr/bin:/bin", "/tools/kubernetes:/usr/bin:/bin"), ("", "/tools/kubernetes")],
)
def test_env_puts_pinned_kubectl_first_and_sets_workdir(base_path: str, expected_path: str) -> None:
    env = kwokctl_env(Path("/w/kwok"), Path("/tools/kubernetes"), base_path)
    assert env == {"KWOK_WORKDIR": "/w/kwok", "PATH": expected_path}


def test_every_component_port_is_set_so_kwokctl_picks_none() -> None:
    options = _config()["options"]
    assert {key: options[key] for key in PORTS.options()} == {
        "kubeApiserverPort": 61001,
        "etcdPort": 61002,
        "etcdPeerPort": 61003,
        "kwokControllerPort": 61004,
        "metricsServerPort": 61005,
        "kubeControllerManagerPort": 61006,
        "kubeSchedulerPort": 61007,
    }


def test_port_range_is_above_kwokctl_picks_and_the_ephemeral_range() -> None:
    assert PORT_RANGE.start > 60999
    assert PORT_RANGE.stop - 1 <= 65535


@pytest.mark.parametrize(
    ("busy", "seed"),
    [(set(), 1), ({61000, 61001, 61002}, 2), (set(range(61000, 65529)), 3)],
)
def test_choose_ports_takes_seven_distinct_free_ports_in_range(busy: set[int], seed: int) -> None:
    ports = list(choose_ports(lambda p: p not in busy, random.Random(seed)).options().values())
    assert len(set(ports)) == 7
    assert all(p in PORT_RANGE and p not in busy for p in ports)


def test_choose_ports_gives_up_with_a_sentence_when_the_range_is_full() -> None:
    with pytest.raises(ConfigError, match="Found only 3 free loopback ports"):
        choose_ports(lambda p: p in {61000, 62000, 63000}, random.Random(0))


def test_the_configuration_file_lists_the_kwokctl_configuration_then_the_stages() -> None:
    settings = KwokctlSettings(_binaries(), "v1.34.4", PORTS)
    stage = {"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Stage", "metadata": {"name": "s"}}
    documents = kwokctl_documents(settings, [stage])
    assert documents == [kwokctl_configuration(settings), stage]
    assert kwokctl_documents(settings) == [kwokctl_configuration(settings)]


def test_stages_are_kwoks_defaults_plus_the_oom_pair(tmp_path: Path) -> None:
    for name in DEFAULT_STAGE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"kind: Stage\nmetadata:\n  name: {Path(name).stem}\n")
    names = [stage["metadata"]["name"] for stage in cluster_stages(tmp_path)]
    assert names == [
        "node-initialize",
        "node-heartbeat-with-lease",
        "pod-ready",
        "pod-complete",
        "pod-delete",
        "chaosgate-pod-oom-kill",
        "chaosgate-pod-oom-restart",
    ]


def test_without_kwoks_stage_files_kwokctl_keeps_its_defaults(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert cluster_stages(None) == []
    assert "chaosgate tools build kwok" in caplog.text

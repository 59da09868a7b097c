"""Address choices of the kind network and the engine's start-up decisions (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.containers.engine import dockerd_argv, installed_runtime, missing_capabilities
from chaosgate.errors import ClusterError
from chaosgate.providers.kind_network import (
    KindNetwork,
    free_subnet,
    iptables_argv,
    network_for,
)

HOST_STATUS = "Name:\tpython3\nCapBnd:\t000001fffeffffff\n"  # measured: no CAP_SYS_RESOURCE
FULL_STATUS = "Name:\tpython3\nCapBnd:\t000001ffffffffff\n"


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        (set(), "198.18.0.0/24"),
        ({"198.18.0.0/24", "198.19.0.0/24"}, "198.18.1.0/24"),
        ({"198.18.0.0/23"}, "198.18.2.0/24"),
        ({"198.18.0.0/24", "fd00::/64"}, "198.18.1.0/24"),
        ({"172.17.0.0/16"}, "198.18.0.0/24"),
    ],
)
def test_free_subnet_is_the_first_unused_benchmark_range_24(used: set[str], expected: str) -> None:
    assert free_subnet(used) == expected


def test_free_subnet_says_what_to_do_when_the_range_is_full() -> None:
    with pytest.raises(ClusterError, match="chaosgate cluster down"):
        free_subnet({"198.18.0.0/20"})


def test_bridge_names_fit_linux_interface_names_and_differ_per_cluster() -> None:
    names = {network_for(c)[1] for c in ("a", "b", "a-very-long-cluster-name-indeed")}
    assert len(names) == 3
    assert all(len(n) <= 15 for n in names)


@pytest.mark.parametrize(
    ("euid", "argv"),
    [
        (0, ["iptables", "-C", "DOCKER-USER"]),
        # A hosted CI runner: a user with passwordless sudo; -n never prompts.
        (1001, ["sudo", "-n", "iptables", "-C", "DOCKER-USER"]),
    ],
)
def test_the_firewall_is_changed_as_root_or_through_sudo(euid: int, argv: list[str]) -> None:
    assert iptables_argv("-C", "DOCKER-USER", euid=euid) == argv


def test_firewall_rule_drops_what_the_bridge_forwards_elsewhere() -> None:
    rule = KindNetwork("chaosgate-c1", "cg-1234", "198.18.0.0/24").firewall_rule()
    assert rule[:5] == ["DOCKER-USER", "-i", "cg-1234", "!", "-o"]
    assert rule[-2:] == ["-j", "DROP"]


@pytest.mark.parametrize(
    ("status", "last_cap", "missing"),
    [(HOST_STATUS, 40, 1), (FULL_STATUS, 40, 0), (HOST_STATUS, 23, 0)],
)
def test_missing_capabilities(status: str, last_cap: int, missing: int) -> None:
    assert missing_capabilities(status, last_cap) == missing


def test_dockerd_keeps_to_the_benchmark_range_and_adds_the_filter_only_when_needed() -> None:
    plain = dockerd_argv("/usr/sbin/dockerd", None)
    assert plain[0] == "/usr/sbin/dockerd"
    assert "--bip=198.19.0.1/24" in plain
    assert "--default-address-pool=base=198.19.128.0/17,size=24" in plain
    assert not any("runtime" in arg for arg in plain)
    restricted = dockerd_argv("/usr/sbin/dockerd", Path("/x/chaosgate-runc"))
    assert "--add-runtime=chaosgate=/x/chaosgate-runc" in restricted
    assert "--default-runtime=chaosgate" in restricted


def test_an_offline_engine_refuses_pulls_through_a_loopback_proxy() -> None:
    argv = dockerd_argv("/usr/sbin/dockerd", None, refuse_pulls=True)
    assert argv[:3] == ["env", "HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1"]


def test_the_engine_runtime_is_a_content_named_copy_outside_the_checkout(tmp_path: Path) -> None:
    built = tmp_path / "checkout" / "chaosgate-runc"
    built.parent.mkdir()
    built.write_bytes(b"v1")
    first = installed_runtime(built, tmp_path / "runtime")
    assert first.parent == tmp_path / "runtime" and first.read_bytes() == b"v1"
    assert first.stat().st_mode & 0o111
    assert installed_runtime(built, tmp_path / "runtime") == first  # unchanged: reused
    built.write_bytes(b"v2")
    second = installed_runtime(built, tmp_path / "runtime")
    assert second != first and first.read_bytes() == b"v1"  # a running engine keeps its copy
    built.unlink()
    assert second.is_file()  # the checkout's binary can go

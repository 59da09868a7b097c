"""The Docker network a kind cluster lives on, and the host rule that keeps it in.

kind would make its own network in a range Docker picks (a private one). Each
chaosgate cluster gets a network of its own in 198.18.0.0/20 instead, with a
bridge named after the cluster, no masquerading, and a host firewall rule that
drops whatever the bridge would forward to any other interface: no packet from
a node or a pod leaves the machine. Traffic between nodes stays on the bridge;
the harness reaches the cluster through ports published on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
from dataclasses import dataclass

from chaosgate.errors import ClusterError
from chaosgate.process import run

NODE_NETWORKS = ipaddress.ip_network("198.18.0.0/20")
LABEL = "chaosgate.cluster"
FIREWALL_CHAIN = "DOCKER-USER"


@dataclass(frozen=True)
class KindNetwork:
    """One cluster's Docker network."""

    name: str
    bridge: str
    subnet: str

    def firewall_rule(self) -> list[str]:
        """The iptables rule spec (without -I/-D) dropping forwards out of the bridge."""
        return [
            FIREWALL_CHAIN,
            "-i",
            self.bridge,
            "!",
            "-o",
            self.bridge,
            "-m",
            "comment",
            "--comment",
            f"chaosgate: keep {self.name} on this machine",
            "-j",
            "DROP",
        ]


def network_for(cluster: str) -> tuple[str, str]:
    """The network and bridge names of a cluster (a Linux interface name has at most 15 chars)."""
    digest = hashlib.sha256(cluster.encode()).hexdigest()[:8]
    return f"chaosgate-{cluster}", f"cg-{digest}"


def used_subnets() -> set[str]:
    """Subnets of every Docker network, so a new one never overlaps."""
    names = run(["docker", "network", "ls", "-q"], timeout=30).stdout.split()
    if not names:
        return set()
    out = run(["docker", "network", "inspect", *names], timeout=30).stdout
    return {
        config["Subnet"]
        for network in json.loads(out)
        for config in (network.get("IPAM", {}).get("Config") or [])
        if "Subnet" in config
    }


def free_subnet(used: set[str]) -> str:
    """The first /24 of 198.18.0.0/20 that overlaps no used subnet."""
    taken = [ipaddress.ip_network(s, strict=False) for s in used]
    for candidate in NODE_NETWORKS.subnets(new_prefix=24):
        if not any(candidate.overlaps(t) for t in taken if t.version == 4):
            return str(candidate)
    raise ClusterError(
        f"Every /24 of {NODE_NETWORKS} is in use by a Docker network; delete unused clusters "
        "(`chaosgate cluster down --provider kind --name N`)."
    )


def find_network(cluster: str) -> KindNetwork | None:
    name, bridge = network_for(cluster)
    probe = run(["docker", "network", "inspect", name], timeout=30, check=False)
    if probe.returncode != 0:
        return None
    configs = json.loads(probe.stdout)[0].get("IPAM", {}).get("Config") or [{}]
    return KindNetwork(name, bridge, configs[0].get("Subnet", ""))


def create_network(cluster: str) -> KindNetwork:
    """Make (or find) the cluster's network and put its firewall rule in place."""
    network = find_network(cluster)
    if network is None:
        name, bridge = network_for(cluster)
        subnet = free_subnet(used_subnets())
        run(
            [
                "docker",
                "network",
                "create",
                "--driver",
                "bridge",
                "--subnet",
                subnet,
                "-o",
                f"com.docker.network.bridge.name={bridge}",
                "-o",
                "com.docker.network.bridge.enable_ip_masquerade=false",
                "--label",
                f"{LABEL}={cluster}",
                name,
            ],
            timeout=60,
        )
        network = KindNetwork(name, bridge, subnet)
    _ensure_rule(network)
    return network


def iptables_argv(*args: str, euid: int | None = None) -> list[str]:
    """iptables with args, through `sudo -n` unless this process is root.

    A hosted CI runner is a user with passwordless sudo and a Docker engine
    it may use; the host's firewall still needs root.
    """
    as_root = (os.geteuid() if euid is None else euid) == 0
    return ["iptables", *args] if as_root else ["sudo", "-n", "iptables", *args]


def _iptables(*args: str) -> None:
    result = run(iptables_argv(*args), timeout=30, check=False)
    if result.returncode != 0:
        raise ClusterError(
            f"Could not change the host firewall (`iptables {' '.join(args)}`): "
            f"{result.stderr.strip() or result.stdout.strip()}. The kind network's drop rule "
            "needs root: run as root, or as a user with passwordless sudo."
        )


def _rule_present(network: KindNetwork) -> bool:
    probe = run(iptables_argv("-C", *network.firewall_rule()), timeout=30, check=False)
    return probe.returncode == 0


def _ensure_rule(network: KindNetwork) -> None:
    if not _rule_present(network):
        _iptables("-I", *network.firewall_rule())


def delete_network(cluster: str) -> None:
    """Remove the cluster's firewall rule and network; a missing one is fine."""
    name, bridge = network_for(cluster)
    network = KindNetwork(name, bridge, "")
    while _rule_present(network):
        _iptables("-D", *network.firewall_rule())
    if find_network(cluster) is not None:
        run(["docker", "network", "rm", name], timeout=60)


def published_url(cluster: str, container_port: int) -> str | None:
    """http://127.0.0.1:PORT where the control-plane node publishes `container_port`, if it does.

    kind names that node `<cluster>-control-plane` and picks the host port
    itself when the config leaves it out.
    """
    node = f"{cluster}-control-plane"
    probe = run(["docker", "port", node, f"{container_port}/tcp"], timeout=30, check=False)
    if probe.returncode != 0:
        return None
    loopback = [a for a in probe.stdout.split() if a.startswith("127.")]
    return f"http://{loopback[0]}" if loopback else None

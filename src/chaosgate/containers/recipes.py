"""The Debian root filesystems chaosgate's images are built on.

- userland: what in-cluster images need from a distribution: redis-server for
  the heart stack's dependency (and Argo CD's cache), iptables and conntrack for
  kube-proxy, iproute2 for the pod network, git for Argo CD's repo-server. One
  rootfs for all of them, so a node's containerd stores its layer once.
- node: a kind node. systemd as PID 1, containerd and runc (trixie ships the
  1.7 line; bookworm's 1.6 is deprecated for Kubernetes 1.34), the reference
  CNI plugins, iptables and iproute2 for Services and pod routes.
"""

from __future__ import annotations

from chaosgate.containers.rootfs import RootfsRecipe
from chaosgate.versions import Versions

USERLAND_PACKAGES = (
    "redis-server",
    "iptables",
    "iproute2",
    "conntrack",
    "git",
    "ca-certificates",
)

NODE_PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "containerd",
    "runc",
    "containernetworking-plugins",
    "iptables",
    "iproute2",
    "conntrack",
    "kmod",
    "ca-certificates",
    "procps",
    "socat",
    "util-linux",
    "mount",
)


def userland_recipe(versions: Versions) -> RootfsRecipe:
    return RootfsRecipe("userland", versions.images["debian-suite"], USERLAND_PACKAGES)


def node_recipe(versions: Versions) -> RootfsRecipe:
    return RootfsRecipe("kind-node", versions.images["node-debian-suite"], NODE_PACKAGES)

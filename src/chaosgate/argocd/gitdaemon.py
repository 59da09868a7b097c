"""Serve the harness's bare gitops repository to an in-cluster Argo CD.

On kind, Argo CD's repo-server runs in a pod and cannot read a file:// path on
the host. `git daemon` serves the bare repository read-only on the cluster
network's gateway address: the host's own address on the bridge the harness
created (198.18.x.1), which pods reach through their node and nothing outside
this machine can. Nothing listens on any other interface.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from chaosgate.argocd.errors import ArgoCDError
from chaosgate.process import Background
from chaosgate.waiting import wait_until

GIT_DAEMON_PORT = 9418


@dataclass(frozen=True)
class GitDaemonAddress:
    host: str
    port: int = GIT_DAEMON_PORT

    def url(self, bare_repo: Path) -> str:
        """The git:// URL of bare_repo, served from its parent directory."""
        return f"git://{self.host}:{self.port}/{bare_repo.name}"


def gateway_address(subnet: str) -> str:
    """The first address of a Docker network's subnet: the host's end of its bridge."""
    return str(next(ipaddress.ip_network(subnet).hosts()))


def git_daemon_argv(address: GitDaemonAddress, base: Path) -> list[str]:
    return [
        "git",
        "daemon",
        "--reuseaddr",
        f"--listen={address.host}",
        f"--port={address.port}",
        f"--base-path={base}",
        "--export-all",
        "--informative-errors",
        str(base),
    ]


def _answers(address: GitDaemonAddress) -> bool:
    try:
        with socket.create_connection((address.host, address.port), timeout=1):
            return True
    except OSError:
        return False


class GitDaemon:
    """A read-only git daemon for one bare repository, stopped on exit."""

    def __init__(self, bare_repo: Path, address: GitDaemonAddress, log_path: Path) -> None:
        self.bare_repo = bare_repo
        self.address = address
        self.log_path = log_path
        self._process: Background | None = None

    @property
    def url(self) -> str:
        return self.address.url(self.bare_repo)

    def start(self) -> GitDaemon:
        argv = git_daemon_argv(self.address, self.bare_repo.parent)
        process = self._process = Background(argv, self.log_path)
        # A daemon that cannot bind exits at once: stop waiting then.
        wait_until(
            lambda: _answers(self.address) or not process.alive(), timeout=20.0, interval=0.2
        )
        if not _answers(self.address):
            tail = process.log_tail()
            self.stop()
            raise ArgoCDError(
                f"git daemon did not answer on {self.address.host}:{self.address.port}; its log "
                f"({self.log_path}) ends with:\n{tail}"
            )
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop(grace=5.0)
            self._process = None

    def __enter__(self) -> GitDaemon:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

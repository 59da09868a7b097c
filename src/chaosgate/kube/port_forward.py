"""`kubectl port-forward` to one pod or Service, on a loopback port of this machine.

The harness never sends traffic to a node or pod address: it reaches a pod's
port through the API server, which kubectl forwards to 127.0.0.1:<local>.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chaosgate.errors import ChaosgateError
from chaosgate.ports import free_port
from chaosgate.process import Background
from chaosgate.waiting import wait_until


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PortForward:
    """A running port-forward; `url` is http://127.0.0.1:<local port>."""

    def __init__(
        self, kubectl: Path, kubeconfig: Path, *, namespace: str, target: str, port: int, log: Path
    ) -> None:
        self.local_port = free_port()
        self.argv = [
            str(kubectl),
            f"--kubeconfig={kubeconfig}",
            "-n",
            namespace,
            "port-forward",
            "--address=127.0.0.1",
            target,
            f"{self.local_port}:{port}",
        ]
        self.target = target
        self.log = log
        self._process: Background | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}"

    def __enter__(self) -> PortForward:
        process = self._process = Background(self.argv, self.log)
        wait_until(
            lambda: _listening(self.local_port) or not process.alive(), timeout=30, interval=0.2
        )
        if not _listening(self.local_port):
            tail = process.log_tail()
            process.stop(grace=2)
            raise ChaosgateError(
                f"kubectl port-forward to {self.target} did not listen on 127.0.0.1:"
                f"{self.local_port} within 30 s; its output ends with:\n{tail}"
            )
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.stop(grace=2)


@contextmanager
def forwarded(
    kubectl: Path, kubeconfig: Path, *, namespace: str, target: str, port: int
) -> Iterator[PortForward]:
    """A port-forward whose kubectl log lives in a temporary directory while it runs."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "port-forward.log"
        with PortForward(
            kubectl, kubeconfig, namespace=namespace, target=target, port=port, log=log
        ) as forward:
            yield forward

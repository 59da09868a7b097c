"""A fallback for what Docker's restart policy will not do: restart a manually killed replica.

Docker 20.10 applies the restart policy (we use `always`, like a StatefulSet's
pods) when a container's process dies on its own: a SIGKILL sent to the
process, a crash, a cgroup OOM kill. It does NOT restart a container stopped
through the engine (`docker kill`, `docker stop`): the engine marks it
"manually stopped". Kubernetes would bring such a pod back (the StatefulSet
controller recreates a deleted pod), so for heart replicas this supervisor
does: every interval it starts any replica that sits in `exited`.

The chaos actions kill the process directly whenever its PID is visible, so
in normal runs recovery is the engine's doing and this supervisor stays idle;
every restart it makes is reported through on_restart so the timeline says
the harness, not the engine, brought the replica back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from chaosgate.errors import CommandError
from chaosgate.stack import docker_cli


class Supervisor:
    """Restarts exited heart replicas until stopped (a daemon thread)."""

    def __init__(
        self,
        containers: list[str],
        on_restart: Callable[[str], None],
        interval: float = 0.5,
    ) -> None:
        self._containers = containers
        self._on_restart = on_restart
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stack-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop supervising (idempotent); returns once the thread has finished."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval):
            self.restart_exited()

    def restart_exited(self) -> None:
        """One pass: start every supervised container the engine left exited."""
        try:
            states = docker_cli.inspect(self._containers)
        except CommandError:
            return  # the engine is busy or gone; try again next interval
        for name, state in states.items():
            # "restarting" means the engine's own policy is on it: leave it alone.
            if state.status == "exited" and not self._stopping.is_set():
                try:
                    docker_cli.start(name)
                except CommandError:
                    continue
                self._on_restart(name)

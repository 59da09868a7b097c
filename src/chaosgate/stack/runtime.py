"""StackRuntime: Redis and N heart-display replicas as real containers on this machine.

Every container uses host networking and listens on its own 127.0.0.1 port
(nothing is published on other interfaces, nothing is addressed by a bridge
IP). Replicas get the identity a StatefulSet would give them
(POD_NAME=heart-display-<i>, POD_NAMESPACE), the chaos endpoints, a memory
limit (the cgroup /chaos/allocate pushes past) and the config directory
mounted read-only, like a ConfigMap.

Restarts (verified on Docker 20.10, see tests/stack/test_stack_docker.py):
containers run with `--restart always`, like a StatefulSet's pods. The engine
restarts a container whose process died on its own (SIGKILL sent to the
process, a crash, a cgroup OOM kill), as a kubelet restarts a container; we
measured 0.3-0.5 s from the kill to the new start. Its back-off starts at
100 ms and doubles for failures in quick succession (the kubelet's starts at
10 s), so crash loops come back faster here than in a cluster. The engine does
NOT restart a container stopped through it (`docker kill`, `docker stop`: a
"manual stop", RestartCount untouched), so a Supervisor restarts heart replicas
left `exited` (see supervisor.py); Redis is left down on purpose, because
stopping it is how the Redis outage is made.

Clean-up: stop() removes every container of the run; it is idempotent and
called from __exit__, and __enter__ turns SIGTERM into an exception (when no
one else handles SIGTERM) so that `finally` blocks run. Containers carry
labels naming the run and its owner process; start() first removes containers
whose owner process on this host is gone (a run that was SIGKILLed).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chaosgate.errors import ChaosgateError, CommandError
from chaosgate.ports import free_ports
from chaosgate.stack import docker_cli
from chaosgate.stack.config import StackConfig
from chaosgate.stack.http_probe import is_ready, redis_answers
from chaosgate.stack.supervisor import Supervisor
from chaosgate.termination import sigterm_raises
from chaosgate.timeline import EVENT, Record
from chaosgate.undo import scope_of
from chaosgate.waiting import wait_until

HEART_CONFIG_MOUNT = "/etc/heart"
REDIS_COMMAND = "/usr/bin/redis-server"
REDIS_POD = "redis"  # the pod name the Redis container stands for in records
LOG_TAIL_LINES = 40

Emit = Callable[[Record], None]


class StackError(ChaosgateError):
    """The stack runtime could not start or did not become ready."""


@dataclass(frozen=True)
class Replica:
    """One heart-display container and the pod it stands for."""

    index: int
    container: str
    pod_name: str
    port: int
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class RedisInstance:
    container: str
    port: int
    host: str = "127.0.0.1"

    @property
    def addr(self) -> str:
        return f"{self.host}:{self.port}"


def new_run_id() -> str:
    """A short id that keeps container names of parallel runs apart."""
    return secrets.token_hex(3)


def owner_alive(state: docker_cli.ContainerState, hostname: str) -> bool:
    """Whether the process that created a managed container still runs (on this host)."""
    if state.labels.get(docker_cli.OWNER_HOST_LABEL) != hostname:
        return True  # another machine's container: not ours to judge
    pid = int(state.labels.get(docker_cli.OWNER_PID_LABEL, "0") or 0)
    return pid > 0 and docker_cli.host_pid_visible(pid)


def reap_orphans() -> list[str]:
    """Remove managed containers whose owner process on this host is gone; return their names."""
    hostname = socket.gethostname()
    orphans = [c.name for c in docker_cli.managed_containers() if not owner_alive(c, hostname)]
    docker_cli.remove(orphans)
    return orphans


class StackRuntime:
    """Starts the stack's containers and always removes them (context manager)."""

    def __init__(
        self,
        config: StackConfig,
        *,
        run_id: str | None = None,
        emit: Emit | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.run_id = run_id or new_run_id()
        self._emit = emit
        self._wall_clock = wall_clock
        host = config.bind_address
        redis_port, *heart_ports = free_ports(config.replicas + 1, host)
        self.redis = RedisInstance(f"cg-{self.run_id}-redis", redis_port, host)
        self.replicas = [
            Replica(i, f"cg-{self.run_id}-heart-{i}", f"heart-display-{i}", port, host)
            for i, port in enumerate(heart_ports)
        ]
        self.supervisor = Supervisor(self.heart_containers, self._supervisor_restarted)
        self._created: list[str] = []
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._sigterm: contextlib.ExitStack | None = None

    # -- what callers use -------------------------------------------------
    @property
    def heart_containers(self) -> list[str]:
        return [replica.container for replica in self.replicas]

    @property
    def endpoints(self) -> list[str]:
        """Base URLs of the replicas (the load spreads over these; there is no Service)."""
        return [replica.url for replica in self.replicas]

    @property
    def config_dir(self) -> Path:
        return self.config.work_dir / "heart-config"

    def chaos_env(self) -> dict[str, str]:
        """The environment our Chaos Toolkit experiments read their configuration from."""
        return {
            "CHAOSGATE_REDIS_CONTAINER": self.redis.container,
            "CHAOSGATE_REDIS_ADDR": self.redis.addr,
            "CHAOSGATE_HEART_URLS": ",".join(self.endpoints),
            "CHAOSGATE_HEART_CONTAINERS": ",".join(self.heart_containers),
            "CHAOSGATE_TARGET_CONTAINER": self.replicas[0].container,
            "CHAOSGATE_TARGET_URL": self.replicas[0].url,
            "CHAOSGATE_UNDO_SCOPE": scope_of("stack", self.run_id),
            # Where the actions leave the FAULT records of what they did (by hand: evidence).
            "CHAOSGATE_FAULT_RECORDS": str(self.config.work_dir / "fault-records.jsonl"),
        }

    def states(self) -> dict[str, docker_cli.ContainerState]:
        """The engine's view of every container of this run, by container name."""
        return docker_cli.inspect([self.redis.container, *self.heart_containers])

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> StackRuntime:
        """Create Redis and the replicas and wait until all are ready; clean up on failure."""
        try:
            reap_orphans()
            self._write_config_dir()
            self._run_redis()
            self._wait(lambda: redis_answers(self.redis.addr), "Redis to answer PING")
            for replica in self.replicas:
                self._run_replica(replica)
            self._wait(self.all_ready, "every heart replica to be ready")
            self.supervisor.start()
        except BaseException:
            self.stop()
            raise
        return self

    def all_ready(self) -> bool:
        return all(is_ready(url, timeout=0.5) for url in self.endpoints)

    def stop(self) -> None:
        """Stop supervising and remove every container of this run. Idempotent, never raises
        for a container that is already gone."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self.supervisor.stop()
        if self._created:
            self._save_logs()
            docker_cli.remove(self._created)

    def __enter__(self) -> StackRuntime:
        self._sigterm = contextlib.ExitStack()
        self._sigterm.enter_context(sigterm_raises())
        try:
            return self.start()
        except BaseException:
            self._sigterm.close()
            raise

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.stop()
        finally:
            if self._sigterm is not None:
                self._sigterm.close()

    # -- internals ----------------------------------------------------------
    def _labels(self) -> list[str]:
        labels = {
            docker_cli.MANAGED_LABEL: "true",
            docker_cli.RUN_LABEL: self.run_id,
            docker_cli.OWNER_PID_LABEL: str(os.getpid()),
            docker_cli.OWNER_HOST_LABEL: socket.gethostname(),
        }
        return [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]

    def _docker_run(
        self, name: str, pod: str, options: list[str], image: str, command: list[str]
    ) -> None:
        # Recorded before the call: a run that fails half way must still be removed.
        self._created.append(name)
        argv = ["run", "-d", "--pull=never", "--name", name, "--network", "host"]
        argv += ["--restart", "always", "--label", f"{docker_cli.POD_LABEL}={pod}"]
        docker_cli.docker([*argv, *self._labels(), *options, image, *command], timeout=120)

    def _run_redis(self) -> None:
        memory = self.config.redis_memory
        command = [REDIS_COMMAND, "--bind", self.redis.host, "--port", str(self.redis.port)]
        command += ["--save", "", "--appendonly", "no"]
        options = ["--memory", memory, "--memory-swap", memory]
        self._docker_run(
            self.redis.container, REDIS_POD, options, self.config.images.redis, command
        )

    def _run_replica(self, replica: Replica) -> None:
        memory = self.config.heart_memory
        env = {
            "POD_NAME": replica.pod_name,
            "POD_NAMESPACE": self.config.namespace,
            "HEART_CHAOS_ENDPOINTS": "1",
        }
        options = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        # memory-swap = memory: no swap, as on a Kubernetes node, so the limit is the limit.
        options += ["--memory", memory, "--memory-swap", memory]
        # Docker reads a relative source as a volume name, so mount an absolute path.
        options += ["-v", f"{self.config_dir.resolve()}:{HEART_CONFIG_MOUNT}:ro"]
        command = ["serve", "--listen", f"{replica.host}:{replica.port}"]
        command += ["--config-dir", HEART_CONFIG_MOUNT, "--redis-addr", self.redis.addr]
        self._docker_run(
            replica.container, replica.pod_name, options, self.config.images.heart, command
        )

    def _write_config_dir(self) -> None:
        directory = self.config_dir
        directory.mkdir(parents=True, exist_ok=True)
        # The image runs as 65532: the directory and files must be world-readable.
        directory.chmod(0o755)
        for key, content in self.config.heart.files().items():
            path = directory / key
            path.write_text(content)
            path.chmod(0o644)

    def _wait(self, predicate: Callable[[], bool], what: str) -> None:
        if not wait_until(predicate, timeout=self.config.ready_timeout, interval=0.1):
            raise StackError(
                f"Timed out after {self.config.ready_timeout:.0f} s waiting for {what}.\n"
                + self._log_tails()
            )

    def _log_tails(self) -> str:
        tails = [f"--- {n} ---\n{docker_cli.logs(n, tail=LOG_TAIL_LINES)}" for n in self._created]
        return "\n".join(tails)

    def _save_logs(self) -> None:
        """Keep each container's log next to the timeline (best effort)."""
        log_dir = self.config.work_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        for name in self._created:
            with contextlib.suppress(CommandError, OSError):
                (log_dir / f"{name}.log").write_text(docker_cli.logs(name))

    def _supervisor_restarted(self, container: str) -> None:
        if self._emit is not None:
            data = {"reason": "SupervisorRestarted", "container": container}
            self._emit(Record(self._wall_clock(), EVENT, container, data))

"""The Docker commands the stack runtime and its chaos actions need, through the run() seam.

Everything here goes through the docker CLI (so DOCKER_HOST and contexts work as
the user set them up). `docker inspect` output is turned into ContainerState by
a pure function, so what we read from the engine is tested on captured JSON.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chaosgate.containers.engine import DOCKER_ENV
from chaosgate.errors import ChaosgateError, CommandError
from chaosgate.process import run

# Labels on every container the stack runtime creates. The chaos actions refuse
# to touch a container without MANAGED_LABEL: chaos only where we were allowed.
MANAGED_LABEL = "chaosgate.managed"
RUN_LABEL = "chaosgate.run"
# The pod name a container stands for (POD records and FAULT targets name pods).
POD_LABEL = "chaosgate.pod"
OWNER_PID_LABEL = "chaosgate.owner-pid"
OWNER_HOST_LABEL = "chaosgate.owner-host"

INSPECT_TIMEOUT = 30.0
# Docker reports "never" as year 1.
_ZERO_TIME_PREFIX = "0001-01-01"


class ContainerError(ChaosgateError):
    """A container could not be created, found or changed."""


@dataclass(frozen=True)
class ContainerState:
    """What the engine says about one container, in the terms a pod status uses."""

    name: str
    id: str
    status: str  # created | running | paused | restarting | exited | dead
    pid: int  # host PID of the main process, 0 when not running
    exit_code: int  # of the last exit; the engine resets it to 0 on restart
    oom_killed: bool  # whether the last termination was a cgroup OOM kill
    restart_count: int  # restarts done by the engine's restart policy
    started_at: float | None  # UNIX time of the last start
    finished_at: float | None  # UNIX time of the last termination, None if never
    labels: Mapping[str, str]
    memory_limit: int = 0  # bytes; 0 means no limit

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def managed(self) -> bool:
        return self.labels.get(MANAGED_LABEL) == "true"


def docker_time(text: str) -> float | None:
    """A Docker RFC 3339 timestamp (nanoseconds allowed) as UNIX time; None for 'never'."""
    if not text or text.startswith(_ZERO_TIME_PREFIX):
        return None
    return datetime.fromisoformat(text).timestamp()


def parse_inspect(raw: Mapping[str, Any]) -> ContainerState:
    """One element of `docker inspect` output as a ContainerState."""
    state = raw["State"]
    return ContainerState(
        name=str(raw["Name"]).lstrip("/"),
        id=str(raw["Id"]),
        status=str(state["Status"]),
        pid=int(state.get("Pid") or 0),
        exit_code=int(state.get("ExitCode") or 0),
        oom_killed=bool(state.get("OOMKilled")),
        restart_count=int(raw.get("RestartCount") or 0),
        started_at=docker_time(str(state.get("StartedAt") or "")),
        finished_at=docker_time(str(state.get("FinishedAt") or "")),
        labels=dict(raw.get("Config", {}).get("Labels") or {}),
        memory_limit=int(raw.get("HostConfig", {}).get("Memory") or 0),
    )


def docker(argv: list[str], *, timeout: float = 60.0, check: bool = True) -> str:
    """Run `docker argv...` and return its stdout."""
    return run(["docker", *argv], timeout=timeout, env=DOCKER_ENV, check=check).stdout


def inspect(names: Iterable[str]) -> dict[str, ContainerState]:
    """States of the named containers that exist, by name (missing ones are left out)."""
    return {state.name: state for state in _inspect_all(list(names))}


def _inspect_all(names_or_ids: list[str]) -> list[ContainerState]:
    """States of the containers that exist among names_or_ids (missing ones are left out)."""
    if not names_or_ids:
        return []
    # One call for all containers: each docker CLI start costs ~50 ms of CPU.
    argv = ["docker", "container", "inspect", *names_or_ids]
    result = run(argv, timeout=INSPECT_TIMEOUT, env=DOCKER_ENV, check=False)
    # A missing container makes it exit 1 but still print the others; any other
    # failure (engine down) must not read as "every container is gone".
    if result.returncode != 0 and "No such container" not in result.stderr:
        raise CommandError(f"`{' '.join(argv)}` failed: {result.stderr.strip()}", argv)
    return [parse_inspect(item) for item in json.loads(result.stdout or "[]")]


def inspect_one(name: str) -> ContainerState:
    """The state of one container; ContainerError if it does not exist."""
    state = inspect([name]).get(name)
    if state is None:
        raise ContainerError(f"Container {name} does not exist; is the stack runtime running?")
    return state


def remove(names: Iterable[str]) -> None:
    """Remove containers (forcefully, volumes included); absent ones are fine."""
    wanted = list(names)
    if wanted:
        docker(["rm", "-f", "-v", *wanted], timeout=120, check=False)


def logs(name: str, tail: int | None = None) -> str:
    """A container's output (stdout then stderr; heart-display logs JSON on stderr)."""
    argv = ["docker", "logs", *(["--tail", str(tail)] if tail else []), name]
    result = run(argv, timeout=30, env=DOCKER_ENV, check=False)
    return result.stdout + result.stderr


def start(name: str) -> None:
    docker(["start", name])


def stop(name: str, grace_seconds: int = 2) -> None:
    """Stop a container the way an operator would; the engine will not restart it."""
    docker(["stop", "-t", str(grace_seconds), name], timeout=grace_seconds + 60)


def docker_kill(name: str, signal_name: str = "KILL") -> None:
    """`docker kill`: the engine counts this as a manual stop and does NOT restart it."""
    docker(["kill", "--signal", signal_name, name])


def host_pid_visible(pid: int) -> bool:
    """True when the container's main process is visible (and signalable) from here."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def kill_main_process(state: ContainerState, signum: int = signal.SIGKILL) -> None:
    """Signal the container's main process directly, as a crash or the kernel would.

    Unlike `docker kill`, the engine sees an unexpected exit and applies the
    restart policy: the container comes back like a kubelet restarts a container.
    """
    if not host_pid_visible(state.pid):
        raise ContainerError(
            f"The main process of {state.name} (pid {state.pid}) is not visible from here."
        )
    os.kill(state.pid, signum)


def last_exit_code(container_id: str, since: float, until: float) -> int | None:
    """The exit code of the container's last `die` event in [since, until], from engine events.

    Needed because the engine resets State.ExitCode to 0 when it restarts a container.
    """
    argv = [
        "events",
        "--since",
        f"{since:.3f}",
        "--until",
        f"{until:.3f}",
        "--filter",
        f"container={container_id}",
        "--filter",
        "event=die",
        "--format",
        "{{json .}}",
    ]
    try:
        lines = docker(argv, timeout=30).splitlines()
    except CommandError:
        return None
    return die_exit_code(lines)


def die_exit_code(event_lines: Iterable[str]) -> int | None:
    """The exitCode attribute of the last `die` event among JSON event lines."""
    code: int | None = None
    for line in event_lines:
        if not line.strip():
            continue
        event = json.loads(line)
        attributes = event.get("Actor", {}).get("Attributes", {})
        if event.get("Action") == "die" and "exitCode" in attributes:
            code = int(attributes["exitCode"])
    return code


def managed_containers() -> list[ContainerState]:
    """Every container (running or not) that carries the chaosgate managed label."""
    return _inspect_all(docker(["ps", "-aq", "--filter", f"label={MANAGED_LABEL}=true"]).split())

"""Make sure a Docker engine answers, starting Debian's dockerd when none runs.

Machines here have the docker.io package but no running daemon; the harness
starts it (it needs root) and waits until `docker info` answers.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from chaosgate.errors import ChaosgateError, CommandError
from chaosgate.process import run, start_service
from chaosgate.waiting import Clock, wait_until

DOCKERD_LOG = Path("/var/log/chaosgate-dockerd.log")
# The Docker client here may be newer than Debian's daemon and default to
# BuildKit, which that daemon lacks; the classic builder is enough for our images.
DOCKER_ENV = {"DOCKER_BUILDKIT": "0"}


class DockerUnavailable(ChaosgateError):
    """No Docker engine could be reached or started."""


def docker_answers() -> bool:
    """True when `docker info` reaches a running engine."""
    try:
        run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=20)
    except CommandError:
        return False
    return True


def ensure_docker(timeout: float = 60.0, clock: Clock | None = None) -> None:
    """Start dockerd if no engine answers; raise DockerUnavailable with the fix if it cannot."""
    if shutil.which("docker") is None:
        raise DockerUnavailable("The docker client is not installed; run `make setup`.")
    if docker_answers():
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise DockerUnavailable("No Docker engine runs and dockerd is missing; run `make setup`.")
    if os.geteuid() != 0:
        raise DockerUnavailable("No Docker engine runs; start one (dockerd needs root).")
    # Detached on purpose: the engine outlives this command, like a service would.
    start_service([dockerd], DOCKERD_LOG)
    if not wait_until(docker_answers, timeout=timeout, interval=1.0, clock=clock):
        raise DockerUnavailable(
            f"dockerd did not answer within {timeout:.0f} s; see {DOCKERD_LOG}."
        )

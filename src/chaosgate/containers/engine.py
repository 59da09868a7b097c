"""Make sure a Docker engine answers, starting Debian's dockerd when none runs.

Machines here have the docker.io package but no running daemon; the harness
starts it (it needs root) and waits until `docker info` answers. The engine it
starts keeps to the harness's address rules: its default bridge and every
network it makes by default live in 198.19.0.0/16 (inside 198.18.0.0/15, the
range reserved for benchmarking), never in a private range, and containers get
a loopback resolver, so no DNS query leaves the machine.

Where this machine is itself a container with a reduced capability bounding
set, `docker run --privileged` (which kind needs) fails in runc. The engine is
then started with chaosgate-runc as its default runtime, which asks runc only
for the capabilities the host can grant (see node/cmd/chaosgate-runc).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from chaosgate.errors import ChaosgateError, CommandError
from chaosgate.process import run, start_service
from chaosgate.tools.cache import default_cache_root
from chaosgate.versions import REPO_ROOT
from chaosgate.waiting import Clock, wait_until

DOCKERD_LOG = Path("/var/log/chaosgate-dockerd.log")
# The Docker client here may be newer than Debian's daemon and default to
# BuildKit, which that daemon lacks; the classic builder is enough for our images.
DOCKER_ENV = {"DOCKER_BUILDKIT": "0"}
# docker0 and the pool of networks dockerd makes without an explicit subnet.
BRIDGE_IP = "198.19.0.1/24"
ADDRESS_POOL = "base=198.19.128.0/17,size=24"
RUNTIME_NAME = "chaosgate"
KIND_IMAGES_ENV = "CHAOSGATE_KIND_IMAGES"
REFUSING_PROXY = "http://127.0.0.1:1"
NODE_MODULE = REPO_ROOT / "node"
# Capabilities a privileged container asks for; the last one this kernel knows.
CAP_LAST_CAP = Path("/proc/sys/kernel/cap_last_cap")


class DockerUnavailable(ChaosgateError):
    """No Docker engine could be reached or started."""


def docker_answers() -> bool:
    """True when `docker info` reaches a running engine."""
    try:
        run(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=20)
    except CommandError:
        return False
    return True


def bounding_set_mask(status: str) -> int:
    """The CapBnd mask of a /proc/<pid>/status text."""
    for line in status.splitlines():
        if line.startswith("CapBnd:"):
            return int(line.split(":", 1)[1].strip(), 16)
    raise ValueError("no CapBnd line")


def missing_capabilities(status: str, cap_last_cap: int) -> int:
    """How many of the kernel's capabilities this process's bounding set lacks."""
    full = (1 << (cap_last_cap + 1)) - 1
    return bin(full & ~bounding_set_mask(status)).count("1")


def host_is_restricted() -> bool:
    """True when privileged containers cannot get every capability here."""
    status = Path("/proc/self/status").read_text()
    return missing_capabilities(status, int(CAP_LAST_CAP.read_text())) > 0


def node_binary(name: str) -> Path:
    """A binary of the node Go module (node/cmd/NAME), built when missing."""
    binary = NODE_MODULE / "bin" / name
    if not binary.is_file():
        run(
            ["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(binary), f"./cmd/{name}"],
            timeout=600,
            cwd=NODE_MODULE,
            env={"CGO_ENABLED": "0"},
        )
    return binary


def pulls_refused() -> bool:
    """True where every image is built here (CHAOSGATE_KIND_IMAGES=local): pull nothing."""
    return os.environ.get(KIND_IMAGES_ENV) == "local"


def installed_runtime(binary: Path, root: Path) -> Path:
    """A copy of `binary` under `root`, named by its content digest, for dockerd to run.

    dockerd keeps the runtime's path for its whole life, and it outlives the
    command that started it: a path into a checkout (deleted, rebuilt, or a
    CI clone) would break every later container. A changed binary gets a new
    name, so a running engine never sees its runtime swapped.
    """
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()[:16]
    target = root / f"{binary.name}-{digest}"
    if not target.is_file():
        root.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(binary, partial)
        partial.chmod(0o755)
        partial.replace(target)
    return target


def dockerd_argv(
    dockerd: str, capability_filter: Path | None, refuse_pulls: bool = False
) -> list[str]:
    """dockerd's command line: harness address ranges, and the runtime a restricted host needs.

    With refuse_pulls, the engine's registry traffic goes to a proxy on a
    loopback port that refuses at once: a pull of a missing image then fails
    here, before any DNS lookup of a registry could leave the machine.
    """
    argv = [dockerd, f"--bip={BRIDGE_IP}", f"--default-address-pool={ADDRESS_POOL}"]
    if refuse_pulls:
        argv = ["env", f"HTTPS_PROXY={REFUSING_PROXY}", f"HTTP_PROXY={REFUSING_PROXY}", *argv]
    argv.append("--dns=127.0.0.1")
    if capability_filter is not None:
        argv += [
            f"--add-runtime={RUNTIME_NAME}={capability_filter}",
            f"--default-runtime={RUNTIME_NAME}",
        ]
    return argv


def ensure_docker(
    timeout: float = 60.0,
    clock: Clock | None = None,
    say: Callable[[str], None] | None = None,
) -> None:
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
    capability_filter = None
    if host_is_restricted():
        capability_filter = installed_runtime(
            node_binary("chaosgate-runc"), default_cache_root().parent / "runtime"
        )
        (say or _stderr)(
            "this host cannot grant every capability to privileged containers; dockerd runs "
            "them through chaosgate-runc, which asks only for what the host has"
        )
    # Detached on purpose: the engine outlives this command, like a service would.
    start_service(dockerd_argv(dockerd, capability_filter, pulls_refused()), DOCKERD_LOG)
    if not wait_until(docker_answers, timeout=timeout, interval=1.0, clock=clock):
        raise DockerUnavailable(
            f"dockerd did not answer within {timeout:.0f} s; see {DOCKERD_LOG}."
        )


def default_runtime() -> str:
    """The running engine's default OCI runtime name."""
    return run(["docker", "info", "--format", "{{.DefaultRuntime}}"], timeout=20).stdout.strip()


def ensure_privileged_works() -> None:
    """Refuse early when privileged containers (kind's nodes) would fail in runc."""
    if host_is_restricted() and default_runtime() != RUNTIME_NAME:
        raise DockerUnavailable(
            "The running Docker engine cannot start privileged containers on this host (it "
            f"lacks capabilities) and does not use the {RUNTIME_NAME} runtime; stop dockerd and "
            "let chaosgate start it (`pkill dockerd`, then run the command again)."
        )


def _stderr(line: str) -> None:
    import sys

    print(f"chaosgate: {line}", file=sys.stderr)

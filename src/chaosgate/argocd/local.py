"""Argo CD as local processes next to a cluster: Redis, repo-server, application-controller.

The pinned `argocd` binary takes its role from ARGOCD_BINARY_NAME. The
controller runs outside the cluster with ARGOCD_FAKE_IN_CLUSTER=true, which
makes the destination https://kubernetes.default.svc ("in-cluster") use the
kubeconfig named by KUBECONFIG instead of a service account, so Applications
written for a real in-cluster install work unchanged. No API server, no UI,
no Dex: the harness talks to Applications through the Kubernetes API.

Everything listens on 127.0.0.1, except the controller's metrics/health port,
whose address upstream hard-codes to 0.0.0.0 (no flag); it serves read-only
metrics and the harness only connects to it on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chaosgate.argocd.config import (
    CRD_FILES,
    CRD_NAMES,
    NAMESPACE,
    Tuning,
    argocd_secret,
    as_list,
    config_maps,
    default_project,
    load_documents,
    manifests_dir,
    namespace_manifest,
)
from chaosgate.argocd.errors import ArgoCDError
from chaosgate.ports import free_ports
from chaosgate.process import Background, run
from chaosgate.providers.base import ClusterInfo
from chaosgate.providers.state import cluster_dir
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import wait_until

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
# Every process started here (and every child it forks: git, helm) inherits
# this variable, so stop() can find stragglers by their environment.
RUN_MARKER = "CHAOSGATE_ARGOCD_RUN"
# A Unix socket path must fit in sun_path (108 bytes, NUL included).
MAX_SOCKET_PATH = 100
SERVER_SIDE_APPLY = ("apply", "--server-side", "--field-manager=chaosgate", "--force-conflicts")
# Probes go straight to loopback, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class LocalArgoCDSettings:
    """How the local Argo CD is run; defaults suit tests."""

    namespace: str = NAMESPACE
    tuning: Tuning = field(default_factory=Tuning)
    ready_timeout: float = 120.0
    crd_timeout: float = 60.0
    stop_grace: float = 10.0
    poll_interval: float = 0.2
    redis_server: str = "redis-server"  # Debian's, on PATH
    log_level: str = "info"


@dataclass(frozen=True)
class Ports:
    """Loopback ports of one local Argo CD."""

    redis: int
    repo_server: int
    repo_server_metrics: int
    controller_metrics: int

    @classmethod
    def free(cls) -> Ports:
        """Ports nothing listens on right now (the kernel picks them)."""
        # Chosen together, so the four ports are distinct.
        return cls(*free_ports(4, LOOPBACK))

    def all(self) -> tuple[int, ...]:
        return (self.redis, self.repo_server, self.repo_server_metrics, self.controller_metrics)


@dataclass(frozen=True)
class Command:
    """One process to start: its argv, the env it adds, and where it logs."""

    name: str
    argv: list[str]
    env: dict[str, str]


def redis_command(redis_server: str, port: int, data_dir: Path) -> Command:
    """Redis as Argo CD's cache: loopback, nothing written to disk."""
    argv = [redis_server, "--bind", LOOPBACK, "--port", str(port), "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(data_dir), "--protected-mode", "yes"]
    return Command("redis", argv, {})


def repo_server_command(
    argocd: Path, ports: Ports, workdir: Path, tool_dirs: list[Path], log_level: str
) -> Command:
    """The repo-server: renders Applications from git with helm/kustomize on PATH.

    TMPDIR holds its git checkouts and helm homes (it uses os.TempDir()), so
    they live and die with this run. TLS is off: the only client is the
    controller, over loopback.
    """
    argv = [str(argocd), f"--address={LOOPBACK}", f"--port={ports.repo_server}"]
    argv += [f"--metrics-address={LOOPBACK}", f"--metrics-port={ports.repo_server_metrics}"]
    argv += [f"--redis={LOOPBACK}:{ports.redis}", "--disable-tls"]
    argv += [f"--loglevel={log_level}", "--logformat=text"]
    path = ":".join([*map(str, tool_dirs), os.environ.get("PATH", "/usr/bin:/bin")])
    env = {
        "ARGOCD_BINARY_NAME": "argocd-repo-server",
        "ARGOCD_GPG_ENABLED": "false",
        "TMPDIR": str(workdir / "tmp"),
        "ARGOCD_ASK_PASS_SOCK": str(askpass_socket(workdir)),
        # Empty directories: file:// repositories need no TLS certs or known hosts.
        "ARGOCD_TLS_DATA_PATH": str(workdir / "tls"),
        "ARGOCD_SSH_DATA_PATH": str(workdir / "ssh"),
        "ARGOCD_GNUPGHOME": str(workdir / "gnupg"),
        "PATH": path,
    }
    return Command("repo-server", argv, env)


def controller_command(
    argocd: Path, ports: Ports, kubeconfig: Path, settings: LocalArgoCDSettings
) -> Command:
    """The application-controller, outside the cluster, on the cluster's kubeconfig.

    KUBECONFIG (not --kubeconfig) because the fake in-cluster destination reads
    exactly that variable; the controller's own client reads it too.
    """
    argv = [str(argocd), f"--namespace={settings.namespace}"]
    argv += [f"--redis={LOOPBACK}:{ports.redis}", f"--repo-server={LOOPBACK}:{ports.repo_server}"]
    argv += ["--repo-server-plaintext", f"--metrics-port={ports.controller_metrics}"]
    argv += settings.tuning.controller_flags()
    argv += [f"--loglevel={settings.log_level}", "--logformat=text"]
    env = {
        "ARGOCD_BINARY_NAME": "argocd-application-controller",
        "ARGOCD_FAKE_IN_CLUSTER": "true",
        "ARGOCD_GPG_ENABLED": "false",
        "KUBECONFIG": str(kubeconfig.resolve()),
    }
    return Command("application-controller", argv, env)


def askpass_socket(workdir: Path) -> Path:
    """Where the repo-server's git credential socket goes (upstream: a fixed /tmp path)."""
    path = workdir / "askpass.sock"
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    # Deep workdirs (pytest's tmp_path) overflow sun_path: use a short name
    # derived from the workdir, so two runs never share a socket.
    return (
        Path(tempfile.gettempdir()) / f"cg-askpass-{uuid.uuid5(uuid.NAMESPACE_URL, str(workdir))}"
    )


class LocalArgoCD:
    """Installs Argo CD's objects in a cluster and runs its processes until stop().

    Use as a context manager; every exit path stops the processes.
    """

    def __init__(
        self,
        kubeconfig: Path,
        workdir: Path,
        settings: LocalArgoCDSettings | None = None,
        *,
        argocd_binary: Path | None = None,
        kubectl: Path | None = None,
        manifests: Path | None = None,
        tool_dirs: list[Path] | None = None,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.workdir = workdir
        self.settings = settings or LocalArgoCDSettings()
        self._argocd = argocd_binary
        self._kubectl = kubectl
        self._manifests = manifests
        self._tool_dirs = tool_dirs
        self.ports: Ports | None = None
        self.processes: dict[str, Background] = {}
        self.timings: dict[str, float] = {}
        self.run_id = uuid.uuid4().hex

    @classmethod
    def for_cluster(
        cls, cluster: ClusterInfo, settings: LocalArgoCDSettings | None = None
    ) -> LocalArgoCD:
        """Argo CD for a provider's cluster, logging into that cluster's state directory."""
        workdir = cluster_dir(cluster.provider, cluster.name) / "argocd"
        return cls(cluster.kubeconfig, workdir, settings)

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> LocalArgoCD:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Apply Argo CD's objects, then start Redis, repo-server and controller, ready."""
        started = time.monotonic()
        try:
            self._timed("cluster_objects", self.install_objects)
            self.ports = Ports.free()
            self._timed("redis", self._start_redis)
            self._timed("repo_server", self._start_repo_server)
            self._timed("controller", self._start_controller)
        except BaseException:
            self.stop()
            raise
        self.timings["total"] = time.monotonic() - started
        log.info("local Argo CD ready in %.1f s (%s)", self.timings["total"], self.timings)

    def stop(self) -> None:
        """Stop every process (controller first), kill stragglers, remove checkouts.

        Never raises: it runs on every exit path, including failures.
        """
        for name in ("application-controller", "repo-server", "redis"):
            process = self.processes.pop(name, None)
            if process is not None:
                process.stop(grace=self.settings.stop_grace)
        self._kill_stragglers()
        self._remove_scratch()

    def _kill_stragglers(self) -> None:
        leftovers = self.stragglers()
        for pid in leftovers:
            log.warning("killing leftover Argo CD child process %d", pid)
            _kill(pid)
        # SIGKILL is delivered asynchronously: the process can still be listed
        # for a moment, and stop() promises that nothing is left when it returns.
        deadline = time.monotonic() + self.settings.stop_grace
        while leftovers and time.monotonic() < deadline:
            time.sleep(0.05)
            leftovers = self.stragglers()
        if leftovers:
            log.warning("Argo CD child processes %s outlived SIGKILL", leftovers)

    # -- cluster objects ---------------------------------------------------

    def install_objects(self) -> None:
        """CRDs, namespace, ConfigMaps, argocd-secret and the default AppProject."""
        manifests = self._manifests or manifests_dir()
        # Server-side: the CRDs are too big for client-side apply's annotation.
        files = [arg for crd in CRD_FILES for arg in ("-f", str(manifests / "crds" / crd))]
        self.kubectl(*SERVER_SIDE_APPLY, *files)
        # Polled rather than `kubectl wait`, which fails instead of waiting when
        # a CRD is so new that it has no status conditions yet.
        timeout = self.settings.crd_timeout
        if not wait_until(self._crds_established, timeout=timeout, interval=0.5):
            raise ArgoCDError(
                f"Argo CD's CRDs ({', '.join(CRD_NAMES)}) were not Established within "
                f"{timeout:.0f} s; see the kube-apiserver log."
            )
        install = load_documents(manifests / "install.yaml")
        ns = self.settings.namespace
        objects = [namespace_manifest(ns), *config_maps(install, self.settings.tuning, ns)]
        objects += [argocd_secret(install, ns), default_project(ns)]
        self.kubectl(*SERVER_SIDE_APPLY, "-f", "-", input_text=as_list(objects))

    def _crds_established(self) -> bool:
        out = self.kubectl("get", "crd", *CRD_NAMES, "--ignore-not-found", "-o", "json")
        items = json.loads(out or "{}").get("items") or []
        established = {
            item["metadata"]["name"]
            for item in items
            for condition in (item.get("status") or {}).get("conditions") or []
            if condition.get("type") == "Established" and condition.get("status") == "True"
        }
        return established == set(CRD_NAMES)

    def kubectl(self, *args: str, input_text: str | None = None) -> str:
        binary = self._kubectl or tool_path("kubernetes", "kubectl")
        argv = [str(binary), f"--kubeconfig={self.kubeconfig}", *args]
        return run(argv, timeout=120, input_text=input_text).stdout

    # -- processes ---------------------------------------------------------

    def _start_redis(self) -> None:
        assert self.ports is not None
        data = self.workdir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        port = self.ports.redis
        self._launch(redis_command(self.settings.redis_server, port, data))
        self._wait_ready("redis", lambda: _redis_pong(port))

    def _start_repo_server(self) -> None:
        assert self.ports is not None
        for sub in ("tmp", "tls", "ssh", "gnupg"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        tool_dirs = self._tool_dirs
        if tool_dirs is None:
            tool_dirs = [tool_path("helm").parent, tool_path("kustomize").parent]
        command = repo_server_command(
            self._argocd_binary(), self.ports, self.workdir, tool_dirs, self.settings.log_level
        )
        self._launch(command)
        port = self.ports.repo_server_metrics
        self._wait_ready("repo-server", lambda: _http_ok(port, "/healthz?full=true"))

    def _start_controller(self) -> None:
        assert self.ports is not None
        command = controller_command(
            self._argocd_binary(), self.ports, self.kubeconfig, self.settings
        )
        self._launch(command)
        port = self.ports.controller_metrics
        self._wait_ready("application-controller", lambda: _http_ok(port, "/healthz"))

    def _argocd_binary(self) -> Path:
        return self._argocd or tool_path("argocd")

    def _launch(self, command: Command) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**command.env, RUN_MARKER: self.run_id}
        log_path = self.workdir / f"{command.name}.log"
        self.processes[command.name] = Background(command.argv, log_path, env=env, cwd=self.workdir)

    def _wait_ready(self, name: str, probe: Callable[[], bool]) -> None:
        process = self.processes[name]

        def ready() -> bool:
            if not process.alive():
                raise ArgoCDError(
                    f"Argo CD's {name} exited while starting; its log "
                    f"({process.log_path}) ends with:\n{process.log_tail()}"
                )
            return probe()

        settings = self.settings
        if not wait_until(ready, timeout=settings.ready_timeout, interval=settings.poll_interval):
            raise ArgoCDError(
                f"Argo CD's {name} did not become ready within {self.settings.ready_timeout:.0f} s;"
                f" see {process.log_path}:\n{process.log_tail()}"
            )

    def _timed(self, name: str, step: Callable[[], None]) -> None:
        began = time.monotonic()
        step()
        self.timings[name] = time.monotonic() - began

    # -- leftovers ---------------------------------------------------------

    def stragglers(self) -> list[int]:
        """Live processes started by this run (or forked by them), found by RUN_MARKER."""
        marker = f"{RUN_MARKER}={self.run_id}".encode()
        return [pid for pid in _pids() if marker in _environ(pid)]

    def listening_ports(self) -> list[int]:
        """This run's ports that still accept connections (empty after a clean stop)."""
        return [port for port in (self.ports.all() if self.ports else ()) if _listening(port)]

    def _remove_scratch(self) -> None:
        # The repo-server makes its checkout root write-only (0o300); give
        # rmtree back the right to list it.
        scratch = self.workdir / "tmp"
        for root, dirs, _ in os.walk(scratch):
            for name in dirs:
                with contextlib.suppress(OSError):  # vanished meanwhile: nothing to free
                    os.chmod(Path(root) / name, 0o700)
        shutil.rmtree(scratch, ignore_errors=True)
        socket_path = askpass_socket(self.workdir)
        socket_path.unlink(missing_ok=True)


def _pids() -> list[int]:
    own = os.getpid()
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and int(p.name) != own]


def _environ(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # exited meanwhile, or not ours to read
        return b""


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
        os.kill(pid, signal.SIGKILL)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _redis_pong(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _http_ok(port: int, path: str) -> bool:
    url = f"http://{LOOPBACK}:{port}{path}"
    try:
        with _DIRECT.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False

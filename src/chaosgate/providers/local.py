"""The local provider: a real control plane from locally built binaries, fake nodes.

kwokctl's binary runtime starts etcd, kube-apiserver, kube-controller-manager,
kube-scheduler, metrics-server and kwok as local processes (no containers, no
downloads); kwok plays the kubelet of zone-labelled fake Nodes. Everything
listens on, and hands out, loopback addresses only (see kwok_config.py).

What is real and what is simulated is stated in every ClusterInfo's notes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chaosgate.errors import ChaosgateError, ClusterError, ClusterNotFound, ToolError, UsageError
from chaosgate.process import Completed, run
from chaosgate.providers.base import Capability, ClusterInfo, ClusterSpec
from chaosgate.providers.kwok_config import (
    DEFAULT_STAGE_FILES,
    ControlPlaneBinaries,
    KwokctlSettings,
    choose_ports,
    create_cluster_argv,
    delete_cluster_argv,
    kwokctl_documents,
    kwokctl_env,
)
from chaosgate.providers.kwok_nodes import node_list, node_names, ready_nodes
from chaosgate.providers.kwok_oom_stages import oom_stages
from chaosgate.tools.cache import ToolCache
from chaosgate.waiting import Clock, SystemClock, wait_until

log = logging.getLogger(__name__)

NAME = "local"
NOTES = (
    "local provider: kube-apiserver, etcd, controllers, scheduler and metrics-server are real.",
    "Pods are simulated by kwok: nothing runs; phases, readiness, restarts and OOM kills "
    "come from kwok Stages (chaosgate adds an OOM kill Stage: OOMKilled, exit code 137, "
    "then a restart); OOM records say simulated=true and which writer produced them.",
    "CPU and memory usage are simulated (kwok.x-k8s.io/usage-cpu / usage-memory pod "
    "annotations) and reported through the real metrics API.",
    "Networking is simulated: pod IPs are fake loopback addresses and Services carry no traffic.",
    "Services get no EndpointSlices: the API server refuses loopback pod IPs as endpoints, "
    "so the endpoint controller reports FailedToUpdateEndpointSlices for each Service.",
)
CAPABILITIES = frozenset({Capability.CHAOS_ALLOWED})
METRICS_APISERVICE = "v1beta1.metrics.k8s.io"
# kwokctl uses the name in paths and as the kubeconfig context `kwok-<name>`.
_NAME_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$")


@dataclass(frozen=True)
class LocalSettings:
    """Where kwokctl keeps clusters and how long the provider waits for them.

    workdir is kwokctl's KWOK_WORKDIR (default ~/.kwok); a cluster lives in
    workdir/clusters/<name>, which `down` checks is gone afterwards.
    """

    workdir: Path
    api_timeout: float = 120.0
    nodes_timeout: float = 120.0
    metrics_timeout: float = 180.0
    down_timeout: float = 60.0
    poll_interval: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LocalSettings:
        """Settings from the environment: KWOK_WORKDIR moves the workdir."""
        workdir = env.get("KWOK_WORKDIR") or str(Path.home() / ".kwok")
        return cls(workdir=Path(workdir).expanduser().resolve())

    def cluster_dir(self, name: str) -> Path:
        return self.workdir / "clusters" / name

    def kubeconfig(self, name: str) -> Path:
        return self.cluster_dir(name) / "kubeconfig.yaml"


def control_plane_binaries(cache: ToolCache) -> ControlPlaneBinaries:
    """The pinned local builds kwokctl should run; ToolError if one is missing."""
    manifests = cache.version_dir("metrics-server") / "manifests" / "base"
    binaries = ControlPlaneBinaries(
        kube_apiserver=cache.binary("kubernetes", "kube-apiserver"),
        kube_controller_manager=cache.binary("kubernetes", "kube-controller-manager"),
        kube_scheduler=cache.binary("kubernetes", "kube-scheduler"),
        kubectl=cache.binary("kubernetes", "kubectl"),
        etcd=cache.binary("etcd"),
        kwok=cache.binary("kwok", "kwok"),
        metrics_server=cache.binary("metrics-server"),
        metrics_server_manifests=manifests,
        kwok_stages=_dir_or_none(cache.version_dir("kwok") / "stages"),
    )
    if not (manifests / "kustomization.yaml").is_file():
        raise ToolError(
            f"metrics-server manifests are missing from {manifests}; run `make setup` "
            "or `chaosgate tools build metrics-server`."
        )
    return binaries


def _dir_or_none(path: Path) -> Path | None:
    return path if path.is_dir() else None


def cluster_stages(stages_dir: Path | None) -> list[dict[str, Any]]:
    """kwok's default Stages plus chaosgate's simulated OOM kill ([] keeps kwokctl's defaults).

    Without the copy of kwok's Stages (a kwok built before the catalog copied
    them) the cluster gets kwokctl's defaults only; OOM kills are then
    simulated by chaosgate writing the pod status itself.
    """
    if stages_dir is None:
        log.warning(
            "kwok's default Stages are not in the tool cache (rebuild kwok with "
            "`chaosgate tools build kwok`); simulated OOM kills will not come from kwok."
        )
        return []
    defaults = [yaml.safe_load((stages_dir / name).read_text()) for name in DEFAULT_STAGE_FILES]
    return [*defaults, *oom_stages()]


class LocalProvider:
    """kwokctl (binary runtime) + locally built control plane + kwok fake nodes."""

    name = NAME

    def __init__(
        self,
        settings: LocalSettings | None = None,
        cache: ToolCache | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or LocalSettings.from_env(os.environ)
        self._cache = cache
        self._clock = clock or SystemClock()
        # Seconds each step of the last up() took, by step name (benchmarks read it).
        self.timings: dict[str, float] = {}

    # -- ClusterProvider ------------------------------------------------------------

    def up(self, spec: ClusterSpec) -> ClusterInfo:
        """Create the cluster, its fake nodes, and wait until nodes and metrics are ready."""
        check_cluster_name(spec.name)
        nodes = node_list(spec.zones, spec.nodes_per_zone)  # validates the spec first
        self._refuse_existing(spec.name)
        self._refuse_shadowing_config()
        cache = self._tool_cache()
        binaries = control_plane_binaries(cache)  # ToolError before anything is created
        kwokctl = cache.binary("kwok", "kwokctl")
        settings = KwokctlSettings(
            binaries=binaries,
            kube_version=cache.versions.tool("kubernetes"),
            ports=choose_ports(port_is_free),
        )
        kubectl = Kubectl(binaries.kubectl, self.settings.kubeconfig(spec.name))
        names = node_names(spec.zones, spec.nodes_per_zone)
        steps: list[tuple[str, Callable[[], None]]] = [
            ("kwokctl create cluster", lambda: self._create(kwokctl, spec.name, settings)),
            ("waiting for the API server", lambda: self._wait_api(kubectl)),
            ("creating the fake nodes", lambda: kubectl.apply(nodes)),
            ("waiting for the nodes to be Ready", lambda: self._wait_nodes(kubectl, names)),
            ("waiting for the metrics API", lambda: self._wait_metrics(kubectl, spec.name)),
        ]
        started = self._clock.now()
        for what, step in steps:
            self._run_step(spec, kwokctl, what, step)
        log.info("local cluster %s ready in %.0f s", spec.name, self._clock.now() - started)
        return self._info(spec.name)

    def down(self, name: str) -> None:
        """Delete the cluster and check that none of its processes or files is left.

        Ports are freed with the processes that held them; probing the ports
        themselves could also find an unrelated process that reused one.
        """
        check_cluster_name(name)
        cluster_dir = self._existing_cluster_dir(name)
        pids = [pid for pid, _ in processes_using(cluster_dir)]
        self._delete(self._tool_cache().binary("kwok", "kwokctl"), name)
        if not wait_until(
            lambda: not leftovers(cluster_dir, pids),
            timeout=self.settings.down_timeout,
            interval=self.settings.poll_interval,
            clock=self._clock,
        ):
            raise ClusterError(
                f"`kwokctl delete cluster --name {name}` left things behind: "
                f"{'; '.join(leftovers(cluster_dir, pids))}; stop them and remove the directory."
            )
        log.info("local cluster %s deleted", name)

    def status(self, name: str) -> ClusterInfo:
        """The running cluster called name; ClusterNotFound if there is none."""
        check_cluster_name(name)
        self._existing_cluster_dir(name)
        kubeconfig = self.settings.kubeconfig(name)
        kubectl = Kubectl(self._tool_cache().binary("kubernetes", "kubectl"), kubeconfig)
        if not kubectl.api_ready():
            raise ClusterError(
                f"The local cluster {name} exists but its API server does not answer "
                f"(kubeconfig {kubeconfig}); run `chaosgate cluster down --name {name}` "
                "and bring it up again."
            )
        return self._info(name)

    # -- steps ----------------------------------------------------------------------

    def _run_step(
        self, spec: ClusterSpec, kwokctl: Path, what: str, step: Callable[[], None]
    ) -> None:
        started = self._clock.now()
        try:
            step()
        except ChaosgateError as exc:
            self._clean_up_failed(spec, kwokctl)
            kept = (
                f" The cluster was kept for inspection; remove it with "
                f"`chaosgate cluster down --name {spec.name}`."
                if spec.keep_on_failure
                else ""
            )
            raise ClusterError(
                f"Could not bring up the local cluster {spec.name}: {what} failed.{kept}\n{exc}"
            ) from exc
        except BaseException:
            # Ctrl-C or a bug: still leave no half-made cluster running.
            self._clean_up_failed(spec, kwokctl)
            raise
        self.timings[what] = self._clock.now() - started
        log.info("%s: %.1f s", what, self.timings[what])

    def _clean_up_failed(self, spec: ClusterSpec, kwokctl: Path) -> None:
        if spec.keep_on_failure:
            return
        try:
            self._delete(kwokctl, spec.name)
        except ChaosgateError as exc:
            # The original failure matters more; say that cleanup also failed.
            log.warning("cleaning up local cluster %s also failed: %s", spec.name, exc)

    def _create(self, kwokctl: Path, name: str, settings: KwokctlSettings) -> None:
        # kwokctl copies the configuration into the cluster's workdir, so the
        # file itself is only needed while `create` runs.
        with tempfile.TemporaryDirectory(prefix="chaosgate-kwokctl-") as tmp:
            config = Path(tmp) / "kwokctl.yaml"
            documents = kwokctl_documents(settings, cluster_stages(settings.binaries.kwok_stages))
            config.write_text(yaml.safe_dump_all(documents, sort_keys=False))
            argv = create_cluster_argv(kwokctl, name, config, settings.create_timeout_seconds)
            run(argv, timeout=settings.create_timeout_seconds + 30, env=self._env())

    def _delete(self, kwokctl: Path, name: str) -> None:
        argv = delete_cluster_argv(kwokctl, name, self.settings.kubeconfig(name))
        run(argv, timeout=120, env=self._env())

    def _wait_api(self, kubectl: Kubectl) -> None:
        self._wait(kubectl.api_ready, self.settings.api_timeout, "the API server to answer /readyz")

    def _wait_nodes(self, kubectl: Kubectl, names: list[str]) -> None:
        self._wait(
            lambda: set(names) <= ready_nodes(kubectl.get_json("get", "nodes", check=False)),
            self.settings.nodes_timeout,
            f"{len(names)} fake nodes to be Ready",
        )

    def _wait_metrics(self, kubectl: Kubectl, name: str) -> None:
        # Served, not yet populated: metrics-server reports a node or pod only
        # once it has non-zero usage, i.e. once pods run there.
        def apiservice() -> Any:
            return kubectl.get_json("get", "apiservice", METRICS_APISERVICE, check=False)

        try:
            self._wait(
                lambda: apiservice_available(apiservice()),
                self.settings.metrics_timeout,
                f"the APIService {METRICS_APISERVICE} (metrics-server) to be Available",
            )
        except ClusterError as exc:
            # Say why, before the clean-up removes the cluster and its logs.
            why = apiservice_condition(apiservice())
            log_tail = last_lines(self.settings.cluster_dir(name) / "logs" / "metrics-server.log")
            raise ClusterError(
                f"{exc} The APIService says: {why}. metrics-server's last log lines: {log_tail}"
            ) from exc

    def _wait(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        if not wait_until(
            predicate, timeout=timeout, interval=self.settings.poll_interval, clock=self._clock
        ):
            raise ClusterError(f"Gave up waiting for {what} after {timeout:.0f} s.")

    # -- helpers --------------------------------------------------------------------

    def _tool_cache(self) -> ToolCache:
        if self._cache is None:
            self._cache = ToolCache.default()
        return self._cache

    def _env(self) -> dict[str, str]:
        kubectl = self._tool_cache().binary("kubernetes", "kubectl")
        return kwokctl_env(self.settings.workdir, kubectl.parent, os.environ.get("PATH", ""))

    def _refuse_existing(self, name: str) -> None:
        if self.settings.cluster_dir(name).exists():
            raise ClusterError(
                f"A local cluster named {name} already exists; run "
                f"`chaosgate cluster down --name {name}` or pick another --name."
            )

    def _refuse_shadowing_config(self) -> None:
        # kwokctl reads <workdir>/kwok.yaml before any --config, and its
        # KwokctlConfiguration would win over ours (loopback settings included).
        default_config = self.settings.workdir / "kwok.yaml"
        if default_config.exists():
            raise ClusterError(
                f"{default_config} would override chaosgate's kwokctl settings; move it "
                "away or set KWOK_WORKDIR to another directory."
            )

    def _existing_cluster_dir(self, name: str) -> Path:
        cluster_dir = self.settings.cluster_dir(name)
        if not cluster_dir.is_dir():
            raise ClusterNotFound(
                f"There is no local cluster named {name} (looked in {cluster_dir}); create "
                f"one with `chaosgate cluster up --provider local --name {name}`."
            )
        return cluster_dir

    def _info(self, name: str) -> ClusterInfo:
        return ClusterInfo(
            name=name,
            provider=NAME,
            kubeconfig=self.settings.kubeconfig(name),
            capabilities=CAPABILITIES,
            notes=NOTES,
        )


def check_cluster_name(name: str) -> None:
    """Refuse names kwokctl would mangle (it uses them in paths and context names)."""
    if not _NAME_PATTERN.match(name):
        raise UsageError(
            f"Cluster name {name!r} is not valid; use lower-case letters, digits and '-' "
            "(at most 42 characters, starting and ending with a letter or digit)."
        )


class Kubectl:
    """The pinned kubectl against one cluster's kubeconfig."""

    def __init__(self, binary: Path, kubeconfig: Path) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig

    def __call__(self, *args: str, input_text: str | None = None, check: bool = True) -> Completed:
        argv = [str(self.binary), f"--kubeconfig={self.kubeconfig}", *args]
        return run(argv, timeout=60, input_text=input_text, check=check)

    def get_json(self, *args: str, check: bool = True) -> Any:
        """`kubectl ... -o json` parsed; None if it failed and check is False."""
        result = self(*args, "-o", "json", check=check)
        return json.loads(result.stdout) if result.returncode == 0 else None

    def apply(self, manifest: Mapping[str, Any]) -> None:
        self("apply", "-f", "-", input_text=json.dumps(manifest))

    def api_ready(self) -> bool:
        result = self("get", "--raw", "/readyz", check=False)
        return result.returncode == 0 and result.stdout.strip() == "ok"


def apiservice_available(apiservice: Any) -> bool:
    """True if an APIService (as `kubectl get -o json` prints it) is Available."""
    conditions = (apiservice or {}).get("status", {}).get("conditions", [])
    return any(c.get("type") == "Available" and c.get("status") == "True" for c in conditions)


def apiservice_condition(apiservice: Any) -> str:
    """The Available condition of an APIService as one phrase (its reason and message)."""
    conditions = (apiservice or {}).get("status", {}).get("conditions", [])
    available = next((c for c in conditions if c.get("type") == "Available"), None)
    if available is None:
        return "no Available condition yet"
    return (
        f"Available={available.get('status')} ({available.get('reason', 'no reason')}: "
        f"{available.get('message', 'no message')})"
    )


def last_lines(path: Path, count: int = 5) -> str:
    """The last lines of a log file joined with " | ", or why there are none."""
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError as exc:
        return f"(no log: {exc.strerror or exc})"
    return " | ".join(lines[-count:]) or "(the log is empty)"


def leftovers(cluster_dir: Path, pids: Iterable[int] = ()) -> list[str]:
    """What of a deleted cluster still exists: its processes and its workdir.

    pids are the cluster's processes from before the deletion: an exiting
    process drops its command line before it closes its sockets and files,
    so it is only gone once it no longer runs at all.
    """
    running = dict(processes_using(cluster_dir))
    running.update({pid: "exiting" for pid in pids if pid not in running and pid_running(pid)})
    found = [f"process {pid} ({command})" for pid, command in sorted(running.items())]
    if cluster_dir.exists():
        found.append(f"directory {cluster_dir}")
    return found


def pid_running(pid: int) -> bool:
    """True while pid exists and is not a zombie (a zombie holds no files or ports)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in {"Z", "X"}


def processes_using(cluster_dir: Path) -> list[tuple[int, str]]:
    """Processes whose command line mentions the cluster's workdir (its components).

    Every component kwokctl starts is run from <workdir>/bin and pointed at
    files in <workdir>, so the path identifies them without a name match.
    """
    marker = str(cluster_dir) + "/"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # exited while we looked, or not ours to read
            continue
        words = [arg.decode(errors="replace") for arg in argv if arg]
        if any(marker in word for word in words):
            found.append((int(entry.name), Path(words[0]).name))
    return found


def port_is_free(port: int) -> bool:
    """True if nothing holds 127.0.0.1:port (listening or bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True

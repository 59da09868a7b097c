"""Point Argo CD at the revision under test and wait until it is deployed, really.

apply_root() applies the app-of-apps root Application with the repository and
revision substituted (the contract of gitops/argocd/root.yaml: the fields
marked HARNESS). wait_synced() then waits until every named Application is
Synced and Healthy at exactly that revision (a Synced status for an older
revision is stale and does not count), and stays so for a settle window, so a
status that flickers to Synced for one poll is not taken for done. It nudges
Argo CD (hard refresh, then a sync operation) instead of waiting for its
periodic resync, fails fast on a failed sync, and on timeout says what was
still missing: each Application, each unhealthy resource, recent events.

The decisions are in SyncWaiter, over an ApplicationsAPI and a Clock, so they
are tested with scripted statuses and a fake clock; KubectlApplications is
the real API (kubectl through the one subprocess seam).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import yaml

from chaosgate.argocd.errors import ArgoCDError, SyncFailed, SyncTimeout
from chaosgate.argocd.model import (
    AppStatus,
    app_status,
    describe_unhealthy,
    failed_at,
    revisions_match,
    synced_at,
)
from chaosgate.process import run
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import Clock, SystemClock

log = logging.getLogger(__name__)

NAMESPACE = "argocd"
REFRESH_ANNOTATION = "argocd.argoproj.io/refresh"
KUBECTL_TIMEOUT = 60.0
RECENT_EVENTS = 15


# -- the root Application ----------------------------------------------------


def render_root(
    root_manifest: Path, repo_url: str, revision: str, values_file: str
) -> dict[str, Any]:
    """The root Application with the three HARNESS fields of root.yaml filled in."""
    doc = yaml.safe_load(root_manifest.read_text())
    source = doc.get("spec", {}).get("source") if isinstance(doc, dict) else None
    values = (source or {}).get("helm", {}).get("valuesObject")
    if not isinstance(values, dict) or doc.get("kind") != "Application":
        raise ArgoCDError(
            f"{root_manifest} is not a root Application with spec.source.helm.valuesObject; "
            "see the substitution contract in gitops/README.md."
        )
    assert isinstance(source, dict)
    source["repoURL"] = repo_url
    source["targetRevision"] = revision
    values["valuesFile"] = values_file
    return dict(doc)


def apply_root(
    kubeconfig: Path,
    root_manifest: Path,
    repo_url: str,
    revision: str,
    values_file: str,
    *,
    kubectl: Path | None = None,
) -> dict[str, Any]:
    """Apply the root Application for revision (server-side; Argo CD owns its status)."""
    root = render_root(root_manifest, repo_url, revision, values_file)
    KubectlApplications(kubeconfig, kubectl=kubectl).apply(root)
    return root


# -- the API the waiter needs ------------------------------------------------


class ApplicationsAPI(Protocol):
    """What wait_synced reads and does; KubectlApplications is the real one."""

    def applications(self) -> dict[str, Mapping[str, Any]]:
        """Every Application in Argo CD's namespace, by name."""
        ...

    def refresh(self, name: str) -> None:
        """Ask Argo CD to re-read git and re-compare now (hard refresh)."""
        ...

    def sync(self, name: str, revision: str) -> None:
        """Start a sync operation of name at revision."""
        ...

    def recent_events(self, namespace: str) -> list[str]:
        """The latest events in namespace, oldest first, one line each."""
        ...


class KubectlApplications:
    """ApplicationsAPI through kubectl (the pinned one by default)."""

    def __init__(
        self, kubeconfig: Path, namespace: str = NAMESPACE, *, kubectl: Path | None = None
    ) -> None:
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self._kubectl = kubectl

    def _run(self, *args: str, input_text: str | None = None) -> str:
        binary = self._kubectl or tool_path("kubernetes", "kubectl")
        argv = [str(binary), f"--kubeconfig={self.kubeconfig}", *args]
        return run(argv, timeout=KUBECTL_TIMEOUT, input_text=input_text).stdout

    def apply(self, manifest: Mapping[str, Any]) -> None:
        server_side = ("--server-side", "--field-manager=chaosgate", "--force-conflicts")
        self._run("apply", *server_side, "-f", "-", input_text=json.dumps(manifest))

    def applications(self) -> dict[str, Mapping[str, Any]]:
        out = self._run("get", "applications.argoproj.io", "-n", self.namespace, "-o", "json")
        items = json.loads(out).get("items") or []
        return {str(item["metadata"]["name"]): item for item in items}

    def refresh(self, name: str) -> None:
        app = ("applications.argoproj.io", name, "-n", self.namespace)
        self._run("annotate", *app, "--overwrite", f"{REFRESH_ANNOTATION}=hard")

    def sync(self, name: str, revision: str) -> None:
        patch = json.dumps({"operation": sync_operation(revision)})
        self._run(
            "patch",
            "applications.argoproj.io",
            name,
            "-n",
            self.namespace,
            "--type=merge",
            "-p",
            patch,
        )

    def recent_events(self, namespace: str) -> list[str]:
        out = self._run("get", "events", "-n", namespace, "-o", "json")
        return format_events(json.loads(out).get("items") or [])


def sync_operation(revision: str) -> dict[str, Any]:
    """The .operation Argo CD runs: what `argocd app sync --revision` would start."""
    return {
        "initiatedBy": {"username": "chaosgate"},
        "sync": {"revision": revision, "prune": True},
        "retry": {"limit": 2},
    }


def format_events(items: Sequence[Mapping[str, Any]], limit: int = RECENT_EVENTS) -> list[str]:
    """The last limit events as 'time type reason kind/name: message', oldest first."""

    def when(event: Mapping[str, Any]) -> str:
        meta = event.get("metadata") or {}
        return str(
            event.get("lastTimestamp") or event.get("eventTime") or meta.get("creationTimestamp")
        )

    lines = []
    for event in sorted(items, key=when)[-limit:]:
        obj = event.get("involvedObject") or {}
        count = f" (x{event['count']})" if (event.get("count") or 0) > 1 else ""
        lines.append(
            f"{when(event)} {event.get('type', '')} {event.get('reason', '')} "
            f"{obj.get('kind', '')}/{obj.get('name', '')}: {event.get('message', '')}{count}"
        )
    return lines


# -- waiting -----------------------------------------------------------------


@dataclass(frozen=True)
class WaitSettings:
    """How wait_synced polls and when it steps in.

    nudge_after: seconds an Application may sit unsynced, with no operation
      running, before the harness starts a sync operation itself (automated
      sync normally starts well before).
    degraded_grace: Degraded at the revision fails the wait only if it lasts
      this long (pods being replaced can be Degraded for a moment).
    """

    timeout: float = 300.0
    settle: float = 5.0
    interval: float = 1.0
    nudge_after: float = 15.0
    degraded_grace: float = 20.0
    # Namespaces whose events a timeout report shows (the stack's, Argo CD's).
    event_namespaces: tuple[str, ...] = ("heart", NAMESPACE)


@dataclass(frozen=True)
class SyncResult:
    """The Applications at the moment they had been synced for the settle window."""

    revision: str
    elapsed: float
    statuses: Mapping[str, AppStatus]
    nudged: tuple[str, ...]


@dataclass
class _Progress:
    """What the waiter remembers about one Application between polls.

    fresh: Argo CD has reconciled it since the waiter asked for a refresh. The
      controller drops the refresh annotation in the same write that stores the
      status it computed, so once the annotation is gone the status is newer
      than the request; before that it may be a leftover of an earlier run.
    """

    refreshed: bool = False
    fresh: bool = False
    unsynced_since: float | None = None
    degraded_since: float | None = None


@dataclass
class SyncWaiter:
    """Polls the Applications until all are Synced+Healthy at revision for settle seconds."""

    api: ApplicationsAPI
    names: Sequence[str]
    revision: str
    settings: WaitSettings = field(default_factory=WaitSettings)
    clock: Clock = field(default_factory=SystemClock)
    _progress: dict[str, _Progress] = field(default_factory=dict)
    _settled_since: float | None = None
    _nudged: list[str] = field(default_factory=list)

    def wait(self) -> SyncResult:
        """Return once settled; raise SyncFailed on a failure, SyncTimeout at the deadline."""
        start = self.clock.now()
        deadline = start + self.settings.timeout
        while True:
            objects = self.api.applications()
            now = self.clock.now()
            present = {n: objects[n] for n in self.names if n in objects}
            if self._poll(present, now):
                statuses = {n: app_status(obj) for n, obj in present.items()}
                return SyncResult(self.revision, now - start, statuses, tuple(self._nudged))
            if now >= deadline:
                raise self._timeout({n: app_status(obj) for n, obj in present.items()})
            self.clock.sleep(min(self.settings.interval, max(deadline - now, 0.0)))

    def _poll(self, present: Mapping[str, Mapping[str, Any]], now: float) -> bool:
        """One look at every Application; True once all have been done for settle seconds."""
        done = []
        for name, obj in present.items():
            progress = self._progress.setdefault(name, _Progress())
            status = app_status(obj)
            self._track_refresh(name, obj, progress)
            self._check_failure(status, progress, now)
            done.append(progress.fresh and synced_at(status, self.revision))
            if done[-1]:
                progress.unsynced_since = None
            else:
                self._nudge(name, status, obj, progress, now)
        if len(done) < len(self.names) or not all(done):
            self._settled_since = None
            return False
        if self._settled_since is None:
            self._settled_since = now
        return now - self._settled_since >= self.settings.settle

    def _track_refresh(self, name: str, obj: Mapping[str, Any], progress: _Progress) -> None:
        """Ask for a hard refresh at first sight; note when Argo CD has done it."""
        if not progress.refreshed:
            self.api.refresh(name)
            progress.refreshed = True
            return
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        progress.fresh = progress.fresh or REFRESH_ANNOTATION not in annotations

    def _check_failure(self, status: AppStatus, progress: _Progress, now: float) -> None:
        reason = failed_at(status, self.revision)
        if reason is None:
            progress.degraded_since = None
            return
        if status.operation_phase not in ("Failed", "Error"):
            # Degraded only: fail if it lasts (a pod being replaced is Degraded briefly).
            if progress.degraded_since is None:
                progress.degraded_since = now
            if now - progress.degraded_since < self.settings.degraded_grace:
                return
        raise SyncFailed(
            f"Argo CD could not deploy {status.name} at {self.revision[:12]}: {reason}",
            status.name,
            reason,
        )

    def _nudge(
        self,
        name: str,
        status: AppStatus,
        obj: Mapping[str, Any],
        progress: _Progress,
        now: float,
    ) -> None:
        """Start a sync if automated sync has not started one within nudge_after."""
        if progress.unsynced_since is None:
            progress.unsynced_since = now
        waited = now - progress.unsynced_since
        if waited >= self.settings.nudge_after and self._may_start_sync(status, obj):
            log.info("starting a sync of %s at %s", name, self.revision[:12])
            self.api.sync(name, self.revision)
            self._nudged.append(name)
            progress.unsynced_since = now  # give that operation its own time

    def _may_start_sync(self, status: AppStatus, obj: Mapping[str, Any]) -> bool:
        """Only when it would help: out of sync, idle, and the spec already wants revision.

        A child whose spec still names an older revision waits for its parent to
        update it; syncing it to another revision would be reverted.
        """
        target = str(((obj.get("spec") or {}).get("source") or {}).get("targetRevision", ""))
        busy = "operation" in obj or status.operation_phase in ("Running", "Terminating")
        synced = status.sync == "Synced" and revisions_match(status.revision, self.revision)
        return not busy and not synced and revisions_match(target, self.revision)

    def _timeout(self, statuses: Mapping[str, AppStatus]) -> SyncTimeout:
        lines = [
            f"Argo CD did not get {', '.join(self.names)} Synced and Healthy at "
            f"{self.revision} within {self.settings.timeout:.0f} s:"
        ]
        for name in self.names:
            status = statuses.get(name)
            lines += _describe(name, status, self.revision)
        for namespace in self.settings.event_namespaces:
            events = self.api.recent_events(namespace)
            lines.append(
                f"Recent events in {namespace}:" if events else f"No events in {namespace}."
            )
            lines += [f"  {event}" for event in events]
        return SyncTimeout("\n".join(lines))


def _describe(name: str, status: AppStatus | None, revision: str) -> list[str]:
    if status is None:
        return [f"- {name}: not found (its parent Application has not created it)"]
    at = status.revision[:12] or "none"
    stale = "" if revisions_match(status.revision, revision) else f", wanted {revision[:12]}"
    operation = status.operation_phase or "none"
    if status.operation_message:
        operation += f": {status.operation_message}"
    return [
        f"- {name}: sync={status.sync} health={status.health} revision={at}{stale} "
        f"operation={operation}",
        f"    {describe_unhealthy(status)}",
    ]


def wait_synced(
    kubeconfig: Path,
    app_names: Sequence[str],
    revision: str,
    timeout: float = 300.0,
    settle: float = 5.0,
    *,
    api: ApplicationsAPI | None = None,
    clock: Clock | None = None,
    settings: WaitSettings | None = None,
) -> SyncResult:
    """Wait until every Application in app_names is Synced+Healthy at revision, settled.

    revision must be the full SHA the root was applied with (children get the
    same SHA from their parent).
    """
    tuned = replace(settings or WaitSettings(), timeout=timeout, settle=settle)
    waiter = SyncWaiter(
        api or KubectlApplications(kubeconfig), app_names, revision, tuned, clock or SystemClock()
    )
    return waiter.wait()

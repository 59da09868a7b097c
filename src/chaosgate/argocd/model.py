"""The parts of an Argo CD Application the harness reads, and the decision "synced at R".

The same JSON shape comes from the Kubernetes API (the Application resource)
and from Argo CD's REST API, so one parser serves both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ResourceStatus:
    kind: str
    name: str
    namespace: str
    sync: str
    health: str
    message: str


@dataclass(frozen=True)
class AppStatus:
    """An Application's sync and health as last reconciled."""

    name: str
    sync: str  # Synced | OutOfSync | Unknown
    health: str  # Healthy | Progressing | Degraded | Missing | Suspended | Unknown
    revision: str  # the revision status.sync compared against
    operation_phase: str  # Running | Succeeded | Failed | Error | Terminating | "" (none)
    operation_revision: str
    operation_message: str
    conditions: tuple[str, ...]
    resources: tuple[ResourceStatus, ...]


def _get(obj: Mapping[str, Any], *path: str) -> Any:
    current: Any = obj
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def app_status(application: Mapping[str, Any]) -> AppStatus:
    """Parse an Application object (from either API) into an AppStatus."""
    status = application.get("status") or {}
    operation = status.get("operationState") or {}
    resources = tuple(
        ResourceStatus(
            kind=str(r.get("kind", "")),
            name=str(r.get("name", "")),
            namespace=str(r.get("namespace", "")),
            sync=str(r.get("status", "")),
            health=str(_get(r, "health", "status") or ""),
            message=str(_get(r, "health", "message") or ""),
        )
        for r in status.get("resources") or []
    )
    return AppStatus(
        name=str(_get(application, "metadata", "name") or ""),
        sync=str(_get(status, "sync", "status") or "Unknown"),
        health=str(_get(status, "health", "status") or "Unknown"),
        revision=str(_get(status, "sync", "revision") or ""),
        operation_phase=str(operation.get("phase") or ""),
        operation_revision=str(_get(operation, "syncResult", "revision") or ""),
        operation_message=str(operation.get("message") or ""),
        conditions=tuple(
            f"{c.get('type', '')}: {c.get('message', '')}" for c in status.get("conditions") or []
        ),
        resources=resources,
    )


def revisions_match(actual: str, wanted: str) -> bool:
    """Whether a reconciled revision is the wanted one (a full SHA or its prefix)."""
    return bool(actual) and bool(wanted) and (actual == wanted or actual.startswith(wanted))


def synced_at(status: AppStatus, revision: str) -> bool:
    """Synced and Healthy at exactly revision, with no operation pending or failed.

    A Synced status for an older revision is stale, so it does not count. A
    failed operation of an older revision does not block: when the new
    revision changes nothing in an Application, Argo CD starts no new
    operation and the old failure stays in the status.
    """
    return (
        status.sync == "Synced"
        and status.health == "Healthy"
        and revisions_match(status.revision, revision)
        and _operation_allows(status, revision)
    )


def _operation_allows(status: AppStatus, revision: str) -> bool:
    if status.operation_phase in ("", "Succeeded"):
        return True
    stale = not revisions_match(status.operation_revision, revision)
    return status.operation_phase in ("Failed", "Error") and stale


def failed_at(status: AppStatus, revision: str) -> str | None:
    """Why the sync of revision has failed for good, or None if it has not (yet)."""
    if status.operation_phase in ("Failed", "Error") and revisions_match(
        status.operation_revision or status.revision, revision
    ):
        return f"sync operation {status.operation_phase}: {status.operation_message}"
    if status.health == "Degraded" and revisions_match(status.revision, revision):
        return "health Degraded: " + describe_unhealthy(status)
    return None


def describe_unhealthy(status: AppStatus) -> str:
    """One line per resource that is not Synced and Healthy, for timeout reports."""
    lines = [
        f"{r.kind}/{r.namespace}/{r.name}: sync={r.sync or '-'} health={r.health or '-'}"
        + (f" ({r.message})" if r.message else "")
        for r in status.resources
        if r.sync != "Synced" or r.health not in ("Healthy", "")
    ]
    return "; ".join(lines + list(status.conditions)) or "no resource reported a problem"

"""The Argo CD objects the harness puts in a cluster, as plain manifests (no API calls).

Defaults come from the pinned upstream install manifest (manifests/install.yaml
of the Argo CD module), so the local processes see the same argocd-cm resource
exclusions and ignore rules as an in-cluster install; the harness only layers
its own settings on top. Both the local processes (local.py) and the
in-cluster install (incluster.py) use the same settings.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chaosgate.argocd.errors import ArgoCDError
from chaosgate.tools.cache import ToolCache

NAMESPACE = "argocd"
PART_OF = {"app.kubernetes.io/part-of": "argocd"}
# ConfigMaps of install.yaml the controller and repo-server read; the
# notifications one belongs to a component the harness does not run.
CONFIG_MAPS = (
    "argocd-cm",
    "argocd-cmd-params-cm",
    "argocd-rbac-cm",
    "argocd-gpg-keys-cm",
    "argocd-ssh-known-hosts-cm",
    "argocd-tls-certs-cm",
)
CRD_FILES = ("application-crd.yaml", "applicationset-crd.yaml", "appproject-crd.yaml")
CRD_NAMES = ("applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io")


@dataclass(frozen=True)
class Tuning:
    """How eagerly Argo CD reconciles; defaults suit tests (seconds, not minutes).

    reconciliation_seconds: how often every Application is re-compared with git
      (upstream: 120 s plus up to 60 s jitter). The harness also asks for a hard
      refresh when it waits, so this only bounds how late drift is noticed.
    persist_resource_health: keep each resource's health in the Application's
      status (off by default since Argo CD 3.0); timeout reports name the
      unhealthy resources from it.
    """

    reconciliation_seconds: int = 10
    reconciliation_jitter_seconds: int = 0
    persist_resource_health: bool = True
    status_processors: int = 4
    operation_processors: int = 4
    # Extra argocd-cm keys, e.g. the heart stack's Application health check.
    extra_settings: Mapping[str, str] = field(default_factory=dict)

    def argocd_cm(self) -> dict[str, str]:
        """argocd-cm keys (in-cluster, the controller reads the timeouts as env from here)."""
        return {
            "timeout.reconciliation": f"{self.reconciliation_seconds}s",
            "timeout.reconciliation.jitter": f"{self.reconciliation_jitter_seconds}s",
            **self.extra_settings,
        }

    def cmd_params(self) -> dict[str, str]:
        """argocd-cmd-params-cm keys, read as env by the in-cluster controller."""
        return {
            "controller.resource.health.persist": str(self.persist_resource_health).lower(),
            "controller.status.processors": str(self.status_processors),
            "controller.operation.processors": str(self.operation_processors),
        }

    def controller_flags(self) -> list[str]:
        """The same settings as application-controller flags (local processes)."""
        return [
            f"--app-resync={self.reconciliation_seconds}",
            f"--app-resync-jitter={self.reconciliation_jitter_seconds}",
            f"--persist-resource-health={str(self.persist_resource_health).lower()}",
            f"--status-processors={self.status_processors}",
            f"--operation-processors={self.operation_processors}",
        ]


def manifests_dir(cache: ToolCache | None = None) -> Path:
    """The pinned Argo CD manifests (copied from the module next to the binary)."""
    path = (cache or ToolCache.default()).version_dir("argocd") / "manifests"
    if not (path / "install.yaml").is_file():
        raise ArgoCDError(
            f"The pinned Argo CD manifests are missing from {path}; run "
            "`chaosgate tools build argocd`."
        )
    return path


def load_documents(path: Path) -> list[dict[str, Any]]:
    """The non-empty YAML documents of a manifest file.

    libyaml's loader when present: install.yaml is ~27,000 lines, 4 s for the
    pure-Python loader against under 1 s.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = yaml.load_all(path.read_text(), Loader=loader)
    return [doc for doc in docs if isinstance(doc, dict)]


def settings_overlay(path: Path) -> dict[str, str]:
    """The data keys of a ConfigMap manifest, e.g. gitops/argocd/config/argocd-cm.yaml."""
    doc = yaml.safe_load(path.read_text())
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ArgoCDError(f"{path} must be a ConfigMap whose data values are strings.")
    return {str(key): value for key, value in data.items()}


def _named(docs: Iterable[Mapping[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for doc in docs:
        if doc.get("kind") == kind and doc.get("metadata", {}).get("name") == name:
            return dict(doc)
    raise ArgoCDError(f"The pinned install.yaml has no {kind} {name}; is the manifest complete?")


def _in_namespace(doc: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    metadata = dict(doc.get("metadata") or {})
    metadata["namespace"] = namespace
    # Argo CD watches only ConfigMaps carrying this label.
    metadata["labels"] = {**(metadata.get("labels") or {}), **PART_OF}
    return {**doc, "metadata": metadata}


def config_maps(
    install_docs: Iterable[Mapping[str, Any]], tuning: Tuning, namespace: str = NAMESPACE
) -> list[dict[str, Any]]:
    """install.yaml's ConfigMaps with the harness's settings merged into their data."""
    docs = list(install_docs)
    overlays = {"argocd-cm": tuning.argocd_cm(), "argocd-cmd-params-cm": tuning.cmd_params()}
    result = []
    for name in CONFIG_MAPS:
        cm = _in_namespace(_named(docs, "ConfigMap", name), namespace)
        cm["data"] = {**(cm.get("data") or {}), **overlays.get(name, {})}
        result.append(cm)
    return result


def overlay_config_maps(tuning: Tuning, namespace: str = NAMESPACE) -> list[dict[str, Any]]:
    """Only the harness's keys, for a server-side apply beside install.yaml's own keys."""
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(PART_OF)},
            "data": data,
        }
        for name, data in (
            ("argocd-cm", tuning.argocd_cm()),
            ("argocd-cmd-params-cm", tuning.cmd_params()),
        )
    ]


def argocd_secret(
    install_docs: Iterable[Mapping[str, Any]], namespace: str = NAMESPACE, key: bytes | None = None
) -> dict[str, Any]:
    """argocd-secret with a server.secretkey (normally generated by the API server)."""
    secret = _in_namespace(_named(install_docs, "Secret", "argocd-secret"), namespace)
    signing_key = key or secrets.token_bytes(32)
    secret["data"] = {"server.secretkey": base64.b64encode(signing_key).decode()}
    return secret


def default_project(namespace: str = NAMESPACE) -> dict[str, Any]:
    """AppProject default, permissive as upstream creates it (its API server does, normally)."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "default", "namespace": namespace},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }


def namespace_manifest(namespace: str = NAMESPACE) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}


def as_list(items: Iterable[Mapping[str, Any]]) -> str:
    """Manifests as one v1 List in YAML, for `kubectl apply -f -`."""
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": list(items)})

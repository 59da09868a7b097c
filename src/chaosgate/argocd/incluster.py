"""Argo CD installed inside a cluster from the pinned upstream manifest (the kind provider).

Where pods really run, Argo CD runs as upstream ships it: manifests/install.yaml
of the pinned Argo CD module, applied server-side (its CRDs are too big for a
client-side apply). The harness's settings (config.Tuning, plus extra argocd-cm
keys such as the heart stack's Application health check) are applied first,
under their own field manager, so install.yaml's keys and ours sit side by side
in the same ConfigMaps, and the controller starts with them (it reads
argocd-cmd-params-cm as env only at start).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaosgate.argocd.config import (
    NAMESPACE,
    Tuning,
    as_list,
    default_project,
    load_documents,
    manifests_dir,
    namespace_manifest,
    overlay_config_maps,
)
from chaosgate.argocd.errors import ArgoCDError
from chaosgate.argocd.localize import LocalArgoCDImages, localize_install
from chaosgate.errors import CommandError
from chaosgate.process import run
from chaosgate.tools.cache import tool_path

SERVER_SIDE = ("apply", "--server-side", "--force-conflicts")
WORKLOAD_KINDS = {"Deployment": "deployment", "StatefulSet": "statefulset"}


@dataclass(frozen=True)
class InstallResult:
    """What was rolled out and how long the install took."""

    workloads: tuple[str, ...]
    seconds: float


def workloads(install_yaml: Path) -> list[str]:
    """kubectl names (kind/name) of the Deployments and StatefulSets in install.yaml."""
    return _workload_names(load_documents(install_yaml))


def _workload_names(docs: list[dict[str, Any]]) -> list[str]:
    return [
        f"{WORKLOAD_KINDS[doc['kind']]}/{doc['metadata']['name']}"
        for doc in docs
        if doc.get("kind") in WORKLOAD_KINDS
    ]


@dataclass(frozen=True)
class _Kubectl:
    binary: str
    kubeconfig: Path

    def __call__(self, *args: str, input_text: str | None = None, timeout: float = 300.0) -> None:
        argv = [self.binary, f"--kubeconfig={self.kubeconfig}", *args]
        run(argv, timeout=timeout, input_text=input_text)


def install_in_cluster(
    kubeconfig: Path,
    *,
    tuning: Tuning | None = None,
    namespace: str = NAMESPACE,
    kubectl: Path | None = None,
    manifests: Path | None = None,
    rollout_timeout: float = 600.0,
    local_images: LocalArgoCDImages | None = None,
) -> InstallResult:
    """Install Argo CD in the cluster of kubeconfig and wait until it has rolled out.

    With local_images, only the workloads the harness needs are installed, on
    images built here (see localize.py); otherwise install.yaml as shipped.
    """
    started = time.monotonic()
    install_yaml = (manifests or manifests_dir()) / "install.yaml"
    k = _Kubectl(str(kubectl or tool_path("kubernetes", "kubectl")), kubeconfig)
    overlays = overlay_config_maps(tuning or Tuning(), namespace)
    docs = load_documents(install_yaml)
    _refuse_shared_keys(docs, overlays)
    settings = [namespace_manifest(namespace), *overlays]
    k(*SERVER_SIDE, "--field-manager=chaosgate", "-f", "-", input_text=as_list(settings))
    if local_images is None:
        k(*SERVER_SIDE, "-n", namespace, "-f", str(install_yaml))
        names = workloads(install_yaml)
    else:
        docs = localize_install(docs, local_images)
        k(*SERVER_SIDE, "-n", namespace, "-f", "-", input_text=as_list(docs))
        names = _workload_names(docs)
    # The API server creates the default project when it starts; applying it
    # here means a root Application applied right after never races it.
    project = as_list([default_project(namespace)])
    k(*SERVER_SIDE, "--field-manager=chaosgate", "-f", "-", input_text=project)
    for name in names:
        _rollout(k, name, namespace, rollout_timeout)
    return InstallResult(tuple(names), time.monotonic() - started)


def _refuse_shared_keys(install_docs: list[dict[str, Any]], overlays: list[dict[str, Any]]) -> None:
    """Our keys must not also be upstream's: install.yaml's apply would silently win."""
    upstream = {
        (doc["metadata"]["name"], key)
        for doc in install_docs
        if doc.get("kind") == "ConfigMap"
        for key in doc.get("data") or {}
    }
    shared = sorted(
        f"{cm['metadata']['name']}: {key}"
        for cm in overlays
        for key in cm["data"]
        if (cm["metadata"]["name"], key) in upstream
    )
    if shared:
        raise ArgoCDError(
            f"The pinned install.yaml already sets {', '.join(shared)}; the harness's value "
            "would be overwritten. Drop it from the harness settings or patch it after install."
        )


def _rollout(k: _Kubectl, name: str, namespace: str, timeout: float) -> None:
    try:
        k(
            "rollout",
            "status",
            name,
            "-n",
            namespace,
            f"--timeout={timeout:.0f}s",
            timeout=timeout + 30,
        )
    except CommandError as exc:
        raise ArgoCDError(
            f"Argo CD's {name} did not roll out in namespace {namespace}: {exc}\n"
            f"Look at `kubectl -n {namespace} describe {name}` and its pods' events; "
            "a pod stuck in ImagePullBackOff means the node cannot reach quay.io."
        ) from exc

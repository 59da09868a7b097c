"""Argo CD's pinned install manifest, trimmed and pointed at images built here.

On a cluster whose nodes cannot reach a registry (the offline kind node image),
every Argo CD container must run an image preloaded in the nodes and never try
to pull. The harness needs the application controller, the repo-server and
Redis; the API server, Dex, the ApplicationSet and notifications controllers
are left out, which also keeps a 2-core machine's cluster light. Everything
else in install.yaml (CRDs, RBAC, ConfigMaps, Services) is kept as shipped.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KEPT_WORKLOADS = frozenset({"argocd-application-controller", "argocd-repo-server", "argocd-redis"})
WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "Job", "CronJob"})
ARGOCD_IMAGE_PREFIX = "quay.io/argoproj/argocd"


@dataclass(frozen=True)
class LocalArgoCDImages:
    """The local builds that replace Argo CD's and Redis's registry images."""

    argocd: str
    redis: str


def _containers(pod_spec: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield from pod_spec.get("initContainers") or []
    yield from pod_spec.get("containers") or []


def _localize_container(container: dict[str, Any], images: LocalArgoCDImages) -> None:
    image = str(container.get("image", ""))
    if image.startswith(ARGOCD_IMAGE_PREFIX):
        container["image"] = images.argocd
    elif "redis" in image:
        container["image"] = images.redis
        # Upstream's image starts redis-server from its entrypoint and passes
        # only args; ours has no entrypoint, so name the program.
        container.setdefault("command", ["redis-server"])
    else:
        raise ValueError(f"install.yaml runs an image chaosgate does not build: {image}")
    container["imagePullPolicy"] = "Never"


# The repo-server verifies commit signatures with gpg when GPG is on (the
# default); our image has no gpg, and the harness signs nothing.
REPO_SERVER_ENV = {"name": "ARGOCD_GPG_ENABLED", "value": "false"}


def _without_gpg(workload: dict[str, Any]) -> None:
    if workload["metadata"]["name"] == "argocd-repo-server":
        for container in workload["spec"]["template"]["spec"]["containers"]:
            container.setdefault("env", []).append(dict(REPO_SERVER_ENV))


def localize_install(
    docs: Iterable[dict[str, Any]], images: LocalArgoCDImages
) -> list[dict[str, Any]]:
    """install.yaml's documents with only the kept workloads, each on local images."""
    out: list[dict[str, Any]] = []
    for doc in docs:
        if doc.get("kind") not in WORKLOAD_KINDS:
            out.append(doc)
        elif doc["metadata"]["name"] in KEPT_WORKLOADS:
            workload = copy.deepcopy(doc)
            for container in _containers(workload["spec"]["template"]["spec"]):
                _localize_container(container, images)
            _without_gpg(workload)
            out.append(workload)
    return out

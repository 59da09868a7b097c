"""One harness session: a cluster, Argo CD on it, and the heart stack synced at a revision.

The pytest plugin and the CLI both compose the same three steps, each a context
manager that undoes what it did on every exit path (unless the user asked to
keep the cluster):

    cluster_session(options)             -> ClusterInfo    (created, or adopted)
    argocd_session(cluster, options)     -> None           (local processes / in-cluster)
    deploy_heart_stack(cluster, options) -> HeartStack     (Synced+Healthy at the revision)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from chaosgate.argocd.config import Tuning, settings_overlay
from chaosgate.argocd.gitdaemon import GitDaemon, GitDaemonAddress, gateway_address
from chaosgate.argocd.gitrepo import ServedRepo, serve
from chaosgate.argocd.incluster import install_in_cluster
from chaosgate.argocd.local import LocalArgoCD, LocalArgoCDSettings
from chaosgate.argocd.localize import LocalArgoCDImages
from chaosgate.argocd.sync import SyncResult, apply_root, wait_synced
from chaosgate.errors import ChaosgateError, UsageError
from chaosgate.providers.base import (
    DEFAULT_NODES_PER_ZONE,
    ClusterInfo,
    ClusterProvider,
    ClusterSpec,
    default_nodes_per_zone,
)
from chaosgate.providers.registry import ProviderOptions, kind_image_source, provider_for
from chaosgate.providers.state import cluster_dir
from chaosgate.safety import require_chaos_allowed
from chaosgate.undo import refuse_unfinished_business
from chaosgate.versions import REPO_ROOT

log = logging.getLogger(__name__)

HEART_APPS = ("heart-root", "heart-redis", "heart-display")
HEART_NAMESPACE = "heart"
ROOT_MANIFEST = Path("gitops/argocd/root.yaml")
ARGOCD_SETTINGS_OVERLAY = Path("gitops/argocd/config/argocd-cm.yaml")


@dataclass(frozen=True)
class HarnessOptions:
    """What the user asked the harness for (CLI flags / pytest options)."""

    provider: str = "local"
    cluster_name: str = "chaosgate"
    keep_cluster: bool = False
    kubeconfig: Path | None = None
    allow_contexts: tuple[str, ...] = ()
    nodes_per_zone: int | None = None  # None: default_nodes_per_zone for the provider
    revision: str = "HEAD"
    gitops_snapshot: bool = False
    project: Path = field(default=REPO_ROOT)
    sync_timeout: float = 600.0
    kind_images: str | None = None  # official | local; None: $CHAOSGATE_KIND_IMAGES

    def provider_options(self) -> ProviderOptions:
        return ProviderOptions(self.kubeconfig, self.allow_contexts, self.kind_images)


@dataclass(frozen=True)
class HeartStack:
    """The heart stack as deployed by Argo CD at one revision."""

    cluster: ClusterInfo
    namespace: str
    repo: ServedRepo
    repo_url: str  # what the Applications name: file:// locally, git:// on kind
    revision: str
    values_file: str
    root_manifest: Path
    sync: SyncResult


def make_provider(options: HarnessOptions) -> ClusterProvider:
    """The provider for options.provider, built with what that backend needs."""
    return provider_for(options.provider, options.provider_options())


def nodes_per_zone(options: HarnessOptions, provider: str) -> int:
    """The user's --nodes-per-zone, else the provider's default for this machine (said once)."""
    if options.nodes_per_zone is not None:
        return options.nodes_per_zone
    cores = os.cpu_count()
    chosen = default_nodes_per_zone(provider, cores)
    if chosen != DEFAULT_NODES_PER_ZONE:
        log.info(
            "%s: %d node(s) per zone on this %s-core machine (--nodes-per-zone to change it)",
            provider,
            chosen,
            cores,
        )
    return chosen


@contextmanager
def cluster_session(options: HarnessOptions) -> Iterator[ClusterInfo]:
    """Create (or adopt) the cluster; delete it afterwards unless asked to keep it."""
    refuse_unfinished_business(options.provider, options.cluster_name)
    provider = make_provider(options)
    spec = ClusterSpec(
        name=options.cluster_name,
        nodes_per_zone=nodes_per_zone(options, provider.name),
        keep_on_failure=options.keep_cluster,
    )
    info = provider.up(spec)
    try:
        # Every run changes the cluster (the heart stack, then chaos): refuse a
        # cluster the user did not allow before anything is applied to it.
        require_chaos_allowed(info)
        yield info
    finally:
        if options.keep_cluster or info.provider == "existing":
            log.warning("keeping cluster %s: kubeconfig %s", info.name, info.kubeconfig)
        else:
            _delete_quietly(provider, info.name)


def _delete_quietly(provider: ClusterProvider, name: str) -> None:
    # Teardown must not hide the error that got us here; log its own failure.
    try:
        provider.down(name)
    except ChaosgateError as exc:
        log.error("could not delete cluster %s: %s", name, exc)


def _tuning(options: HarnessOptions) -> Tuning:
    return Tuning(extra_settings=settings_overlay(options.project / ARGOCD_SETTINGS_OVERLAY))


@contextmanager
def argocd_session(cluster: ClusterInfo, options: HarnessOptions) -> Iterator[None]:
    """Argo CD for the cluster: local processes (local), in-cluster (kind), or as found."""
    if cluster.provider == "local":
        settings = LocalArgoCDSettings(tuning=_tuning(options))
        with LocalArgoCD.for_cluster(cluster, settings):
            yield
    elif cluster.provider == "kind":
        install_in_cluster(
            cluster.kubeconfig, tuning=_tuning(options), local_images=_local_argocd(options)
        )
        with _git_daemon(cluster):
            yield
    else:
        yield  # an existing cluster brings its own Argo CD


def _local_argocd(options: HarnessOptions) -> LocalArgoCDImages | None:
    """Argo CD on images built here when the kind nodes are the offline ones."""
    if kind_image_source(options.provider_options()) != "local":
        return None
    from chaosgate.containers.node_image import cluster_images
    from chaosgate.tools.cache import ToolCache

    images = cluster_images(ToolCache.default().versions)
    return LocalArgoCDImages(argocd=images.argocd, redis=images.redis)


def _served_bare_repo(cluster: ClusterInfo) -> Path:
    return cluster_dir(cluster.provider, cluster.name) / "gitops.git"


def _git_daemon_address(cluster: ClusterInfo) -> GitDaemonAddress:
    """Where pods of a kind cluster reach the host: its network's gateway."""
    from chaosgate.providers.kind_network import find_network

    network = find_network(cluster.name)
    if network is None or not network.subnet:
        raise ChaosgateError(
            f"kind cluster {cluster.name} has no chaosgate network; recreate it with "
            f"`chaosgate cluster up --provider kind --name {cluster.name}`."
        )
    return GitDaemonAddress(gateway_address(network.subnet))


def _git_daemon(cluster: ClusterInfo) -> GitDaemon:
    bare = _served_bare_repo(cluster)
    log_path = bare.parent / "git-daemon.log"
    return GitDaemon(bare, _git_daemon_address(cluster), log_path)


def repo_url_for(cluster: ClusterInfo, repo: ServedRepo) -> str:
    """The repoURL Argo CD fetches from: the host path locally, the git daemon on kind."""
    if cluster.provider == "kind":
        return _git_daemon_address(cluster).url(repo.path)
    return repo.url


BACKEND_LABELS = {
    "local": "local (real control plane and Argo CD, kwok-simulated pods)",
    "kind": "kind (real pods)",
    "existing": "existing (real pods)",
}


def backend_label(cluster: ClusterInfo) -> str:
    """Which backend produced a verdict, in a few words for reports."""
    return BACKEND_LABELS.get(cluster.provider, cluster.provider)


VALUES_FILES = {
    "local": "gitops/values/local.yaml",  # kwok placement: pods go to the simulated nodes
    "kind": "gitops/values/kind.yaml",
    "existing": "gitops/values/existing.yaml",  # real nodes: no kwok placement
}


def values_file_for(provider: str) -> str:
    """The provider's values file, relative to the repository root."""
    try:
        return VALUES_FILES[provider]
    except KeyError:
        raise UsageError(
            f"No values file for provider {provider!r}; known: {', '.join(VALUES_FILES)}."
        ) from None


def deploy_heart_stack(cluster: ClusterInfo, options: HarnessOptions) -> HeartStack:
    """Serve gitops/ at the revision, apply the root Application, wait Synced+Healthy there."""
    repo, sha = serve(
        options.project,
        _served_bare_repo(cluster),
        revision=options.revision,
        snapshot=options.gitops_snapshot,
    )
    url = repo_url_for(cluster, repo)
    values = values_file_for(cluster.provider)
    root = options.project / ROOT_MANIFEST
    apply_root(cluster.kubeconfig, root, url, sha, values)
    result = wait_synced(cluster.kubeconfig, HEART_APPS, sha, timeout=options.sync_timeout)
    return HeartStack(cluster, HEART_NAMESPACE, repo, url, sha, values, root, result)


def publish_revision(stack: HeartStack, revision: str, timeout: float = 300.0) -> SyncResult:
    """Point the root Application at a new revision of the served repo and wait for it."""
    kubeconfig = stack.cluster.kubeconfig
    apply_root(kubeconfig, stack.root_manifest, stack.repo_url, revision, stack.values_file)
    return wait_synced(kubeconfig, HEART_APPS, revision, timeout=timeout)

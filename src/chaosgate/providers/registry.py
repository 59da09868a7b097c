"""Which cluster providers exist, and how each is built from the user's options.

Factories import their module lazily, so asking for one provider never loads
the others (or their dependencies).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from chaosgate.containers.engine import KIND_IMAGES_ENV
from chaosgate.errors import UsageError
from chaosgate.providers.base import ClusterProvider

# The names the CLI contract promises (`--provider kind|local|existing`).
PROVIDER_NAMES = ("local", "kind", "existing")
# CHAOSGATE_KIND_IMAGES (containers.engine, which reads it to refuse pulls):
# official, kindest/node from its registry; local, built here, nothing pulled.
KIND_IMAGE_SOURCES = ("official", "local")


@dataclass(frozen=True)
class ProviderOptions:
    """Backend-specific inputs: the existing provider's kubeconfig, kind's image source."""

    kubeconfig: Path | None = None
    allow_contexts: tuple[str, ...] = ()
    kind_images: str | None = None  # None: $CHAOSGATE_KIND_IMAGES, else official


def kind_image_source(options: ProviderOptions) -> str:
    """official or local, from the option or the environment; anything else is a UsageError."""
    source = options.kind_images or os.environ.get(KIND_IMAGES_ENV) or "official"
    if source not in KIND_IMAGE_SOURCES:
        raise UsageError(
            f"Unknown kind image source {source!r} (from --kind-images or {KIND_IMAGES_ENV}); "
            "choose official (kindest/node from its registry) or local (built here by "
            "`chaosgate images build`)."
        )
    return source


def _local(options: ProviderOptions) -> ClusterProvider:
    from chaosgate.providers.local import LocalProvider

    return LocalProvider()


def _kind(options: ProviderOptions) -> ClusterProvider:
    from chaosgate.providers.kind_setup import local_kind_provider, official_kind_provider

    if kind_image_source(options) == "local":
        return local_kind_provider()
    return official_kind_provider()


def _existing(options: ProviderOptions) -> ClusterProvider:
    from chaosgate.providers.existing import ExistingProvider
    from chaosgate.tools.cache import tool_path

    if options.kubeconfig is None:
        raise UsageError(
            "The existing provider needs --kubeconfig PATH, and the context to use as the "
            "cluster name (--cluster-name for `chaosgate run`, --name for `chaosgate cluster`)."
        )
    kubectl = tool_path("kubernetes", "kubectl")
    return ExistingProvider(options.kubeconfig, kubectl, options.allow_contexts)


PROVIDERS: dict[str, Callable[[ProviderOptions], ClusterProvider]] = {
    "local": _local,
    "kind": _kind,
    "existing": _existing,
}


def best_provider(options: ProviderOptions) -> tuple[str, ProviderOptions]:
    """kind where a Docker engine answers and a usable node image is present, else local.

    kind's official node image comes from a registry; without it (or the one
    `chaosgate images build` makes here) kind cannot create a cluster, so its
    mere installation is not enough. Where only the local node image exists and
    no source was asked for, kind runs on it.
    """
    from chaosgate.containers.engine import docker_answers
    from chaosgate.containers.images import image_exists
    from chaosgate.containers.node_image import node_image_tag
    from chaosgate.tools.cache import ToolCache

    if not docker_answers():
        return "local", options
    versions = ToolCache.default().versions
    asked = options.kind_images or os.environ.get(KIND_IMAGES_ENV)
    candidates = [asked] if asked else ["official", "local"]
    for source in candidates:
        kind_image_source(replace(options, kind_images=source))  # validates
        image = versions.images["kind-node"] if source == "official" else node_image_tag(versions)
        if image_exists(image):
            return "kind", replace(options, kind_images=source)
    return "local", options


def provider_for(name: str, options: ProviderOptions | None = None) -> ClusterProvider:
    """A new provider called name ("auto": the best available), or a UsageError."""
    options = options or ProviderOptions()
    if name == "auto":
        name, options = best_provider(options)
        if name == "kind" and options.kind_images:
            # Argo CD's install and the images the chart runs follow the node
            # image's source; say it once, for this whole process.
            os.environ[KIND_IMAGES_ENV] = options.kind_images
    factory = PROVIDERS.get(name)
    if factory is None:
        *first, last = PROVIDER_NAMES
        raise UsageError(f"Unknown provider {name!r}; choose {', '.join(first)} or {last}.")
    return factory(options)

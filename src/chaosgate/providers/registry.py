"""Which cluster providers exist, and how each is built from the user's options.

Factories import their module lazily, so asking for one provider never loads
the others (or their dependencies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chaosgate.errors import UsageError
from chaosgate.providers.base import ClusterProvider

# The names the CLI contract promises (`--provider kind|local|existing`).
PROVIDER_NAMES = ("local", "kind", "existing")


@dataclass(frozen=True)
class ProviderOptions:
    """Backend-specific inputs: only the existing provider reads them."""

    kubeconfig: Path | None = None
    allow_contexts: tuple[str, ...] = ()


def _local(options: ProviderOptions) -> ClusterProvider:
    from chaosgate.providers.local import LocalProvider

    return LocalProvider()


def _kind(options: ProviderOptions) -> ClusterProvider:
    from chaosgate.containers.images import image_refs
    from chaosgate.providers.kind import KindProvider
    from chaosgate.tools.cache import ToolCache, tool_path

    refs = image_refs()
    node_image = ToolCache.default().versions.images["kind-node"]
    return KindProvider(tool_path("kind"), node_image, (refs.heart, refs.redis))


def _existing(options: ProviderOptions) -> ClusterProvider:
    from chaosgate.providers.existing import ExistingProvider
    from chaosgate.tools.cache import tool_path

    if options.kubeconfig is None:
        raise UsageError(
            "The existing provider needs --kubeconfig PATH; --name is the context to use."
        )
    kubectl = tool_path("kubernetes", "kubectl")
    return ExistingProvider(options.kubeconfig, kubectl, options.allow_contexts)


PROVIDERS: dict[str, Callable[[ProviderOptions], ClusterProvider]] = {
    "local": _local,
    "kind": _kind,
    "existing": _existing,
}


def best_provider() -> str:
    """kind where a Docker engine answers and the pinned node image is present, else local.

    kind's node image comes from a registry; without it kind cannot create a
    cluster, so its mere installation is not enough.
    """
    from chaosgate.containers.engine import docker_answers
    from chaosgate.process import run
    from chaosgate.tools.cache import ToolCache

    if not docker_answers():
        return "local"
    node_image = ToolCache.default().versions.images["kind-node"]
    found = run(["docker", "image", "inspect", node_image], timeout=30, check=False)
    return "kind" if found.returncode == 0 else "local"


def provider_for(name: str, options: ProviderOptions | None = None) -> ClusterProvider:
    """A new provider called name ("auto": the best available), or a UsageError."""
    if name == "auto":
        name = best_provider()
    factory = PROVIDERS.get(name)
    if factory is None:
        *first, last = PROVIDER_NAMES
        raise UsageError(f"Unknown provider {name!r}; choose {', '.join(first)} or {last}.")
    return factory(options or ProviderOptions())

"""The existing provider: a cluster somebody else made, reached through a kubeconfig context.

chaosgate never creates or deletes such a cluster, and chaos in it is refused
unless the user named the context with --allow-context.

The user's kubeconfig may hold other contexts, and its current-context may be
any of them (prod, say). So the harness never hands that file on: it writes a
pinned copy holding the named context alone, as its current-context, and every
client it makes (the Kubernetes client, kubectl, the Chaos Toolkit actions,
Argo CD calls) reads that copy. No client can fall back to another context.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

from chaosgate.errors import ClusterError, ClusterNotFound, CommandError
from chaosgate.process import run
from chaosgate.providers.base import Capability, ClusterInfo, ClusterSpec
from chaosgate.providers.state import cluster_kubeconfig


class ExistingProvider:
    """Adopts a kubeconfig context; `name` is the context name."""

    name = "existing"

    def __init__(
        self, kubeconfig: Path, kubectl: Path, allowed_contexts: Collection[str] = ()
    ) -> None:
        self.kubeconfig = kubeconfig
        self.kubectl = str(kubectl)
        self.allowed_contexts = frozenset(allowed_contexts)

    def _contexts(self) -> list[str]:
        argv = [self.kubectl, "--kubeconfig", str(self.kubeconfig), "config", "get-contexts"]
        return run([*argv, "-o", "name"], timeout=30).stdout.split()

    def pin(self, context: str) -> Path:
        """Write the kubeconfig holding `context` only (its current-context); return its path."""
        argv = [self.kubectl, "--kubeconfig", str(self.kubeconfig), "config", "view"]
        # --flatten embeds certificate files, so the copy stands on its own.
        text = run([*argv, "--raw", "--minify", "--flatten", "--context", context], timeout=30)
        pinned = cluster_kubeconfig(self.name, context)
        pinned.parent.mkdir(parents=True, exist_ok=True)
        # It carries the user's credentials: readable by its owner only.
        fd = os.open(pinned, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(text.stdout)
        return pinned

    def up(self, spec: ClusterSpec) -> ClusterInfo:
        """Check that the context exists and its API server answers; create nothing."""
        return self.status(spec.name)

    def down(self, name: str) -> None:
        """Never deletes anything: the cluster is not ours."""
        raise ClusterError(
            f"Context {name} belongs to a cluster chaosgate did not create; it will not delete it."
        )

    def status(self, name: str) -> ClusterInfo:
        if not self.kubeconfig.is_file():
            raise ClusterNotFound(
                f"Kubeconfig {self.kubeconfig} does not exist; pass --kubeconfig."
            )
        if name not in self._contexts():
            raise ClusterNotFound(
                f"Context {name} is not in {self.kubeconfig}; "
                "`kubectl config get-contexts` lists the ones there."
            )
        pinned = self.pin(name)
        argv = [
            self.kubectl,
            "--kubeconfig",
            str(pinned),
            "--request-timeout",
            "10s",
            "get",
            "--raw",
            "/readyz",
        ]
        try:
            run(argv, timeout=30)
        except CommandError as exc:
            raise ClusterError(f"The API server of context {name} does not answer: {exc}") from exc
        capabilities = {Capability.REAL_PODS, Capability.REAL_OOM}
        if name in self.allowed_contexts:
            capabilities.add(Capability.CHAOS_ALLOWED)
        return ClusterInfo(
            name,
            self.name,
            pinned,
            frozenset(capabilities),
            ("existing cluster: created and owned by someone else",),
        )

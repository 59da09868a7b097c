"""Guards that keep chaos inside clusters the user allowed."""

from __future__ import annotations

from chaosgate.errors import UnsafeTarget
from chaosgate.providers.base import Capability, ClusterInfo


def require_chaos_allowed(cluster: ClusterInfo) -> None:
    """Raise UnsafeTarget unless the harness may drain and kill in this cluster."""
    if Capability.CHAOS_ALLOWED not in cluster.capabilities:
        raise UnsafeTarget(
            f"Refusing chaos in {cluster.provider} cluster {cluster.name}: chaosgate did not "
            f"create it. Pass --allow-context {cluster.name} if you really mean it."
        )

"""Where the harness keeps per-cluster files it owns (kubeconfigs, logs)."""

from __future__ import annotations

import os
from pathlib import Path


def state_root() -> Path:
    """CHAOSGATE_STATE moves it; default ~/.local/state/chaosgate."""
    base = os.environ.get("CHAOSGATE_STATE") or Path.home() / ".local" / "state" / "chaosgate"
    return Path(base)


def cluster_dir(provider: str, name: str) -> Path:
    """The directory for one cluster's files (not created here)."""
    return state_root() / "clusters" / provider / name


def cluster_kubeconfig(provider: str, name: str) -> Path:
    """The kubeconfig the harness keeps for one cluster (the only one its clients read)."""
    return cluster_dir(provider, name) / "kubeconfig"

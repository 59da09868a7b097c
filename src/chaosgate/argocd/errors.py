"""Errors of the Argo CD adapter: a sync that failed, a sync that never finished, a bad repo."""

from __future__ import annotations

from chaosgate.errors import ChaosgateError, UsageError


class ArgoCDError(ChaosgateError):
    """Argo CD could not be installed, started or driven."""


class SyncFailed(ArgoCDError):
    """An Application failed to sync (or went Degraded) at the revision under test."""

    def __init__(self, message: str, application: str, reason: str) -> None:
        super().__init__(message)
        self.application = application
        self.reason = reason


class SyncTimeout(ArgoCDError):
    """The Applications did not all reach Synced + Healthy at the revision in time."""


class DirtyTree(UsageError):
    """The tree to serve has uncommitted changes and no snapshot was asked for."""

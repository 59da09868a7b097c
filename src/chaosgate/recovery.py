"""`chaosgate recover`: replay the undo ledger's pending entries (see chaosgate.undo).

Each entry names an undoer and its arguments. An undoer is idempotent (the
change may have been undone already, by a rollback that ran after the entry
was written, or the cluster may be gone) and says in a few words what it did.
An entry leaves the ledger only when its undoer succeeded; one that fails
stays pending, and `recover` exits non-zero naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaosgate.errors import ChaosgateError, UnsafeTarget
from chaosgate.undo import Undo, UndoLedger

log = logging.getLogger(__name__)

Undoer = Callable[[Mapping[str, Any]], str]


def uncordon_zone(args: Mapping[str, Any]) -> str:
    """Uncordon the nodes of a zone that chaosgate cordoned, in the recorded context only."""
    # Imported here: recovering a stack entry must not need the Kubernetes client.
    from chaosgate.kube import zone_drain
    from chaosgate.kube.client import connect_kubeconfig, current_context

    kubeconfig, context, zone = Path(str(args["kubeconfig"])), str(args["context"]), args["zone"]
    if not kubeconfig.is_file():
        return f"nothing to do: {kubeconfig} is gone, and the cluster with it"
    found = current_context(kubeconfig)
    if found != context:
        raise UnsafeTarget(
            f"{kubeconfig} now points at context {found}, not {context} where zone {zone} was "
            f"cordoned; uncordon its nodes in {context} with kubectl."
        )
    with connect_kubeconfig(kubeconfig) as api:
        nodes = zone_drain.uncordon_zone(api, str(zone), say=log.info)
    return f"uncordoned {', '.join(nodes)}" if nodes else "no node of the zone was still cordoned"


def start_container(args: Mapping[str, Any]) -> str:
    """Start a stack container chaos stopped, if it still exists and is stopped."""
    from chaosgate.stack import docker_cli

    name = str(args["container"])
    try:
        state = docker_cli.inspect_one(name)
    except docker_cli.ContainerError:
        return f"nothing to do: container {name} is gone"
    if state.running:
        return f"container {name} is running already"
    docker_cli.start(name)
    return f"started container {name}"


# What the first part of a scope can be: the cluster providers, and the stack runtime.
SCOPE_PROVIDERS = ("local", "kind", "existing", "stack")

UNDOERS: dict[str, Undoer] = {
    "uncordon_zone": uncordon_zone,  # chaosgate.kube.zone_drain.UNCORDON_UNDO
    "start_container": start_container,  # chaosgate.chaos.stack_actions.START_CONTAINER_UNDO
}


@dataclass(frozen=True)
class Recovered:
    """What replaying one entry did."""

    entry: Undo
    outcome: str
    undone: bool

    def line(self) -> str:
        mark = "undone" if self.undone else "NOT undone"
        return f"{mark}: {self.entry.what} ({self.entry.scope}): {self.outcome}"


def recover(
    ledger: UndoLedger,
    *,
    provider: str | None = None,
    cluster: str | None = None,
    undoers: Mapping[str, Undoer] = UNDOERS,
) -> list[Recovered]:
    """Replay the pending entries of `provider` / `cluster` (all when None), oldest first."""
    results = [
        _replay(ledger, entry, undoers)
        for entry in ledger.pending()
        if _in(entry, provider, cluster)
    ]
    ledger.compact()
    return results


def _in(entry: Undo, provider: str | None, cluster: str | None) -> bool:
    # Scopes are "<provider>/<cluster>"; a run by hand has "kubeconfig:<path>".
    entry_provider, _, entry_cluster = entry.scope.partition("/")
    return (provider is None or entry_provider == provider) and (
        cluster is None or entry_cluster == cluster
    )


def _replay(ledger: UndoLedger, entry: Undo, undoers: Mapping[str, Undoer]) -> Recovered:
    undoer = undoers.get(entry.action)
    if undoer is None:
        known = ", ".join(sorted(undoers))
        return Recovered(entry, f"no undoer {entry.action!r} (known: {known})", False)
    try:
        outcome = undoer(entry.args)
    except ChaosgateError as exc:
        return Recovered(entry, str(exc), False)
    ledger.clear(entry)
    return Recovered(entry, outcome, True)

"""The undo ledger: how to undo each change, written to disk before the change is made.

Rollbacks and `finally` blocks undo chaos on every exit path the harness
lives through. A SIGKILL, an OOM kill of the harness or a lost machine is not
one of them: a zone stays cordoned, Redis stays stopped. So an action that
changes a cluster or the stack first appends an entry saying how to undo it
(flushed and fsynced), makes the change, and appends a "done" line for the
entry once it has undone it. Whatever has no "done" line is pending, and
`chaosgate recover` replays it (chaosgate.recovery).

The ledger is one JSON-lines file per machine (under the state directory),
appended under an exclusive lock, so the harness and a Chaos Toolkit run by
hand can share it. Each entry carries a scope, "<provider>/<cluster>" for
the clusters and stacks the harness runs, so `chaosgate run` can refuse a
cluster with unfinished business and `recover` can be told which one.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaosgate.errors import ConfigError, UnsafeTarget
from chaosgate.providers.state import state_root

LEDGER_NAME = "undo-ledger.jsonl"


def default_ledger_path() -> Path:
    """CHAOSGATE_UNDO_LEDGER moves it; default undo-ledger.jsonl in the state directory."""
    return Path(os.environ.get("CHAOSGATE_UNDO_LEDGER") or state_root() / LEDGER_NAME)


def scope_of(provider: str, cluster: str) -> str:
    """The scope of entries made in one harness cluster (or stack)."""
    return f"{provider}/{cluster}"


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class Undo:
    """One pending undo: which undoer to call with which arguments, and why."""

    action: str  # an undoer's name in chaosgate.recovery.UNDOERS
    args: Mapping[str, Any]  # JSON-able; everything the undoer needs, no live objects
    what: str  # the change, for people: "zone zone-a of cluster kind-x is cordoned"
    scope: str  # "<provider>/<cluster>", or "kubeconfig:<path>" for a run by hand
    entry_id: str = field(default_factory=_new_id)
    made_at: float = field(default_factory=time.time)

    def line(self) -> dict[str, Any]:
        return {
            "op": "pending",
            "id": self.entry_id,
            "action": self.action,
            "args": dict(self.args),
            "what": self.what,
            "scope": self.scope,
            "made_at": self.made_at,
        }

    @classmethod
    def from_line(cls, line: Mapping[str, Any]) -> Undo:
        return cls(
            action=str(line["action"]),
            args=dict(line.get("args") or {}),
            what=str(line.get("what", "")),
            scope=str(line.get("scope", "")),
            entry_id=str(line["id"]),
            made_at=float(line.get("made_at", 0.0)),
        )


class UndoLedger:
    """Append-only record of pending undos in one file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_ledger_path()

    def record(self, undo: Undo) -> Undo:
        """Write the entry durably; call it before making the change it undoes."""
        self._append(undo.line())
        return undo

    def clear(self, undo: Undo) -> None:
        """Mark the entry undone; call it only after the undo succeeded."""
        self._append({"op": "done", "id": undo.entry_id, "done_at": time.time()})

    def pending(self, scope: str | None = None) -> list[Undo]:
        """Entries not yet undone, oldest first (of one scope when given)."""
        entries = [e for e in self._pending() if scope is None or e.scope == scope]
        return sorted(entries, key=lambda e: e.made_at)

    def compact(self) -> None:
        """Rewrite the file with the pending entries only (nothing when none are)."""
        with self._locked() as handle:
            keep = _pending_from(handle.read(), self.path)
            handle.seek(0)
            handle.truncate()
            for entry in keep:
                handle.write(json.dumps(entry.line()) + "\n")
            _sync(handle)

    def _pending(self) -> list[Undo]:
        if not self.path.exists():
            return []
        with self._locked() as handle:
            return _pending_from(handle.read(), self.path)

    def _append(self, line: Mapping[str, Any]) -> None:
        with self._locked() as handle:
            handle.seek(0, os.SEEK_END)
            handle.write(json.dumps(line) + "\n")
            _sync(handle)

    @contextmanager
    def _locked(self) -> Iterator[Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            yield handle


def _sync(handle: Any) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _pending_from(text: str, path: Path) -> list[Undo]:
    entries: dict[str, Undo] = {}
    lines = text.splitlines()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            # A line cut short by a crash mid-write: the entry it began was never
            # complete, so the change after it was never made either.
            if number == len(lines):
                continue
            raise ConfigError(
                f"Line {number} of the undo ledger {path} is not JSON; repair or delete that "
                "line by hand, then run `chaosgate recover` again."
            ) from None
        if line.get("op") == "pending":
            entries[str(line["id"])] = Undo.from_line(line)
        elif line.get("op") == "done":
            entries.pop(str(line.get("id")), None)
    return list(entries.values())


@dataclass(frozen=True)
class UndoRecorder:
    """What an action holds to note its undos: the ledger and the scope it acts in."""

    ledger: UndoLedger
    scope: str

    def before_change(self, action: str, args: Mapping[str, Any], what: str) -> Undo:
        """Record how to undo a change about to be made; returns the entry to clear later."""
        return self.ledger.record(Undo(action, dict(args), what, self.scope))

    def undone(self, undo: Undo) -> None:
        self.ledger.clear(undo)

    def settle(self, action: str, **match: Any) -> None:
        """Clear this scope's pending `action` entries whose args include `match`.

        For a rollback that undoes what another call (the action it rolls back) noted.
        """
        for entry in self.ledger.pending(self.scope):
            if entry.action == action and all(entry.args.get(k) == v for k, v in match.items()):
                self.ledger.clear(entry)


def recorder_from(configuration: Mapping[str, Any] | None, default_scope: str) -> UndoRecorder:
    """The recorder a Chaos Toolkit action builds from its configuration.

    Keys: `undo_ledger` (a path; default the one `chaosgate recover` reads) and
    `undo_scope` (default `default_scope`, for an experiment run by hand).
    """
    settings = configuration or {}
    path = settings.get("undo_ledger")
    scope = settings.get("undo_scope") or default_scope
    return UndoRecorder(UndoLedger(Path(str(path)) if path else None), str(scope))


def refuse_unfinished_business(provider: str, cluster: str) -> None:
    """UnsafeTarget when an earlier run left changes in this cluster that were never undone."""
    pending = UndoLedger().pending(scope_of(provider, cluster))
    if pending:
        changes = "; ".join(entry.what for entry in pending)
        raise UnsafeTarget(
            f"An earlier run left changes in {provider} cluster {cluster} that were never "
            f"undone ({changes}); run `chaosgate recover --provider {provider} "
            f"--cluster-name {cluster}` first."
        )

"""FAULT records written by the Kubernetes fault injectors, and where they go.

The injectors (zone drain, pod kill, simulated OOM kill) write the FAULT
records the verdicts read (chaosgate.verdicts.records: start, landed,
refused, end) themselves, because only they see each eviction and its
answer. They hand each record to an `Emit`: a ClusterRecorder's emit when
called in-process, or a JSON-lines file when run by Chaos Toolkit (the
scenario merges that file into its timeline; a `chaos run` by hand keeps it
as evidence). Lines are appended one at a time, so an interrupted run still
leaves what it did.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chaosgate.timeline import FAULT, Record

log = logging.getLogger(__name__)

Emit = Callable[[Record], None]
INJECTOR = "chaos"  # the name of every FAULT record, as the Chaos Toolkit runner names its own


def fault(t: float, action: str, phase: str, **fields: Any) -> Record:
    """A FAULT record; `fields` first, so they cannot rename the action or the phase."""
    return Record(t, FAULT, INJECTOR, {**fields, "action": action, "phase": phase})


def discard(record: Record) -> None:
    """An Emit that only logs (e.g. a dry run, or nobody asked for the records)."""
    log.info("fault record (not kept): %s", record.to_json())


class JsonLinesEmit:
    """An Emit that appends each record to a JSON-lines file, from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def __call__(self, record: Record) -> None:
        log.info("fault record: %s", record.to_json())
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as out:
                out.write(record.to_json() + "\n")


def read_fault_records(path: Path) -> list[Record]:
    """The records a JsonLinesEmit wrote ([] if it wrote none)."""
    if not path.is_file():
        return []
    with path.open() as lines:
        return [Record.from_json(line) for line in lines if line.strip()]

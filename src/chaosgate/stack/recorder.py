"""A thread-safe collector of timeline records (observer thread, chaos runner, scenario)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from chaosgate.timeline import Record, Timeline, write_jsonl


class Recorder:
    """Appends records from any thread; emit is what producers are given."""

    def __init__(self) -> None:
        self._records: list[Record] = []
        self._lock = threading.Lock()

    def emit(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)

    def extend(self, records: Iterable[Record]) -> None:
        with self._lock:
            self._records.extend(records)

    def records(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def timeline(self) -> Timeline:
        return Timeline(self.records())

    def write(self, path: Path) -> Timeline:
        """Write the records, in time order, as JSON lines; return them as a Timeline."""
        timeline = self.timeline()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_jsonl(timeline, path)
        return timeline

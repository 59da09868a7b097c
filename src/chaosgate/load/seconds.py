"""Exact per-second load statistics, and their conversion into LOAD records. Pure, no locust.

Why not locust's own CSV history: each `--csv-full-history` row is written once
a second, but its Requests/s is `current_rps`, the mean of the seconds
[last-12, last-2) — a 10-second moving average that lags 2 s — and its
percentiles are "current" ones over roughly the last 10 s. A 2 s breaker
episode or a 0.5 s restart disappears in that smoothing. Only the cumulative
counters in those rows are exact. So the locustfile feeds every request into
SecondStats (one bucket per wall-clock second of completion) and writes one
JSON line per finished second; load_record() turns a line into a LOAD record.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaosgate.timeline import LOAD, Record

LOAD_RECORD_NAME = "locust"
SECONDS_FILE_ENV = "HEART_SECONDS_FILE"  # where the locustfile writes its JSON lines
DEGRADED_SUFFIX = " (degraded)"  # request-name suffix of a degraded 200


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of ascending values (0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return float(sorted_values[rank - 1])


@dataclass
class SecondBucket:
    """Every request that completed within one wall-clock second."""

    second: int
    response_times_ms: list[float] = field(default_factory=list)
    failures: int = 0
    degraded: int = 0

    @property
    def requests(self) -> int:
        return len(self.response_times_ms)

    def summary(self, users: int) -> dict[str, Any]:
        """The figures of a LOAD record. Percentiles include failed requests, as locust's do.

        A bucket exists only once a request completed in it, so requests >= 1.
        """
        times = sorted(self.response_times_ms)
        requests = self.requests
        return {
            "second": self.second,
            "rps": float(requests),
            "requests": requests,
            "failures": self.failures,
            "fail_ratio": self.failures / requests,
            "degraded": self.degraded,
            "degraded_ratio": self.degraded / requests,
            "p50_ms": round(percentile(times, 0.50), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "p99_ms": round(percentile(times, 0.99), 2),
            "max_ms": round(times[-1], 2),
            "users": users,
        }


class SecondStats:
    """Collects requests into per-second buckets; hands out the seconds that are over."""

    def __init__(self) -> None:
        self._buckets: dict[int, SecondBucket] = {}

    def add(
        self, completed_at: float, response_time_ms: float, failed: bool, degraded: bool
    ) -> None:
        second = int(completed_at)
        bucket = self._buckets.setdefault(second, SecondBucket(second))
        bucket.response_times_ms.append(response_time_ms)
        bucket.failures += int(failed)
        bucket.degraded += int(degraded and not failed)

    def pop_finished(self, now: float) -> list[SecondBucket]:
        """Buckets of seconds that ended before now, oldest first, removed from the collector."""
        finished = sorted(s for s in self._buckets if s < int(now))
        return [self._buckets.pop(s) for s in finished]

    def pop_all(self) -> list[SecondBucket]:
        """Every bucket, the current partial second included (at the end of a run)."""
        return [self._buckets.pop(s) for s in sorted(self._buckets)]


def load_record(summary: dict[str, Any]) -> Record:
    """A LOAD record for one second's summary, stamped at the END of that second.

    The record contract (chaosgate.verdicts.records) says a LOAD record covers
    the second before its t.
    """
    return Record(float(summary["second"]) + 1.0, LOAD, LOAD_RECORD_NAME, summary)


def read_load_records(path: Path) -> list[Record]:
    """LOAD records from a per-second JSON lines file (a missing file has none yet)."""
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    # The last line may be half written while locust runs: keep only whole lines.
    return [load_record(json.loads(line)) for line in lines if line.endswith("}")]


def summary_lines(buckets: Iterable[SecondBucket], users: int) -> str:
    """JSON lines (each ending in a newline) for finished buckets."""
    return "".join(json.dumps(bucket.summary(users)) + "\n" for bucket in buckets)

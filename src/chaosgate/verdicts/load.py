"""Per-second load statistics aggregated over a stretch of time.

Counts add up exactly: a window's fail ratio is the sum of failures over the
sum of requests (a mean of per-second ratios would weigh a quiet second like a
busy one).

Percentiles do not add up: a window's true p95 needs every response time (or
a histogram), and a LOAD record only carries each second's percentiles. We
judge a window by its **worst second** (the maximum of the per-second p95s).
That is an approximation, chosen because it errs on the safe side: if every
second has 95 % of its requests at or below x, so has the whole window, so
the worst second is an upper bound of the window's true p95 and a pass cannot
hide a violation. The price is that one bad second fails a window whose
overall p95 held; the message names that second, so a reader can tell a
spike from a sustained regression. The request-weighted median of the
per-second values is reported next to it as the window's typical latency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chaosgate.timeline import LOAD, Timeline
from chaosgate.verdicts.records import LoadSample, load_sample, parse_all


def load_samples(timeline: Timeline, start: float, end: float) -> list[LoadSample]:
    """The per-second LOAD samples taken from start to end (both included)."""
    return parse_all(timeline.between(start, end).of_kind(LOAD), load_sample)


def latency_series(samples: Sequence[LoadSample], metric: str) -> list[float]:
    """One latency percentile per second, for the seconds that completed requests."""
    values = (s.metric(metric) for s in samples if s.requests > 0)
    return [v for v in values if v is not None]


@dataclass(frozen=True)
class Worst:
    """The worst second of a latency percentile: its value and when it happened."""

    value: float
    t: float


def worst_second(samples: Sequence[LoadSample], metric: str) -> Worst | None:
    candidates = [
        Worst(value, s.t)
        for s in samples
        if s.requests > 0 and (value := s.metric(metric)) is not None
    ]
    return max(candidates, key=lambda w: w.value, default=None)


def typical(samples: Sequence[LoadSample], metric: str) -> float | None:
    """The request-weighted median of a per-second percentile (a typical second)."""
    weighted = sorted(
        (value, s.requests)
        for s in samples
        if s.requests > 0 and (value := s.metric(metric)) is not None
    )
    total = sum(weight for _, weight in weighted)
    running = 0
    for value, weight in weighted:
        running += weight
        if 2 * running >= total:
            return value
    return None


@dataclass(frozen=True)
class LoadSummary:
    """Totals of a stretch of load; fail_ratio is None when nothing was requested."""

    seconds: int
    requests: int
    failures: int
    degraded: int | None  # None when the load generator did not count degraded answers

    @property
    def fail_ratio(self) -> float | None:
        return self.failures / self.requests if self.requests else None

    @property
    def degraded_ratio(self) -> float | None:
        if self.degraded is None or not self.requests:
            return None
        return self.degraded / self.requests


def summarize(samples: Sequence[LoadSample]) -> LoadSummary:
    counted = [s.degraded for s in samples if s.degraded is not None]
    return LoadSummary(
        seconds=len(samples),
        requests=sum(s.requests for s in samples),
        failures=sum(s.failures for s in samples),
        degraded=sum(counted) if counted else None,
    )

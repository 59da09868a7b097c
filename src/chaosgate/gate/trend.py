"""The trend: each bounded figure of this run against the same figure of a baseline run.

A threshold says which way a figure gets worse (a `max` bound: up; a `min`
bound: down). For each threshold, each testcase of its scenario that ran is
compared with the baseline's testcase of the same scenario and backend:

- where the figure has samples (a `.max`/`.min` aggregate over per-replica
  figures such as breaker_open_s[heart-display-0]), the samples' medians are
  compared, so one slow replica in either run does not decide alone; a plain
  figure is its own single sample;
- the change in the worse direction is taken relative to the baseline's
  value, with a floor of `noise_floor` times the bound (a figure near zero,
  such as a fail ratio of 0, would otherwise make any wobble infinite);
- beyond `marginal` that share it is a marginal regression; beyond `fail`, a
  failed one.

A figure the baseline lacks is not compared (the notes say so); a figure this
run lacks is already a threshold failure.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from chaosgate.gate.junit_reader import CaseStatus, JunitCase, as_number
from chaosgate.gate.matching import scenario_matches
from chaosgate.gate.policy import Policy, Threshold, TrendPolicy
from chaosgate.verdicts.combine import instance_values


class Drift(StrEnum):
    HELD = "held"
    MARGINAL = "marginal"
    REGRESSED = "regressed"


@dataclass(frozen=True)
class TrendCheck:
    """One figure of one testcase against the baseline's."""

    scenario: str
    backend: str | None
    figure: str
    now: float  # the median of this run's samples
    baseline: float  # the median of the baseline's samples
    samples: tuple[int, int]  # (now, baseline) sample counts
    change: float  # the worsening as a share of the baseline (negative: it improved)
    drift: Drift

    def describe(self) -> str:
        where = f"{self.scenario} ({self.backend})" if self.backend else self.scenario
        counted = (
            ""
            if self.samples == (1, 1)
            else f" (medians of {self.samples[0]} and {self.samples[1]} samples)"
        )
        return (
            f"{where}: {self.figure} {self.now:g} against {self.baseline:g} in the baseline, "
            f"{self.change:+.0%} worse{counted}"
        )


def compare_runs(
    now: Sequence[JunitCase], baseline: Sequence[JunitCase], policy: Policy
) -> tuple[list[TrendCheck], list[str]]:
    """Every bounded figure compared with the baseline's; also notes of what was not compared."""
    checks: list[TrendCheck] = []
    notes: list[str] = []
    for threshold in policy.thresholds:
        if threshold.max is None and threshold.min is None:
            continue  # an `equals` has no worse direction
        for case in _ran(now, threshold.scenario):
            before = _counterpart(case, baseline)
            check = before and compare_figure(threshold, case, before, policy.trend)
            if check:
                checks.append(check)
            else:
                notes.append(
                    f"{case.scenario}: {threshold.property} has no baseline figure to compare"
                )
    return checks, notes


def compare_figure(
    threshold: Threshold, now: JunitCase, before: JunitCase, trend: TrendPolicy
) -> TrendCheck | None:
    """The threshold's figure in `now` against `before`; None if either lacks it."""
    current = samples_of(now.properties, threshold.property)
    previous = samples_of(before.properties, threshold.property)
    if not current or not previous:
        return None
    now_value, base_value = statistics.median(current), statistics.median(previous)
    bound = threshold.max if threshold.max is not None else threshold.min
    assert bound is not None  # compare_runs passes bounded thresholds only
    worse = now_value - base_value if threshold.max is not None else base_value - now_value
    scale = max(abs(base_value), trend.noise_floor * abs(bound)) or 1.0
    change = worse / scale
    drift = (
        Drift.REGRESSED
        if change > trend.fail
        else Drift.MARGINAL
        if change > trend.marginal
        else Drift.HELD
    )
    return TrendCheck(
        now.scenario, now.backend, threshold.property, now_value, base_value,
        (len(current), len(previous)), change, drift,
    )  # fmt: skip


def samples_of(properties: Mapping[str, str], figure: str) -> list[float]:
    """The figure's samples: the per-instance values behind an aggregate, else the figure."""
    numbers = [n for v in instance_values(properties, figure) if (n := as_number(v)) is not None]
    if numbers:
        return numbers
    value = as_number(properties[figure]) if figure in properties else None
    return [] if value is None else [value]


def _ran(cases: Sequence[JunitCase], scenario: str) -> list[JunitCase]:
    return [
        c
        for c in cases
        if scenario_matches(scenario, c.scenario) and c.status != CaseStatus.SKIPPED
    ]


def _counterpart(case: JunitCase, baseline: Sequence[JunitCase]) -> JunitCase | None:
    """The baseline's testcase of the same scenario on the same backend, if it ran."""
    return next(
        (
            b
            for b in baseline
            if b.scenario == case.scenario
            and b.backend == case.backend
            and b.status != CaseStatus.SKIPPED
        ),
        None,
    )

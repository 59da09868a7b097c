"""Windows, samples in force at their start, and how verdicts say when."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chaosgate.timeline import Outcome, Record, Window
from chaosgate.verdicts.judging import InsufficientData, limit_outcome
from chaosgate.verdicts.windows import (
    Origin,
    fault_origin,
    in_force_and_within,
    require_window,
    timestamp,
)

from .builders import T0, at, fault, timeline, window


@dataclass(frozen=True)
class Sample:
    t: float


@pytest.mark.parametrize(
    ("times", "kept"),
    [
        ([1, 5, 12, 20], [5, 12, 20]),  # the last one before the start is in force
        ([1, 5], [5]),  # nothing inside: the value in force still counts
        ([5, 10, 12], [10, 12]),  # a sample exactly at the start supersedes the earlier one
        ([12, 20, 21], [12, 20]),  # the end is included, later samples are not
        ([21], []),
        ([], []),
    ],
)
def test_in_force_and_within(times: list[float], kept: list[float]) -> None:
    assert [s.t for s in in_force_and_within([Sample(t) for t in times], 10, 20)] == kept


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([], "no 'fault' window was recorded"),
        (window("fault", 10), "window 'fault' was opened but never closed"),
        (window("baseline", 0, 5), "no 'fault' window was recorded"),
        ([window("fault", 10, 20)[1]], "no 'fault' window was recorded"),  # an end alone
    ],
)
def test_unusable_window_is_insufficient_data(records: list[Record], reason: str) -> None:
    with pytest.raises(InsufficientData, match=reason):
        require_window(timeline(records), "fault")


def test_closed_window() -> None:
    assert require_window(timeline(window("fault", 10, 20)), "fault") == Window(
        "fault", at(10), at(20)
    )


def test_timestamps_are_utc_with_milliseconds() -> None:
    assert timestamp(T0 + 0.25) == "2023-11-14T22:13:20.250Z"


def test_origin_describes_seconds_and_the_timestamp() -> None:
    assert Origin(T0, "pod_kill start").describe(T0 + 12.34) == (
        "+12.3 s from pod_kill start (2023-11-14T22:13:32.340Z)"
    )


def test_fault_origin_is_the_first_fault_started_in_the_window() -> None:
    records = timeline(
        window("fault", 10, 20),
        fault(5, "pod_kill", "start"),  # before the window: another fault
        fault(11, "zone_drain", "start"),
        fault(12, "pod_kill", "start"),
    )
    span = require_window(records, "fault")
    assert fault_origin(records, span) == Origin(at(11), "zone_drain start")
    assert fault_origin(timeline(window("fault", 10, 20)), span) == Origin(
        at(10), "fault window start"
    )


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        (0.0, Outcome.PASS),
        (8.0, Outcome.PASS),
        (8.01, Outcome.MARGINAL),
        (10.0, Outcome.MARGINAL),  # exactly at the limit still holds
        (10.01, Outcome.FAIL),
    ],
)
def test_limit_outcome(value: float, outcome: Outcome) -> None:
    assert limit_outcome(value, 10.0) is outcome

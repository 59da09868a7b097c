"""A watch gap inside a judged window makes the run an error, naming the gap."""

from __future__ import annotations

import pytest

from chaosgate.timeline import GAP, Outcome, Record
from chaosgate.verdicts.observation import observed_throughout

from .builders import at, timeline, window

WINDOWS = [*window("baseline", 0, 10), *window("fault", 10, 20), *window("recovery", 20, 40)]


def gap(start: float, end: float, watch: str = "pod") -> Record:
    data = {"watch": watch, "from": at(start), "gap_s": end - start, "reason": "connection reset"}
    return Record(at(end), GAP, watch, data)


@pytest.mark.parametrize(
    ("records", "outcome", "gaps", "message"),
    [
        ([WINDOWS], Outcome.PASS, 0, "every watch saw every window whole"),
        ([WINDOWS, gap(41, 43)], Outcome.PASS, 0, "whole"),  # after the last window
        ([WINDOWS, gap(12, 14)], Outcome.ERROR, 1, "the pod watch saw nothing"),
        ([WINDOWS, gap(-3, 1, "node")], Outcome.ERROR, 1, "(4.0 s, in baseline)"),
        ([WINDOWS, gap(19, 21)], Outcome.ERROR, 1, "in fault, recovery): connection reset"),
        ([window("other", 0, 5)], Outcome.PASS, 0, "whole"),
        ([], Outcome.ERROR, 0, "no window was recorded"),
    ],
)
def test_observed_throughout(
    records: list[list[Record] | Record], outcome: Outcome, gaps: int, message: str
) -> None:
    verdict = observed_throughout(timeline(*records))
    assert verdict.outcome is outcome, verdict.message
    assert message in verdict.message
    assert verdict.figures.get("observation_gaps", 0) == gaps

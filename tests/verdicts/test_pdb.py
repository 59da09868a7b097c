"""PDB invariants over the fault window, and evidence that the budget was enforced."""

from __future__ import annotations

import pytest

from chaosgate.timeline import PDB, Outcome, Record
from chaosgate.verdicts.pdb import evictions_refused_not_absent, evictions_within_budget, pdb_held

from .builders import STS, at, fault, pdb, pod, stamp, timeline, window

FAULT_WINDOW = window("fault", 10, 40)
DRAIN = fault(10, "zone_drain", "start", zone="zone-a")


@pytest.mark.parametrize(
    ("samples", "min_margin", "count"),
    [
        ([pdb(5, 3), pdb(12, 2), pdb(20, 3)], 0, 3),  # dips to the floor, never below
        ([pdb(5, 3)], 1, 1),  # no change in the window: the sample in force counts
        ([pdb(5, 1), pdb(10, 3)], 1, 1),  # a violation superseded exactly at the start
        ([pdb(5, 3), pdb(41, 1)], 1, 1),  # a violation after the window's end
    ],
)
def test_pdb_held(samples: list[Record], min_margin: int, count: int) -> None:
    verdict = pdb_held(timeline(FAULT_WINDOW, DRAIN, samples), "heart-display")
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.check == "pdb_held[heart-display]"
    assert verdict.figures["min_margin"] == min_margin
    assert verdict.figures["samples"] == count
    assert verdict.figures["violations"] == 0


@pytest.mark.parametrize(
    ("samples", "expected", "violations", "violation_s"),
    [
        (
            [pdb(5, 3), pdb(12, 1), pdb(15, 2)],
            f"currentHealthy 1 < desiredHealthy 2 (1 short) first at +2.0 s from "
            f"zone_drain start ({stamp(12)}); 3.0 s below the floor over 1 violating sample(s)",
            1,
            3.0,
        ),
        (  # violated before the window opened, and still at its start
            [pdb(5, 1), pdb(25, 2)],
            f"first at +0.0 s from zone_drain start ({stamp(10)})",
            1,
            15.0,
        ),
        (  # a sample exactly on the window's end belongs to the window
            [pdb(5, 3), pdb(40, 0)],
            "(2 short) first at +30.0 s",
            1,
            0.0,
        ),
        (
            [pdb(5, 3), pdb(12, 1), pdb(14, 0, 2), pdb(16, 2)],
            "worst 2 short at +4.0 s",
            2,
            4.0,
        ),
    ],
)
def test_pdb_violation_says_when_and_by_how_much(
    samples: list[Record], expected: str, violations: int, violation_s: float
) -> None:
    verdict = pdb_held(timeline(FAULT_WINDOW, DRAIN, samples), "heart-display")
    assert verdict.outcome is Outcome.FAIL
    assert "PDB heart-display violated during the fault window" in verdict.message
    assert expected in verdict.message
    assert verdict.figures["violations"] == violations
    assert verdict.figures["violation_s"] == violation_s


def test_pdb_violation_without_a_fault_record_counts_from_the_window() -> None:
    verdict = pdb_held(timeline(FAULT_WINDOW, pdb(5, 3), pdb(13, 1)), "heart-display")
    assert "first at +3.0 s from fault window start" in verdict.message


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([DRAIN, pdb(5, 3)], "no 'fault' window was recorded"),
        ([window("fault", 10), pdb(5, 3)], "window 'fault' was opened but never closed"),
        ([FAULT_WINDOW], "no status of PDB 'heart-display' before or during the fault window"),
        ([FAULT_WINDOW, pdb(50, 3)], "no status of PDB"),  # only samples after the window
        ([FAULT_WINDOW, pdb(5, 3, name="other")], "no status of PDB 'heart-display'"),
        (
            [FAULT_WINDOW, Record(at(12), PDB, "heart-display", {"currentHealthy": 3})],
            "lacks 'desiredHealthy'",
        ),
        (
            [
                FAULT_WINDOW,
                pdb(5, 3),
                Record(at(13), PDB, "heart-display", {**pdb(0, 3).data, "currentHealthy": "3"}),
            ],
            "'currentHealthy' must be an integer, got '3'",
        ),
    ],
)
def test_pdb_without_usable_data_is_an_error(records: list[Record], reason: str) -> None:
    verdict = pdb_held(timeline(*records), "heart-display")
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message


def evict(s: float, pod: str) -> Record:
    return fault(s, "zone_drain", "landed", pod, evidence="evicted")


def refuse(s: float, pod: str, status: int = 429) -> Record:
    return fault(s, "zone_drain", "refused", pod, status=status)


@pytest.mark.parametrize(
    ("events", "outcome", "refused", "message"),
    [
        (
            [
                evict(11, "p-0"),
                refuse(11, "p-1"),
                refuse(11, "p-2"),
                evict(20, "p-1"),
                evict(30, "p-2"),
            ],
            Outcome.PASS,
            2,
            "enforced: 2 eviction(s) refused with HTTP 429",
        ),
        (
            [evict(11, "p-0")],
            Outcome.PASS,
            0,
            "was not exceeded by this drain (1 pods to evict, 1 allowed at once)",
        ),
        (
            [evict(11, "p-0"), evict(12, "p-1"), evict(13, "p-2")],
            Outcome.FAIL,
            0,
            "had 3 pods to evict while PDB heart-display allowed 1 at once, yet no eviction "
            "was refused with HTTP 429: the budget was never enforced",
        ),
        (  # a 500 is an API failure, not the budget speaking
            [evict(11, "p-0"), refuse(11, "p-1", status=500), evict(12, "p-1")],
            Outcome.FAIL,
            0,
            "never enforced",
        ),
        (  # a refusal outside the window does not count
            [evict(11, "p-0"), evict(12, "p-1"), refuse(45, "p-1")],
            Outcome.FAIL,
            0,
            "never enforced",
        ),
    ],
)
def test_evictions_refused_not_absent(
    events: list[Record], outcome: Outcome, refused: int, message: str
) -> None:
    verdict = evictions_refused_not_absent(
        timeline(FAULT_WINDOW, DRAIN, pdb(5, 3, allowed=1), events), "heart-display"
    )
    assert verdict.outcome is outcome, verdict.message
    assert message in verdict.message
    assert verdict.figures["refused_evictions"] == refused
    assert verdict.figures["disruptions_allowed_at_start"] == 1


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([FAULT_WINDOW, DRAIN, pdb(5, 3)], "no zone_drain eviction was recorded"),
        ([FAULT_WINDOW, DRAIN, evict(11, "p-0")], "no status of PDB 'heart-display'"),
        ([DRAIN, pdb(5, 3), evict(11, "p-0")], "no 'fault' window"),
    ],
)
def test_evictions_without_usable_data_is_an_error(records: list[Record], reason: str) -> None:
    verdict = evictions_refused_not_absent(timeline(*records), "heart-display")
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message


# Three replicas, a floor of two: one may be disrupted at a time.
BUDGET = pdb(5, 3, desired=2, allowed=1)
ALL_READY = [pod(5, f"{STS}-{i}", uid=f"u{i}") for i in range(3)]


def evicted(s: float, ordinal: int, uid: str | None = None, **extra: object) -> Record:
    fields = {"uid": uid if uid is not None else f"u{ordinal}", "pdbs": [STS], **extra}
    return fault(s, "zone_drain", "landed", f"{STS}-{ordinal}", evidence="evicted", **fields)


def replacement(s: float, ordinal: int, *, ready: bool = True) -> Record:
    return pod(s, f"{STS}-{ordinal}", uid=f"u{ordinal}-new", ready=ready)


@pytest.mark.parametrize(
    ("events", "min_left"),
    [
        (  # one at a time: the second waits until the first one's replacement is Ready
            [evicted(11, 0), pod(12, f"{STS}-0", uid="u0", deleted=True),
             replacement(15, 0), evicted(16, 1)],
            2,
        ),
        (  # the replacement's readiness reached the recorder 0.5 s after the eviction
            [evicted(11, 0), replacement(13, 0, ready=False), replacement(16.5, 0), evicted(16, 1)],
            2,
        ),
        (  # evictions of pods the budget does not cover are not judged
            [evicted(11, 0), fault(12, "zone_drain", "landed", "heart-redis-0", uid="r0"),
             evicted(13, 1, pdbs=["other"])],
            2,
        ),
    ],
)  # fmt: skip
def test_evictions_within_budget(events: list[Record], min_left: int) -> None:
    verdict = evictions_within_budget(timeline(FAULT_WINDOW, DRAIN, BUDGET, ALL_READY, events), STS)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.check == f"evictions_within_budget[{STS}]"
    assert verdict.figures["min_healthy_left"] == min_left
    assert verdict.figures["excess_evictions"] == 0
    assert verdict.figures["desired_healthy"] == 2


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (  # two pods at once: the second left one healthy
            [evicted(11, 0), evicted(12, 1)],
            f"1 eviction(s) accepted beyond PDB {STS}'s budget: {STS}-1 at 2.0 s into the "
            "fault window left 1 healthy < desiredHealthy 2",
        ),
        (  # the replacement was Ready only 1.5 s after the second eviction
            [evicted(11, 0), evicted(16, 1), replacement(17.5, 0)],
            f"{STS}-1 at 6.0 s into the fault window left 1 healthy",
        ),
        (  # a pod first seen after the eviction did not exist at it, Ready or not
            [evicted(11, 0), evicted(16, 1), replacement(16.5, 0)],
            f"{STS}-1 at 6.0 s into the fault window left 1 healthy",
        ),
        (  # a pod went unready on its own; an eviction admitted on a stale status counts
            [pod(10, f"{STS}-2", uid="u2", ready=False), evicted(11, 0)],
            f"{STS}-0 at 1.0 s into the fault window left 1 healthy",
        ),
        (  # a replacement that is running but not Ready is not healthy
            [evicted(11, 0), replacement(13, 0, ready=False), evicted(16, 1)],
            f"{STS}-1 at 6.0 s",
        ),
    ],
)  # fmt: skip
def test_evictions_beyond_the_budget_fail(events: list[Record], message: str) -> None:
    verdict = evictions_within_budget(timeline(FAULT_WINDOW, DRAIN, BUDGET, ALL_READY, events), STS)
    assert verdict.outcome is Outcome.FAIL, verdict.message
    assert message in verdict.message
    assert verdict.figures["excess_evictions"] == 1
    assert verdict.figures["min_healthy_left"] == 1


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([FAULT_WINDOW, DRAIN, BUDGET, ALL_READY], f"no accepted eviction of a {STS} pod"),
        ([FAULT_WINDOW, DRAIN, ALL_READY, evicted(11, 0)], f"no status of PDB '{STS}'"),
        ([FAULT_WINDOW, DRAIN, BUDGET, ALL_READY, evicted(11, 0, uid="")], "names no pod uid"),
        ([DRAIN, BUDGET, ALL_READY, evicted(11, 0)], "no 'fault' window"),
    ],
)
def test_evictions_within_budget_without_usable_data_is_an_error(
    records: list[Record], reason: str
) -> None:
    verdict = evictions_within_budget(timeline(*records), STS)
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message

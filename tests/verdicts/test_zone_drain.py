"""A whole-zone drain: completion, an emptied zone, re-spread pods, latency vs baseline."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.timeline import Outcome, Record
from chaosgate.verdicts.zone_drain import zone_drain_ok

from .builders import STS, fault, load_seconds, pod, stamp, timeline, window

ZONES = ("zone-a", "zone-b", "zone-c")
WINDOWS = [*window("baseline", 0, 9), *window("fault", 10, 30), *window("recovery", 30, 60)]
START = fault(10, "zone_drain", "start", zone="zone-a", nodes=["node-zone-a"])
END = fault(25, "zone_drain", "end", zone="zone-a", completed=True, evicted=2)
BASELINE_LOAD = load_seconds(0, 9, p95=50.0)
DRAIN_LOAD = load_seconds(10, 30, p95=50.0)

# Two pods per zone; the drain evicts heart-display-0 and -3 from zone-a.
STEADY = [pod(0, f"{STS}-{i}", uid=f"u{i}", zone=ZONES[i % 3]) for i in range(6)]
EVICTED = [
    pod(12, f"{STS}-0", uid="u0", deleted=True, zone="zone-a"),
    pod(15, f"{STS}-3", uid="u3", deleted=True, zone="zone-a"),
]


def respawn(zone_0: str = "zone-b", zone_3: str = "zone-c") -> list[Record]:
    return [pod(20, f"{STS}-0", uid="v0", zone=zone_0), pod(22, f"{STS}-3", uid="v3", zone=zone_3)]


def judge(*parts: Record | list[Record], **options: Any) -> Any:
    return zone_drain_ok(timeline(WINDOWS, BASELINE_LOAD, *parts), "zone-a", ZONES, **options)


def test_clean_drain_passes_with_its_figures() -> None:
    verdict = judge(START, END, STEADY, EVICTED, respawn(), DRAIN_LOAD)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.check == "zone_drain_ok[zone-a]"
    figures = verdict.figures
    assert (figures["drain_s"], figures["evicted"], figures["left_in_zone"]) == (15.0, 2, 0)
    assert (figures["pods_zone-a"], figures["pods_zone-b"], figures["pods_zone-c"]) == (0, 3, 3)
    assert figures["skew"] == 0
    assert figures["latency_vs_baseline"] == "pass"
    assert verdict.message.startswith("zone zone-a drained in 15.0 s (2 evicted)")


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (
            [
                START,
                fault(40, "zone_drain", "end", completed=False, evicted=1, reason="timed out"),
                STEADY,
                EVICTED,
                respawn(),
                DRAIN_LOAD,
            ],
            "the drain did not complete (timed out) after 30.0 s, with 1 pods evicted",
        ),
        (
            [START, END, STEADY, EVICTED[:1], respawn()[:1], DRAIN_LOAD],
            "1 pod(s) still Running in drained zone zone-a at the end of the drain window, "
            f"+20.0 s from zone_drain start ({stamp(30)}): heart-display-3",
        ),
        (
            [START, END, STEADY, EVICTED, respawn("zone-b", "zone-b"), DRAIN_LOAD],
            "pods not re-spread over the remaining zones: zone-b 4, zone-c 2, skew 2 > "
            f"max_skew 1 (by 1) at the end of recovery, +50.0 s from zone_drain start "
            f"({stamp(60)})",
        ),
        (  # every pod gone: a skew of 0 over empty zones is no spread
            [START, END, EVICTED, DRAIN_LOAD],
            "no pod Running in the remaining zones zone-b, zone-c",
        ),
        (
            [START, END, STEADY, EVICTED, respawn(), load_seconds(10, 30, p95=300.0)],
            "latency p95_ms during the drain vs baseline: median 300 vs baseline 50",
        ),
    ],
)
def test_broken_drain_fails_saying_what_broke(parts: list[Any], message: str) -> None:
    verdict = judge(*parts)
    assert verdict.outcome is Outcome.FAIL
    assert message in verdict.message


def test_pod_left_in_the_zone_that_is_terminating_is_not_running() -> None:
    terminating = pod(29, f"{STS}-3", uid="u3", deleted=True, phase="Running", zone="zone-a")
    verdict = judge(START, END, STEADY, EVICTED[:1], terminating, respawn(), DRAIN_LOAD)
    assert verdict.outcome is Outcome.PASS, verdict.message


def test_drain_without_traffic_can_skip_the_latency_comparison() -> None:
    records = timeline(WINDOWS, START, END, STEADY, EVICTED, respawn())
    verdict = zone_drain_ok(records, "zone-a", ZONES, baseline_window=None)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert "latency_vs_baseline" not in verdict.figures


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ([END, STEADY, DRAIN_LOAD], "no zone_drain of zone 'zone-a' was started"),
        ([START, STEADY, DRAIN_LOAD], "the zone_drain of 'zone-a' has no end record"),
        ([START, END, DRAIN_LOAD], "no pod records of StatefulSet 'heart-display'"),
        (  # traffic expected but absent during the drain: the comparison cannot be made
            [START, END, STEADY, EVICTED, respawn()],
            "inconclusive: 0 values vs 10 in the baseline",
        ),
    ],
)
def test_drain_without_usable_data_is_an_error(parts: list[Any], reason: str) -> None:
    verdict = judge(*parts)
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message


def test_drain_with_a_window_left_open_is_an_error() -> None:
    records = timeline(window("fault", 10), window("recovery", 30, 60), START, END, STEADY)
    verdict = zone_drain_ok(records, "zone-a", ZONES, baseline_window=None)
    assert verdict.outcome is Outcome.ERROR
    assert "window 'fault' was opened but never closed" in verdict.message


def test_drain_with_no_zone_left_is_an_error() -> None:
    records = timeline(WINDOWS, START, END, STEADY)
    verdict = zone_drain_ok(records, "zone-a", ["zone-a"], baseline_window=None)
    assert verdict.outcome is Outcome.ERROR
    assert "no zones besides 'zone-a'" in verdict.message


LANDED = [
    fault(12, "zone_drain", "landed", f"{STS}-0"),
    fault(15, "zone_drain", "landed", f"{STS}-3"),
]


def test_evicted_pods_are_followed_to_their_new_zones() -> None:
    verdict = judge(START, LANDED, END, STEADY, EVICTED, respawn(), DRAIN_LOAD)
    assert verdict.outcome is Outcome.PASS, verdict.message
    figures = verdict.figures
    assert figures["evicted_running_again"] == 2
    assert (figures["evicted_now_in_zone-b"], figures["evicted_now_in_zone-c"]) == (1, 1)


def test_an_evicted_pod_that_never_came_back_fails() -> None:
    pending = pod(20, f"{STS}-3", uid="v3", zone="zone-c", phase="Pending")
    verdict = judge(START, LANDED, END, STEADY, EVICTED, respawn()[:1], pending, DRAIN_LOAD)
    assert verdict.outcome is Outcome.FAIL
    assert "1 evicted pod(s) not Running again at the end of recovery" in verdict.message
    assert f"{STS}-3 (Pending on" in verdict.message

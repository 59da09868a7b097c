"""HPA scale-out latency, ceiling, scale-in and flapping over the load and cooldown windows."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.timeline import Outcome, Record
from chaosgate.verdicts.hpa import direction_changes, hpa_behaved

from .builders import hpa, stamp, timeline, window

WINDOWS = [*window("load", 10, 70), *window("cooldown", 70, 200)]
CLEAN = [hpa(0, 2), hpa(25, 4), hpa(40, 6), hpa(150, 2)]


def judge(samples: list[Record], **options: Any) -> Any:
    settings: dict[str, Any] = {"scale_out_within_s": 20, "max_replicas": 6, **options}
    return hpa_behaved(timeline(WINDOWS, samples), "heart-display", **settings)


@pytest.mark.parametrize(
    ("values", "changes"),
    [
        ([2, 4, 6, 2], 1),
        ([2, 2, 4, 4, 2, 2], 1),  # plateaus are not changes of direction
        ([2, 4, 2, 4, 2], 3),
        ([2, 3, 4], 0),
        ([2], 0),
        ([], 0),
    ],
)
def test_direction_changes(values: list[int], changes: int) -> None:
    assert direction_changes(values) == changes


def test_clean_scale_out_and_in_passes_with_its_figures() -> None:
    verdict = judge(CLEAN)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.figures == {
        "start_replicas": 2,
        "scale_out_latency_s": 15.0,
        "peak_replicas": 6,
        "end_replicas": 2,
        "scale_in_latency_s": 80.0,
        "direction_changes": 1,
    }


@pytest.mark.parametrize(
    ("samples", "options", "outcome", "message"),
    [
        (
            [hpa(0, 2), hpa(100, 2)],
            {},
            Outcome.FAIL,
            f"never scaled out: desiredReplicas stayed at or below 2 for the whole 60 s load "
            f"window ({stamp(10)} to {stamp(70)})",
        ),
        (
            CLEAN,
            {"scale_out_within_s": 10},
            Outcome.FAIL,
            f"scaled out 15.0 s after load start (budget 10 s, 5.0 s over the budget): "
            f"desiredReplicas 2 → 4 at +15.0 s from load start ({stamp(25)})",
        ),
        (CLEAN, {"scale_out_within_s": 18}, Outcome.MARGINAL, "scaled out 15.0 s after"),
        (
            CLEAN,
            {"max_replicas": 5},
            Outcome.FAIL,
            f"replicas reached 6, above the maximum 5 by 1, at +30.0 s from load start "
            f"({stamp(40)})",
        ),
        (  # the current count counts too, not only the desired one
            [hpa(0, 2), hpa(25, 4), hpa(40, 6, current=7), hpa(150, 2)],
            {},
            Outcome.FAIL,
            "replicas reached 7, above the maximum 6 by 1",
        ),
        (
            [hpa(0, 2), hpa(25, 4), hpa(150, 3)],
            {},
            Outcome.FAIL,
            f"did not scale back in: desiredReplicas 3 at the end of the cooldown window "
            f"(+190.0 s from load start ({stamp(200)})), 1 above the starting 2",
        ),
        (  # back to 2 only after the cooldown window closed
            [hpa(0, 2), hpa(25, 4), hpa(201, 2)],
            {},
            Outcome.FAIL,
            "did not scale back in: desiredReplicas 4",
        ),
        (
            [hpa(0, 2), hpa(20, 4), hpa(30, 2), hpa(40, 4), hpa(100, 2)],
            {},
            Outcome.FAIL,
            "flapping: desiredReplicas changed direction 3 times, 1 more than the limit 2 "
            "(2 → 4 → 2 → 4 → 2)",
        ),
        (
            [hpa(0, 2), hpa(20, 4), hpa(30, 2), hpa(40, 4), hpa(100, 2)],
            {"flap_limit": 3},
            Outcome.PASS,
            "HPA heart-display scaled 2 → 4",
        ),
    ],
)
def test_hpa_misbehaviour_says_what_when_and_how_much(
    samples: list[Record], options: dict[str, Any], outcome: Outcome, message: str
) -> None:
    verdict = judge(samples, **options)
    assert verdict.outcome is outcome, verdict.message
    assert message in verdict.message


@pytest.mark.parametrize(
    ("samples", "latency"),
    [
        ([hpa(0, 2), hpa(10, 3), hpa(100, 2)], 0.0),  # scaled exactly at load start
        ([hpa(0, 2), hpa(70, 3), hpa(100, 2)], 60.0),  # exactly at the load window's end
    ],
)
def test_scale_out_on_the_window_edges(samples: list[Record], latency: float) -> None:
    verdict = judge(samples, scale_out_within_s=60)
    assert verdict.figures["scale_out_latency_s"] == latency


def test_scale_out_after_the_load_window_does_not_count() -> None:
    verdict = judge([hpa(0, 2), hpa(71, 3), hpa(100, 2)], scale_out_within_s=60)
    assert verdict.outcome is Outcome.FAIL
    assert "never scaled out" in verdict.message


def test_no_scale_out_in_a_load_window_shorter_than_the_budget_is_an_error() -> None:
    verdict = judge([hpa(0, 2), hpa(71, 3), hpa(100, 2)], scale_out_within_s=61)
    assert verdict.outcome is Outcome.ERROR
    assert "60 s load window, which is shorter than the 61 s scale-out budget" in verdict.message


def test_a_scale_out_within_a_short_load_window_is_still_judged() -> None:
    verdict = judge(CLEAN, scale_out_within_s=100)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.figures["scale_out_latency_s"] == 15.0


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([*WINDOWS, hpa(25, 4)], "no status of HPA 'heart-display' before the load started"),
        ([*WINDOWS, hpa(0, 2, name="other")], "no status of HPA 'heart-display'"),
        ([*window("load", 10, 70), *CLEAN], "no 'cooldown' window was recorded"),
        ([*window("load", 10, 70), *window("cooldown", 70), *CLEAN], "never closed"),
    ],
)
def test_hpa_without_usable_data_is_an_error(records: list[Record], reason: str) -> None:
    verdict = hpa_behaved(timeline(records), "heart-display", 20, 6)
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message

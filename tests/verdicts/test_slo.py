"""SLOs per window from per-second load samples, and latency against the baseline."""

from __future__ import annotations

import pytest

from chaosgate.timeline import Outcome, Record
from chaosgate.verdicts.slo import Slo, latency_vs_baseline, slo_for, slo_held

from .builders import fault, load, load_seconds, stamp, timeline, window

SLO = {"fail_ratio_max": 0.01, "p95_ms_max": 200, "p99_ms_max": 500}
FAULT_WINDOW = window("fault", 10, 20)
KILL = fault(10, "pod_kill", "start", "heart-display-1")


def test_slo_held_with_its_figures() -> None:
    verdict = slo_held(timeline(FAULT_WINDOW, load_seconds(10, 20)), SLO, "fault")
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.check == "slo_held[fault]"
    assert verdict.figures == {
        "requests": 1100,
        "failures": 0,
        "seconds": 11,
        "fail_ratio": 0.0,
        "p50_ms": 25.0,
        "p95_ms": 50.0,
        "p99_ms": 80.0,
        "p95_ms_typical": 50.0,
        "fail_ratio_max": 0.01,
        "p95_ms_max": 200,
        "p99_ms_max": 500,
    }


def test_fail_ratio_is_failures_over_requests_not_a_mean_of_ratios() -> None:
    # Ten busy seconds without failures and one quiet second where all 10 requests failed:
    # 10 / 1010 = 0.0099 (under 0.01), whereas a mean of per-second ratios would say 1/11 = 0.09.
    samples = [*load_seconds(10, 19), load(20, requests=10, failures=10)]
    verdict = slo_held(timeline(FAULT_WINDOW, samples), SLO, "fault")
    assert verdict.figures["fail_ratio"] == pytest.approx(0.009901, abs=1e-6)
    assert verdict.outcome is Outcome.MARGINAL  # above 80 % of the limit
    assert "fail ratio 0.0099 over the fault window is near the limit 0.01" in verdict.message


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (
            [*load_seconds(10, 20, failures=3)],
            "fail ratio 0.0300 over the fault window exceeds the limit 0.01 by 0.0200 "
            "(33 of 1100 requests failed)",
        ),
        (
            [*load_seconds(10, 13), load(14, p95=312.0), *load_seconds(15, 20)],
            f"p95_ms exceeded 200 ms by 112 ms: worst second 312 ms at +4.0 s from "
            f"pod_kill start ({stamp(14)})",
        ),
        (  # a sample exactly on the window's end belongs to the window
            [*load_seconds(10, 19), load(20, p99=900.0)],
            "p99_ms exceeded 500 ms by 400 ms: worst second 900 ms at +10.0 s",
        ),
    ],
)
def test_slo_breach_says_which_when_and_how_much(samples: list[Record], message: str) -> None:
    verdict = slo_held(timeline(FAULT_WINDOW, KILL, samples), SLO, "fault")
    assert verdict.outcome is Outcome.FAIL
    assert message in verdict.message


def test_worst_second_outside_the_window_is_not_judged() -> None:
    samples = [load(9, p95=900.0), *load_seconds(10, 20), load(21, p95=900.0)]
    verdict = slo_held(timeline(FAULT_WINDOW, samples), SLO, "fault")
    assert verdict.outcome is Outcome.PASS, verdict.message


def test_typical_second_is_the_request_weighted_median() -> None:
    # 3 seconds at 40 ms with 100 requests each, 2 seconds at 90 ms with 10 each.
    samples = [load(s, p95=40.0) for s in (10, 11, 12)] + [load(s, 10, p95=90.0) for s in (13, 14)]
    verdict = slo_held(timeline(FAULT_WINDOW, samples), SLO, "fault")
    assert verdict.figures["p95_ms_typical"] == 40.0
    assert verdict.figures["p95_ms"] == 90.0


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([FAULT_WINDOW], "no load samples in the fault window"),
        ([FAULT_WINDOW, load_seconds(21, 30)], "no load samples in the fault window"),
        (
            [FAULT_WINDOW, load_seconds(10, 20, requests=0, p95=None, p99=None)],
            "no requests completed in the fault window (11 s)",
        ),
        ([FAULT_WINDOW, load_seconds(10, 20, p95=None)], "no p95_ms values in the load samples"),
        ([window("fault", 10), load_seconds(10, 20)], "'fault' was opened but never closed"),
        ([load_seconds(10, 20)], "no 'fault' window was recorded"),
    ],
)
def test_slo_without_usable_data_is_an_error(records: list[list[Record]], reason: str) -> None:
    verdict = slo_held(timeline(*records), SLO, "fault")
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"p95_max_ms": 200}, "unknown SLO keys ['p95_max_ms']"),
        ({"p95_ms_max": "200"}, "p95_ms_max must be a non-negative number, got '200'"),
        ({"fail_ratio_max": -0.1}, "non-negative"),
        ({"fail_ratio_max": True}, "non-negative number"),
    ],
)
def test_a_malformed_slo_is_refused_not_ignored(raw: dict[str, object], error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("[", r"\[").replace("]", r"\]")):
        Slo.from_mapping(raw)


def test_slo_per_window_falls_back_to_default() -> None:
    config: dict[str, dict[str, object]] = {
        "default": {"p95_ms_max": 200},
        "fault": {"p95_ms_max": 400, "fail_ratio_max": 0.05},
    }
    assert slo_for(config, "fault") == Slo(fail_ratio_max=0.05, p95_ms_max=400)
    assert slo_for(config, "baseline") == Slo(p95_ms_max=200)
    with pytest.raises(ValueError, match="no SLO for window 'fault'"):
        slo_for({"baseline": {}}, "fault")


def latency_timeline(baseline: list[float], fault_values: list[float]) -> list[Record]:
    """A baseline window then a fault window, one second per value."""
    n = len(baseline)
    return [
        *window("baseline", 0, n - 1),
        *window("fault", n, n + len(fault_values) - 1),
        *(load(s, p95=v) for s, v in enumerate(baseline)),
        *(load(n + s, p95=v) for s, v in enumerate(fault_values)),
    ]


@pytest.mark.parametrize(
    ("baseline", "fault_values", "outcome"),
    [
        ([50.0] * 10, [50.0] * 10, Outcome.PASS),
        ([50.0 + i for i in range(10)], [300.0 + i for i in range(10)], Outcome.FAIL),
        ([100.0 + i for i in range(60)], [112.0 + i for i in range(60)], Outcome.MARGINAL),
        ([100.0 + i for i in range(10)], [50.0 + i for i in range(10)], Outcome.PASS),
        ([50.0] * 10, [300.0] * 7, Outcome.ERROR),  # 7 seconds: inconclusive
    ],
)
def test_latency_vs_baseline(
    baseline: list[float], fault_values: list[float], outcome: Outcome
) -> None:
    verdict = latency_vs_baseline(timeline(latency_timeline(baseline, fault_values)), "fault")
    assert verdict.outcome is outcome, verdict.message
    assert verdict.check == "latency_vs_baseline[fault]"


def test_latency_worse_than_baseline_reports_the_test() -> None:
    records = latency_timeline([50.0 + i for i in range(10)], [300.0 + i for i in range(10)])
    verdict = latency_vs_baseline(timeline(records), "fault")
    assert "p95_ms in fault vs baseline: median 304.5 vs baseline 54.5" in verdict.message
    assert "Cliff's delta +1.00 (large)" in verdict.message
    assert verdict.figures["latency_cliffs_delta"] == 1.0
    assert verdict.figures["latency_n"] == 10


def test_latency_vs_baseline_needs_both_windows() -> None:
    records = [*window("fault", 0, 9), *load_seconds(0, 9)]
    verdict = latency_vs_baseline(timeline(records), "fault")
    assert verdict.outcome is Outcome.ERROR
    assert "no 'baseline' window was recorded" in verdict.message


TYPICAL = {"p95_ms_typical_max": 50}


@pytest.mark.parametrize(
    ("samples", "outcome", "message"),
    [
        # one noisy second does not move the typical second
        ([*load_seconds(10, 18, p95=10.0), load(19, p95=900.0)], Outcome.PASS, "SLO held"),
        (load_seconds(10, 20, p95=45.0), Outcome.MARGINAL, "is near 50 ms: 45 ms"),
        (  # a lasting slowdown, under every worst-second ceiling
            load_seconds(10, 20, p95=80.0),
            Outcome.FAIL,
            "the typical second's p95 over the fault window exceeds 50 ms by 30 ms: 80 ms",
        ),
    ],
)
def test_typical_second_ceiling(samples: list[Record], outcome: Outcome, message: str) -> None:
    verdict = slo_held(timeline(FAULT_WINDOW, samples), TYPICAL, "fault")
    assert verdict.outcome is outcome, verdict.message
    assert message in verdict.message
    assert verdict.figures["p95_ms_typical_max"] == 50

"""The circuit breaker's state sequence through a Redis outage, and the load it shed."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.timeline import Outcome, Record
from chaosgate.verdicts.breaker import breaker_behaved, breakers_behaved
from chaosgate.verdicts.combine import aggregate_figures

from .builders import breaker, fault, load_seconds, stamp, timeline, window

CLOSED, OPEN, HALF_OPEN = 0, 1, 2
WINDOWS = [*window("baseline", 0, 19), *window("fault", 20, 60), *window("recovery", 60, 100)]
OUTAGE = [fault(20, "redis_outage", "start"), fault(60, "redis_outage", "end")]
BASELINE_LOAD = load_seconds(0, 19, p95=50.0, p99=80.0, degraded=0)
OPEN_LOAD = load_seconds(20, 60, p95=50.0, p99=80.0, degraded=100)
STATES = [
    breaker(0, CLOSED),
    breaker(10, CLOSED),
    breaker(22, OPEN),
    breaker(32, HALF_OPEN),
    breaker(33, OPEN),
    breaker(62, HALF_OPEN),
    breaker(65, CLOSED),
    breaker(90, CLOSED),
]


def judge(*parts: Record | list[Record], **options: Any) -> Any:
    settings: dict[str, Any] = {"open_within_s": 5, **options}
    records = timeline(WINDOWS, OUTAGE, BASELINE_LOAD, *parts)
    return breaker_behaved(records, "heart-display-0", **settings)


def test_breaker_that_opens_sheds_and_closes_passes_with_its_figures() -> None:
    verdict = judge(STATES, OPEN_LOAD)
    assert verdict.outcome is Outcome.PASS, verdict.message
    figures = verdict.figures
    assert (figures["breaker_open_s"], figures["breaker_close_s"]) == (2.0, 5.0)
    assert (figures["fail_ratio_open"], figures["degraded_ratio_open"]) == (0.0, 1.0)
    assert (figures["p99_open_ms"], figures["requests_open"]) == (80.0, 3900)
    assert figures["sequence"] == "closed>open>half-open>open>half-open>closed"
    assert figures["half_open_seen"] == 1
    assert figures["latency_vs_baseline"] == "pass"


def test_half_open_missed_by_the_scrapes_is_allowed() -> None:
    states = [breaker(0, CLOSED), breaker(22, OPEN), breaker(64, CLOSED)]
    verdict = judge(states, OPEN_LOAD)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.figures["sequence"] == "closed>open>closed"
    assert verdict.figures["half_open_seen"] == 0


def test_counter_first_seen_after_the_outage_started_is_no_evidence() -> None:
    # The counter may hold openings from long before; without a value from before the
    # outage to compare with, it proves nothing about this one.
    states = [breaker(0, CLOSED), breaker(24, HALF_OPEN, opened=4), breaker(64, CLOSED)]
    verdict = judge(states, OPEN_LOAD)
    assert verdict.outcome is Outcome.FAIL
    assert "breaker never opened during the 40.0 s outage" in verdict.message


def test_open_state_between_two_scrapes_shows_in_the_transition_counter() -> None:
    states = [breaker(0, CLOSED, opened=3), breaker(24, HALF_OPEN, opened=4), breaker(64, CLOSED)]
    verdict = judge(states, OPEN_LOAD)
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert verdict.figures["breaker_open_s"] == 4.0


@pytest.mark.parametrize(
    ("parts", "options", "outcome", "message"),
    [
        (
            [breaker(0, CLOSED), breaker(27, OPEN), breaker(64, CLOSED), OPEN_LOAD],
            {},
            Outcome.FAIL,
            "breaker opened 7.0 s after the outage started (budget 5 s, 2.0 s over), "
            f"at +7.0 s from redis_outage start ({stamp(27)})",
        ),
        (
            [breaker(0, CLOSED), breaker(24.5, OPEN), breaker(64, CLOSED), OPEN_LOAD],
            {},
            Outcome.MARGINAL,
            "breaker opened 4.5 s after the outage started (budget 5 s)",
        ),
        (
            [breaker(0, CLOSED), breaker(30, CLOSED), breaker(90, CLOSED), OPEN_LOAD],
            {},
            Outcome.FAIL,
            f"breaker never opened during the 40.0 s outage ({stamp(20)} to {stamp(60)})",
        ),
        (
            [breaker(10, OPEN), breaker(22, OPEN), breaker(64, CLOSED), OPEN_LOAD],
            {},
            Outcome.FAIL,
            "breaker was open, not closed, before the outage",
        ),
        (
            [STATES, load_seconds(20, 60, failures=5, degraded=95)],
            {},
            Outcome.FAIL,
            "fail ratio 0.0500 while the breaker was open against a limit of 0.01 "
            "(195 of 3900 failed)",
        ),
        (
            [STATES, load_seconds(20, 60, degraded=0)],
            {},
            Outcome.FAIL,
            "no degraded answers while the breaker was open: the fallback path was not used",
        ),
        (
            [STATES, OPEN_LOAD],
            {"max_p99_open_ms": 60},
            Outcome.FAIL,
            f"p99 80 ms while open against a limit of 60 ms, worst second at +2.0 s from "
            f"redis_outage start ({stamp(22)})",
        ),
        (
            [STATES, load_seconds(20, 60, p95=200.0, degraded=100)],
            {},
            Outcome.FAIL,
            "latency p95_ms while open vs baseline: median 200 vs baseline 50",
        ),
        (
            [breaker(0, CLOSED), breaker(22, OPEN), breaker(65, HALF_OPEN), OPEN_LOAD],
            {},
            Outcome.FAIL,
            f"breaker still half-open at the end of recovery (+80.0 s from redis_outage start "
            f"({stamp(100)}), last scrape at +45.0 s",
        ),
        (
            [STATES, OPEN_LOAD],
            {"close_within_s": 3},
            Outcome.FAIL,
            f"breaker closed 5.0 s into recovery (budget 3 s) at +45.0 s from redis_outage "
            f"start ({stamp(65)})",
        ),
    ],
)
def test_breaker_misbehaviour_says_what_when_and_how_much(
    parts: list[Any], options: dict[str, Any], outcome: Outcome, message: str
) -> None:
    verdict = judge(*parts, **options)
    assert verdict.outcome is outcome, verdict.message
    assert message in verdict.message


def test_load_without_degraded_counts_judges_failures_only() -> None:
    verdict = judge(STATES, load_seconds(20, 60))
    assert verdict.outcome is Outcome.PASS, verdict.message
    assert "degraded_ratio_open" not in verdict.figures


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ([WINDOWS, BASELINE_LOAD, STATES, OPEN_LOAD], "no redis_outage fault was started"),
        (
            [WINDOWS, OUTAGE, BASELINE_LOAD, STATES[2:], OPEN_LOAD],
            "no breaker state of 'heart-display-0' before the outage started",
        ),
        ([WINDOWS, OUTAGE, BASELINE_LOAD, STATES], "no requests completed while the breaker"),
        (
            [WINDOWS, OUTAGE, BASELINE_LOAD, STATES, load_seconds(20, 60, requests=0)],
            "no requests completed while the breaker was open",
        ),
        (  # only 5 seconds of open load: too few to compare with the baseline
            [WINDOWS, OUTAGE, BASELINE_LOAD, STATES, load_seconds(56, 60, degraded=100)],
            "inconclusive: 5 values vs 20 in the baseline",
        ),
        ([window("fault", 20, 60), OUTAGE, STATES, OPEN_LOAD], "no 'recovery' window"),
        (
            [window("fault", 20, 60), window("recovery", 60), OUTAGE, STATES, OPEN_LOAD],
            "window 'recovery' was opened but never closed",
        ),
    ],
)
def test_breaker_without_usable_data_is_an_error(parts: list[Any], reason: str) -> None:
    verdict = breaker_behaved(timeline(*parts), "heart-display-0", 5)
    assert verdict.outcome is Outcome.ERROR
    assert reason in verdict.message


def test_breaker_scrape_with_an_unknown_state_is_an_error() -> None:
    verdict = judge([breaker(0, CLOSED), breaker(22, 7)], OPEN_LOAD)
    assert verdict.outcome is Outcome.ERROR
    assert "'breaker_state' must be 0 (closed), 1 (open) or 2 (half-open), got 7" in verdict.message


def test_each_replica_keeps_its_own_figures() -> None:
    slow = [breaker(0, CLOSED, "heart-display-1"), breaker(24, OPEN, "heart-display-1")]
    slow += [breaker(68, CLOSED, "heart-display-1")]
    records = timeline(WINDOWS, OUTAGE, BASELINE_LOAD, OPEN_LOAD, STATES, slow)
    verdicts = breakers_behaved(records, open_within_s=5, close_within_s=10)
    figures = {k: v for verdict in verdicts[1:] for k, v in verdict.figures.items()}
    assert figures["breaker_open_s[heart-display-0]"] == 2.0
    assert figures["breaker_open_s[heart-display-1]"] == 4.0
    assert figures["breaker_close_s[heart-display-1]"] == 8.0
    assert aggregate_figures(figures)["breaker_open_s.max"] == 4.0
    assert "breaker_open_s" not in figures, "no replica's figure stands for all of them"


def two_replicas(second_opens_at: int | None) -> list[Record]:
    """heart-display-1 beside STATES' heart-display-0: opens at `second_opens_at`, or never."""
    states = [breaker(0, CLOSED, "heart-display-1")]
    if second_opens_at is not None:
        states.append(breaker(second_opens_at, OPEN, "heart-display-1"))
    return [*STATES, *states, breaker(68, CLOSED, "heart-display-1")]


def test_latency_while_open_is_one_verdict_from_the_last_opening() -> None:
    # Requests are slow until the last breaker opens at 24 s, and like the baseline after.
    waiting = load_seconds(20, 23, p95=900.0, p99=950.0, degraded=50)
    shedding = load_seconds(24, 60, p95=50.0, p99=80.0, degraded=100)
    records = timeline(WINDOWS, OUTAGE, BASELINE_LOAD, waiting, shedding, two_replicas(24))
    verdicts = breakers_behaved(records, open_within_s=5, close_within_s=10)
    latency = [v for v in verdicts if v.check == "latency_while_open"]
    assert len(latency) == 1, [v.check for v in verdicts]
    assert latency[0].outcome is Outcome.PASS, latency[0].message
    assert latency[0].figures["latency_n"] == 37, "the seconds from 24 to 60"
    replica_figures = [k for v in verdicts[1:-1] for k in v.figures]
    assert not [k for k in replica_figures if k.startswith("latency_")]


def test_latency_while_open_catches_slow_shedding() -> None:
    slow = load_seconds(20, 60, p95=400.0, p99=500.0, degraded=100)
    records = timeline(WINDOWS, OUTAGE, BASELINE_LOAD, slow, two_replicas(24))
    verdict = breakers_behaved(records, open_within_s=5, close_within_s=10)[-1]
    assert (verdict.check, verdict.outcome) == ("latency_while_open", Outcome.FAIL)


def test_latency_while_open_without_every_breaker_open_is_an_error() -> None:
    records = timeline(WINDOWS, OUTAGE, BASELINE_LOAD, OPEN_LOAD, two_replicas(None))
    verdict = breakers_behaved(records, open_within_s=5, close_within_s=10)[-1]
    assert (verdict.check, verdict.outcome) == ("latency_while_open", Outcome.ERROR)
    assert "1 of 2 breakers never opened" in verdict.message

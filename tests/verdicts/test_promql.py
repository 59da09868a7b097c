"""PromQL SLOs per window: each bounded answer Prometheus gave, judged against its bound."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.timeline import PROMQL, Outcome, Record
from chaosgate.verdicts.promql import PromqlBound, PromqlSlo, promql_slos_held, render

from .builders import at, timeline, window

QUERIES = {"beat_rate": "sum(rate(beats[{range}]))", "p99_s": "p99(latency[{range}])"}
WINDOWS = [*window("baseline", 0, 10), *window("fault", 10, 20)]


def answer(query: str, win: str, value: object, **extra: Any) -> Record:
    end = {"baseline": 10, "fault": 20}[win]
    data = {"window": win, "expr": render(QUERIES[query], 10_000), "value": value, **extra}
    return Record(at(end), PROMQL, query, data)


def slo(**bounds: dict[str, PromqlBound]) -> PromqlSlo:
    return PromqlSlo(queries=QUERIES, bounds=bounds)


BASELINE_RATE = answer("beat_rate", "baseline", 90.0)
FAULT_P99 = {"fault": {"p99_s": PromqlBound(max=0.1)}}
FAULT_RATE = {"fault": {"beat_rate": PromqlBound(min_share_of_baseline=0.5)}}


def judge(bounds: dict[str, dict[str, PromqlBound]], *answers: Record) -> Any:
    [verdict] = promql_slos_held(timeline(WINDOWS, answers), slo(**bounds))
    return verdict


@pytest.mark.parametrize(
    ("bounds", "answers", "outcome", "message"),
    [
        (FAULT_P99, [answer("p99_s", "fault", 0.02)], Outcome.PASS, "p99_s 0.02"),
        (
            FAULT_P99,
            [answer("p99_s", "fault", 0.09)],
            Outcome.MARGINAL,
            "p99_s is 0.09, over 80% of its maximum 0.1",
        ),
        (
            FAULT_P99,
            [answer("p99_s", "fault", 0.3)],
            Outcome.FAIL,
            "p99_s is 0.3, above its maximum 0.1",
        ),
        (
            {"fault": {"beat_rate": PromqlBound(min=5)}},
            [answer("beat_rate", "fault", 0.0)],
            Outcome.FAIL,
            "beat_rate is 0, below its minimum 5",
        ),
        (FAULT_RATE, [BASELINE_RATE, answer("beat_rate", "fault", 60.0)], Outcome.PASS, ""),
        (
            FAULT_RATE,
            [BASELINE_RATE, answer("beat_rate", "fault", 30.0)],
            Outcome.FAIL,
            "beat_rate is 30, below 50% of the baseline's 90",
        ),
        (  # a max of 0 (no breaker opened, no reload rejected) holds only at 0
            {"fault": {"p99_s": PromqlBound(max=0)}},
            [answer("p99_s", "fault", 1.0)],
            Outcome.FAIL,
            "p99_s is 1, above its maximum 0",
        ),
    ],
)
def test_bounds(
    bounds: dict[str, dict[str, PromqlBound]], answers: list[Record], outcome: Outcome, message: str
) -> None:
    verdict = judge(bounds, *answers)
    assert verdict.check == "promql_slo[fault]"
    assert verdict.outcome is outcome, verdict.message
    assert message in verdict.message


@pytest.mark.parametrize(
    ("bounds", "answers", "message"),
    [
        (FAULT_P99, [], "Prometheus was not asked for p99_s over the fault window"),
        (
            FAULT_P99,
            [answer("p99_s", "fault", None, why="NaN: nothing was observed in the window")],
            "Prometheus gave no value for p99_s (NaN: nothing was observed in the window)",
        ),
        (
            FAULT_RATE,
            [answer("beat_rate", "fault", 60.0)],
            "Prometheus was not asked for beat_rate over the baseline window",
        ),
        (
            FAULT_RATE,
            [
                answer("beat_rate", "baseline", None, why="no sample"),
                answer("beat_rate", "fault", 6),
            ],
            "beat_rate has no baseline value to compare with",
        ),
        (FAULT_P99, [answer("p99_s", "fault", "fast")], "'value' must be a number"),
    ],
)
def test_a_missing_answer_is_an_error(
    bounds: dict[str, dict[str, PromqlBound]], answers: list[Record], message: str
) -> None:
    verdict = judge(bounds, *answers)
    assert verdict.outcome is Outcome.ERROR
    assert message in verdict.message


def test_figures_name_query_and_window() -> None:
    verdict = judge(FAULT_RATE, BASELINE_RATE, answer("beat_rate", "fault", 45.0))
    assert verdict.figures == {
        "promql.beat_rate.fault": 45.0,
        "promql.beat_rate.fault_over_baseline": 0.5,
    }


def test_every_bounded_window_is_judged() -> None:
    bounds = {"baseline": {"beat_rate": PromqlBound(min=5)}, **FAULT_P99}
    verdicts = promql_slos_held(
        timeline(WINDOWS, [BASELINE_RATE, answer("p99_s", "fault", 0.5)]), slo(**bounds)
    )
    assert [(v.check, v.outcome) for v in verdicts] == [
        ("promql_slo[baseline]", Outcome.PASS),
        ("promql_slo[fault]", Outcome.FAIL),
    ]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"maximum": 1}, "unknown bound keys ['maximum']"),
        ({"max": "1"}, "bound max must be a number"),
        ({}, "a bound needs min, max or min_share_of_baseline"),
    ],
)
def test_bad_bounds_are_refused(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        PromqlBound.from_mapping(raw)


def test_render_sets_the_window_length() -> None:
    assert render("rate(x[{range}])", 12_345) == "rate(x[12345ms])"

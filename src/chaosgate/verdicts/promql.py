"""SLOs judged from PromQL: what a real Prometheus computed over each window.

The scenario asks Prometheus, once the run is over, for each SLO query over
each window (evaluated at the window's end, over the window's length) and
records the answers as PROMQL records (see chaosgate.verdicts.records). This
module judges those answers against per-window bounds, e.g. from
monitoring/slo.yaml:

    baseline: {beat_rate: {min: 5}, beat_p99_s: {max: 0.05}}
    fault:    {beat_rate: {min_share_of_baseline: 0.5}}

A bounded query without an answer (no record, no sample, NaN) is an ERROR: a
figure Prometheus could not compute is not a figure that held.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import partial

from chaosgate.timeline import PROMQL, Outcome, Timeline, Verdict
from chaosgate.verdicts.judging import (
    Findings,
    InsufficientData,
    guarded,
    limit_outcome,
    numbers_of,
)
from chaosgate.verdicts.records import PromqlSample, parse_all, promql_sample

BASELINE = "baseline"


@dataclass(frozen=True)
class PromqlBound:
    """What one query's value must be in one window; None means not constrained."""

    min: float | None = None
    max: float | None = None
    # At least this share of the same query's value in the baseline window, for
    # figures that follow the load (a beat rate) rather than a fixed number.
    min_share_of_baseline: float | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> PromqlBound:
        """Read a bound; unknown keys and non-numbers raise ValueError (a typo must not pass)."""
        values = numbers_of(raw, (f.name for f in fields(cls)), "bound")
        if not values:
            raise ValueError("a bound needs min, max or min_share_of_baseline")
        return cls(**values)


@dataclass(frozen=True)
class PromqlSlo:
    """One scenario's PromQL SLO: the queries, and each window's bounds on some of them."""

    queries: Mapping[str, str]  # query name -> PromQL, with {range} for the window's length
    bounds: Mapping[str, Mapping[str, PromqlBound]]  # window -> query name -> bound


def render(template: str, range_ms: int) -> str:
    """A query of the SLO file with {range} set to a window's length."""
    return template.replace("{range}", f"{range_ms}ms")


def promql_slos_held(timeline: Timeline, slo: PromqlSlo) -> list[Verdict]:
    """One verdict per window the SLO bounds: `promql_slo[<window>]`."""
    return [
        guarded(f"promql_slo[{window}]", partial(_window_held, timeline, slo, window))
        for window in slo.bounds
    ]


def _window_held(timeline: Timeline, slo: PromqlSlo, window: str) -> Verdict:
    answers = parse_all(timeline.of_kind(PROMQL), promql_sample)
    findings = Findings(f"promql_slo[{window}]")
    for query, bound in slo.bounds[window].items():
        answer = _answer(answers, query, window)
        if answer.value is None:
            findings.add(Outcome.ERROR, f"Prometheus gave no value for {query} ({answer.why})")
            continue
        findings.figures[f"promql.{query}.{window}"] = answer.value
        _judge(findings, answers, answer, bound)
    held = ", ".join(f"{q} {_show(_answer(answers, q, window).value)}" for q in slo.bounds[window])
    return findings.verdict(f"PromQL SLOs held in {window}: {held}")


def _answer(answers: list[PromqlSample], query: str, window: str) -> PromqlSample:
    """The last evaluation of query over window, or InsufficientData."""
    matching = [a for a in answers if a.query == query and a.window == window]
    if not matching:
        raise InsufficientData(f"Prometheus was not asked for {query} over the {window} window")
    return matching[-1]


def _judge(
    findings: Findings, answers: list[PromqlSample], answer: PromqlSample, bound: PromqlBound
) -> None:
    query, value = answer.query, answer.value
    assert value is not None  # answers without a value are errors before this
    if bound.max is not None:
        outcome = limit_outcome(value, bound.max)
        above = "above its maximum" if outcome is Outcome.FAIL else "over 80% of its maximum"
        findings.add(outcome, f"{query} is {_show(value)}, {above} {_show(bound.max)}")
    if bound.min is not None and value < bound.min:
        findings.add(
            Outcome.FAIL, f"{query} is {_show(value)}, below its minimum {_show(bound.min)}"
        )
    if bound.min_share_of_baseline is not None:
        _judge_against_baseline(findings, answers, answer, bound.min_share_of_baseline)


def _judge_against_baseline(
    findings: Findings, answers: list[PromqlSample], answer: PromqlSample, share: float
) -> None:
    query, value = answer.query, answer.value or 0.0
    baseline = _answer(answers, query, BASELINE).value
    if baseline is None:
        findings.add(Outcome.ERROR, f"{query} has no baseline value to compare with")
        return
    if baseline > 0:
        findings.figures[f"promql.{query}.{answer.window}_over_baseline"] = round(
            value / baseline, 3
        )
    if value < share * baseline:
        findings.add(
            Outcome.FAIL,
            f"{query} is {_show(value)}, below {share:.0%} of the baseline's {_show(baseline)}",
        )


def _show(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "no value"
    return f"{value:.4g}"

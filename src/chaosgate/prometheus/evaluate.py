"""The PromQL SLO queries evaluated over a scenario's windows, as timeline records.

Each query is evaluated at its window's end over the window's length, so the
answer covers exactly that window. Before asking, the harness waits until
Prometheus has scraped every target past the last window's end: an answer
computed from a scrape that had not happened yet would be judged on less
than the window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from chaosgate.prometheus.api import InstantSample, PrometheusApi, PrometheusError
from chaosgate.prometheus.server import JOB
from chaosgate.prometheus.slo_file import plotted_queries, slo_queries
from chaosgate.timeline import PROMQL, PROMQL_SERIES, Record, Timeline
from chaosgate.verdicts.promql import render
from chaosgate.waiting import Clock, SystemClock, wait_until

PLOT_STEP_S = 1.0


def answers_or_note(
    api: PrometheusApi,
    timeline: Timeline,
    wall_clock: Callable[[], float],
    lead_s: float,
) -> tuple[list[Record], str | None]:
    """ask_prometheus, or no records and a note saying why Prometheus could not answer.

    Every backend treats it the same: the note reaches the report, and the
    PromQL verdicts, finding no answers, are errors; the other verdicts stand.
    """
    try:
        return ask_prometheus(api, timeline, wall_clock, lead_s), None
    except PrometheusError as problem:
        return [], f"Prometheus could not be asked the SLO queries: {problem}"


def ask_prometheus(
    api: PrometheusApi,
    timeline: Timeline,
    wall_clock: Callable[[], float],
    lead_s: float,
) -> list[Record]:
    """The SLO answers over every window of the timeline, and the plotted series.

    The plots start lead_s before the first window (as much as the baseline).
    """
    windows = timeline.windows()
    if not windows:
        return []
    last_end = max(window.end for window in windows)
    scraped = wait_scraped(api, last_end, wall_clock)
    answers = evaluate_windows(api, timeline, slo_queries(), scraped)
    start = min(window.start for window in windows) - lead_s
    return [*answers, *plot_series(api, plotted_queries(), start, last_end)]


def evaluate_windows(
    api: PrometheusApi, timeline: Timeline, queries: Mapping[str, str], scraped: bool = True
) -> list[Record]:
    """One PROMQL record per query and per closed window of the timeline.

    scraped False (Prometheus never scraped past the last window) records every
    answer as missing, with that reason, rather than judging a partial window.
    """
    records = []
    for window in timeline.windows():
        range_ms = max(1000, round((window.end - window.start) * 1000))
        for query, template in queries.items():
            expr = render(template, range_ms)
            if scraped:
                value, why = single_value(api.query(expr, window.end))
            else:
                value, why = None, "Prometheus had not scraped every replica past the window"
            data = {"window": window.name, "expr": expr, "value": value}
            records.append(
                Record(window.end, PROMQL, query, {**data, **({"why": why} if why else {})})
            )
    return records


def single_value(samples: Sequence[InstantSample]) -> tuple[float | None, str]:
    """The one finite value of an answer, or None and why there is none."""
    if not samples:
        return None, "no sample: no series matched (a rate needs two scrapes in the window)"
    if len(samples) > 1:
        return None, f"{len(samples)} samples where one was expected"
    value = samples[0].value
    if math.isnan(value):
        return None, "NaN: nothing was observed in the window"
    if math.isinf(value):
        return None, f"{value}: outside the histogram's buckets"
    return value, ""


def plot_series(
    api: PrometheusApi, plots: Mapping[str, str], start: float, end: float
) -> list[Record]:
    """One PROMQL_SERIES record per series of each plotted query from start to end."""
    records = []
    for name, expr in plots.items():
        for series in api.query_range(expr, start, end, PLOT_STEP_S):
            points = [[t, v] for t, v in series.points if math.isfinite(v)]
            records.append(
                Record(end, PROMQL_SERIES, name, {"labels": dict(series.labels), "points": points})
            )
    return records


def wait_scraped(
    api: PrometheusApi,
    until: float,
    wall_clock: Callable[[], float],
    timeout_s: float = 15.0,
    clock: Clock | None = None,
) -> bool:
    """Wait until every target's latest scrape is at or after UNIX time `until`."""
    expr = f'min(timestamp(up{{job="{JOB}"}}))'

    def scraped() -> bool:
        answer = api.query(expr, wall_clock())
        return bool(answer) and answer[0].value >= until

    return wait_until(scraped, timeout=timeout_s, interval=0.5, clock=clock or SystemClock())

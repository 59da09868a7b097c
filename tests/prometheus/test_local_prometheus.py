"""A real Prometheus scraping real heart-display processes, asked the SLO queries over windows.

The windows are marked around beats this test sends, so the answers can be
checked against what was sent; the verdict then judges those answers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.errors import ChaosgateError
from chaosgate.prometheus.api import PrometheusApi, PrometheusError
from chaosgate.prometheus.evaluate import evaluate_windows, plot_series, wait_scraped
from chaosgate.prometheus.server import LocalPrometheus, ScrapeTarget
from chaosgate.prometheus.slo_file import plotted_queries, slo_queries
from chaosgate.stack.http_probe import http_call
from chaosgate.timeline import PROMQL, PROMQL_SERIES, WINDOW, Outcome, Record, Timeline
from chaosgate.verdicts.promql import PromqlBound, PromqlSlo, promql_slos_held
from chaosgate.verdicts.records import promql_sample
from helpers.process_stack import ProcessStack

BEATS_PER_REPLICA = 60
SEND_SECONDS = 4.0


@pytest.fixture(scope="module")
def scraped_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalPrometheus, Timeline]]:
    """Two replicas scraped each second; a quiet baseline window, then a busy 'load' window."""
    work = tmp_path_factory.mktemp("prometheus")
    (work / "stack").mkdir()
    with ProcessStack(work / "stack", replicas=2) as stack:
        targets = [
            ScrapeTarget(url.removeprefix("http://"), {"pod": f"heart-display-{i}"})
            for i, url in enumerate(stack.endpoints)
        ]
        with LocalPrometheus(targets, work / "prometheus") as prometheus:
            marks = [*mark("baseline", lambda: time.sleep(3.0))]
            marks += mark("load", lambda: send_beats(stack.endpoints))
            timeline = Timeline(marks)
            assert wait_scraped(prometheus.api, marks[-1].t, time.time), "never scraped"
            yield prometheus, timeline


def mark(name: str, during: object) -> list[Record]:
    start = time.time()
    during()  # type: ignore[operator]
    edges = [("start", start), ("end", time.time())]
    return [Record(t, WINDOW, name, {"window": name, "edge": edge}) for edge, t in edges]


def send_beats(endpoints: list[str]) -> None:
    pause = SEND_SECONDS / BEATS_PER_REPLICA
    for _ in range(BEATS_PER_REPLICA):
        for url in endpoints:
            assert http_call(f"{url}/").ok
        time.sleep(pause)


def answers(prometheus: LocalPrometheus, timeline: Timeline) -> dict[tuple[str, str], float | None]:
    records = evaluate_windows(prometheus.api, timeline, slo_queries())
    return {(s.query, s.window): s.value for s in map(promql_sample, records)}


def test_the_answers_match_what_was_sent(scraped_run: tuple[LocalPrometheus, Timeline]) -> None:
    prometheus, timeline = scraped_run
    got = answers(prometheus, timeline)
    load = timeline.window("load")
    assert load is not None
    sent_rate = 2 * BEATS_PER_REPLICA / (load.end - load.start)
    beat_rate = got[("beat_rate", "load")]
    assert beat_rate is not None
    # rate() extrapolates from the scrapes inside the window: near, not equal.
    assert 0.5 * sent_rate < beat_rate < 1.5 * sent_rate, (beat_rate, sent_rate)
    assert got[("beat_rate", "baseline")] == 0.0
    p99 = got[("beat_p99_s", "load")]
    assert p99 is not None and 0 < p99 < 1.0
    assert got[("beat_p99_s", "baseline")] is None  # no beat: histogram_quantile is NaN
    assert got[("breaker_state_max", "load")] == 0.0
    assert got[("reload_failures", "load")] == 0.0


def test_the_verdict_judges_the_answers(scraped_run: tuple[LocalPrometheus, Timeline]) -> None:
    prometheus, timeline = scraped_run
    judged = Timeline(
        [*timeline.records, *evaluate_windows(prometheus.api, timeline, slo_queries())]
    )
    slo = PromqlSlo(
        slo_queries(),
        {
            "load": {"beat_rate": PromqlBound(min=1), "breaker_state_max": PromqlBound(max=0)},
            "baseline": {"beat_p99_s": PromqlBound(max=1)},
        },
    )
    verdicts = {v.check: v for v in promql_slos_held(judged, slo)}
    assert verdicts["promql_slo[load]"].outcome is Outcome.PASS, verdicts["promql_slo[load]"]
    # No beat in the baseline: its p99 cannot be computed, which is an error, not a pass.
    assert verdicts["promql_slo[baseline]"].outcome is Outcome.ERROR
    assert "NaN: nothing was observed" in verdicts["promql_slo[baseline]"].message
    too_much = PromqlSlo(slo_queries(), {"load": {"beat_rate": PromqlBound(min=10_000)}})
    [failed] = promql_slos_held(judged, too_much)
    assert failed.outcome is Outcome.FAIL


def test_the_plots_have_one_series_per_replica(
    scraped_run: tuple[LocalPrometheus, Timeline],
) -> None:
    prometheus, timeline = scraped_run
    load = timeline.window("load")
    assert load is not None
    records = plot_series(prometheus.api, plotted_queries(), load.start, load.end)
    rates = [r for r in records if r.kind == PROMQL_SERIES and r.name == "beat_rate"]
    assert sorted(r.data["labels"]["pod_name"] for r in rates) == [
        "heart-display-0",
        "heart-display-1",
    ]
    assert all(max(v for _, v in r.data["points"]) > 0 for r in rates)
    assert all(r.kind != PROMQL for r in records)


def test_a_bad_query_is_refused_by_name(scraped_run: tuple[LocalPrometheus, Timeline]) -> None:
    prometheus, _ = scraped_run
    with pytest.raises(PrometheusError, match=r"refused 'sum\(rate\(x\['"):
        prometheus.api.query("sum(rate(x[", time.time())


def test_only_loopback_servers_are_queried() -> None:
    with pytest.raises(PrometheusError, match="not on loopback"):
        PrometheusApi("http://198.18.0.5:9090")


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the TSDB directory should be")
    refused = pytest.raises(
        ChaosgateError, match=r"(?s)did not become ready.*prometheus\.log.*data"
    )
    with refused, LocalPrometheus([ScrapeTarget("127.0.0.1:1")], tmp_path):
        pass

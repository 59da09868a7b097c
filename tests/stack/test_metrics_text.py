"""The Prometheus text parser, on /metrics output captured from a real heart-display."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.prometheus.metrics_text import MetricsFormatError, heart_metrics, parse_samples

DATA = Path(__file__).parent / "data"


def test_figures_after_an_outage_that_closed_again() -> None:
    figures = heart_metrics((DATA / "metrics_after_outage.txt").read_text())
    assert figures["breaker_state"] == 0
    assert figures["beats_total"] == 36
    assert figures["rate_total"] == 25
    assert figures["degraded_beats_total"] == 11
    assert figures["love_level"] == 7
    assert figures["breaker_transitions"] == {
        "closed->open": 1,
        "half-open->closed": 1,
        "half-open->open": 1,
        "open->half-open": 2,
    }
    assert figures["config_reloads_accepted"] == 0


def test_figures_while_the_breaker_is_open() -> None:
    figures = heart_metrics((DATA / "metrics_breaker_open.txt").read_text())
    assert figures["breaker_state"] == 1
    assert figures["breaker_transitions"]["closed->open"] == 2


def test_every_line_of_a_real_scrape_parses() -> None:
    text = (DATA / "metrics_after_outage.txt").read_text()
    samples = parse_samples(text)
    sample_lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(samples) == len(sample_lines)
    inf_bucket = next(s for s in samples if s.labels.get("le") == "+Inf")
    assert inf_bucket.name == "beat_latency_seconds_bucket"


@pytest.mark.parametrize(
    ("line", "name", "labels", "value"),
    [
        ("up 1", "up", {}, 1.0),
        ('m{a="x",b="y"} 2.5 1712345678000', "m", {"a": "x", "b": "y"}, 2.5),
        ('m{path="a\\"b\\\\c\\nd",} 3', "m", {"path": 'a"b\\c\nd'}, 3.0),
        ('m{le="+Inf"} +Inf', "m", {"le": "+Inf"}, float("inf")),
        ("m 1e-05", "m", {}, 1e-05),
    ],
)
def test_sample_lines(line: str, name: str, labels: dict[str, str], value: float) -> None:
    (sample,) = parse_samples(line)
    assert (sample.name, dict(sample.labels), sample.value) == (name, labels, value)


@pytest.mark.parametrize("line", ["not a sample", 'm{a="x" 1', "m one", "m{a=x} 1"])
def test_malformed_lines_are_errors(line: str) -> None:
    with pytest.raises(MetricsFormatError):
        parse_samples(line)


def test_missing_series_are_none_not_zero() -> None:
    figures = heart_metrics("# nothing but a comment\n")
    assert figures["breaker_state"] is None
    assert figures["breaker_transitions"] == {}

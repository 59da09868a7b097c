"""The Prometheus text exposition format, parsed for the heart-display series we judge.

prometheus_client is not a dependency, and we need a handful of series, so
this is a small parser of the format (comments, labels with escapes, optional
timestamps) plus heart_metrics(), which picks the series out. Pure functions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s+(?P<rest>.+)$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


class MetricsFormatError(ValueError):
    """A line of /metrics output that is not in the Prometheus text format."""


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


def _unescape(value: str) -> str:
    return re.sub(r"\\[\\\"n]", lambda m: _UNESCAPE[m.group(0)], value)


def _parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    position = 0
    while position < len(text.rstrip()):
        match = _LABEL.match(text, position)
        if match is None:
            raise MetricsFormatError(f"bad label set: {{{text}}}")
        labels[match.group(1)] = _unescape(match.group(2))
        position = match.end()
    return labels


def _parse_value(text: str) -> float:
    # "+Inf", "-Inf", "NaN" are valid values; float() reads all three.
    try:
        return float(text)
    except ValueError as exc:
        raise MetricsFormatError(f"bad sample value: {text!r}") from exc


def parse_samples(text: str) -> list[Sample]:
    """Every sample line of a text exposition (comments and blank lines skipped)."""
    samples = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if match is None:
            raise MetricsFormatError(f"not a sample line: {line!r}")
        # An optional timestamp follows the value; we do not need it.
        value_text = match.group("rest").split()[0]
        labels = _parse_labels(match.group("labels") or "")
        samples.append(Sample(match.group("name"), labels, _parse_value(value_text)))
    return samples


def _total(samples: Iterable[Sample], name: str, **labels: str) -> float | None:
    """Sum of the series called name whose labels include labels; None when there is none."""
    values = [
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    return math.fsum(values) if values else None


def _as_int(value: float | None) -> int | None:
    return None if value is None or math.isnan(value) else int(value)


def heart_metrics(text: str) -> dict[str, Any]:
    """The figures a METRICS record carries, from one heart-display /metrics scrape.

    breaker_state is the gauge (0 closed, 1 open, 2 half-open); the transition
    counters catch states that lasted less than one sampling interval.
    """
    samples = parse_samples(text)
    transitions = {
        f"{s.labels.get('from')}->{s.labels.get('to')}": int(s.value)
        for s in samples
        if s.name == "heart_display_breaker_transitions_total"
    }
    return {
        "breaker_state": _as_int(_total(samples, "heart_display_breaker_state")),
        "beats_total": _as_int(_total(samples, "heart_display_beats_total")),
        "rate_total": _as_int(_total(samples, "heart_rate_total")),
        "degraded_beats_total": _as_int(
            _total(samples, "beat_latency_seconds_count", outcome="degraded")
        ),
        "breaker_transitions": transitions,
        "love_level": _as_int(_total(samples, "heart_display_love_level")),
        "config_reloads_accepted": _as_int(
            _total(samples, "heart_display_config_reloads_total", result="accepted")
        ),
        "config_reloads_rejected": _as_int(
            _total(samples, "heart_display_config_reloads_total", result="rejected")
        ),
    }

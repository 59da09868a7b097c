"""Service-level objectives over load windows, and latency compared with the baseline.

An SLO is a set of maxima per window, e.g. from loadtests/slo.yaml:

    default:  {fail_ratio_max: 0.01, p95_ms_max: 200, p99_ms_max: 500}
    fault:    {fail_ratio_max: 0.05, p95_ms_max: 400}

How a window's percentiles are aggregated from per-second samples (its worst
second, an upper bound) is explained in chaosgate.verdicts.load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from chaosgate.timeline import Timeline, Verdict
from chaosgate.verdicts.comparison import Comparison, compare_to_baseline
from chaosgate.verdicts.judging import (
    Findings,
    InsufficientData,
    guarded,
    limit_outcome,
    numbers_of,
)
from chaosgate.verdicts.load import (
    LoadSummary,
    latency_series,
    load_samples,
    summarize,
    typical,
    worst_second,
)
from chaosgate.verdicts.records import LATENCY_METRICS, LoadSample
from chaosgate.verdicts.windows import Origin, fault_origin, require, require_window


@dataclass(frozen=True)
class Slo:
    """Maxima for one window; None means not constrained."""

    fail_ratio_max: float | None = None
    p50_ms_max: float | None = None
    p95_ms_max: float | None = None
    p99_ms_max: float | None = None
    # The typical second's p95 (request-weighted median over the window's seconds):
    # a slowdown that lasts, which one noisy second cannot fake.
    p95_ms_typical_max: float | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> Slo:
        """Read an SLO; unknown keys and non-numbers raise ValueError (a typo must not pass)."""
        return cls(**numbers_of(raw, (f.name for f in fields(cls)), "SLO", non_negative=True))

    def latency_limits(self) -> dict[str, float]:
        limits = {m: getattr(self, f"{m}_max") for m in LATENCY_METRICS}
        return {metric: limit for metric, limit in limits.items() if limit is not None}


def slo_for(config: Mapping[str, Mapping[str, object]], window: str) -> Slo:
    """The SLO of a window: its own entry, else the "default" entry."""
    entry = config.get(window, config.get("default"))
    if entry is None:
        raise ValueError(f"no SLO for window {window!r} and no 'default' entry")
    return Slo.from_mapping(entry)


def slo_held(timeline: Timeline, slo: Slo | Mapping[str, object], window: str) -> Verdict:
    """The load in `window` met the SLO: fail ratio and worst-second percentiles within maxima.

    Figures: requests, failures, seconds, fail_ratio, p50_ms/p95_ms/p99_ms (worst second),
    p95_ms_typical (request-weighted median second), and the limits applied.
    """
    limits = slo if isinstance(slo, Slo) else Slo.from_mapping(slo)
    check = f"slo_held[{window}]"
    return guarded(check, lambda: _slo_held(timeline, limits, window, check))


def slos_held(timeline: Timeline, slos: Mapping[str, Slo]) -> list[Verdict]:
    """slo_held for each window of `slos`, figures keyed by window (`fail_ratio.fault`)."""
    verdicts = []
    for window, slo in slos.items():
        verdict = slo_held(timeline, slo, window)
        figures = {f"{key}.{window}": value for key, value in verdict.figures.items()}
        verdicts.append(Verdict(verdict.check, verdict.outcome, verdict.message, figures))
    return verdicts


def _slo_held(timeline: Timeline, slo: Slo, name: str, check: str) -> Verdict:
    window = require_window(timeline, name)
    samples = require(
        load_samples(timeline, window.start, window.end), f"no load samples in the {name} window"
    )
    summary = summarize(samples)
    if summary.fail_ratio is None:
        raise InsufficientData(f"no requests completed in the {name} window ({len(samples)} s)")
    origin = fault_origin(timeline, window)
    findings = Findings(check, _load_figures(summary, samples))
    if slo.fail_ratio_max is not None:
        _judge_fail_ratio(findings, summary, slo.fail_ratio_max, name)
    for metric, limit in slo.latency_limits().items():
        _judge_latency(findings, samples, metric, limit, origin)
    if slo.p95_ms_typical_max is not None:
        _judge_typical(findings, samples, slo.p95_ms_typical_max, name)
    return findings.verdict(
        f"SLO held over the {name} window ({summary.requests} requests in {len(samples)} s, "
        f"fail ratio {summary.fail_ratio:.4f})"
    )


def _load_figures(summary: LoadSummary, samples: list[LoadSample]) -> dict[str, float | int | str]:
    figures: dict[str, float | int | str] = {
        "requests": summary.requests,
        "failures": summary.failures,
        "seconds": summary.seconds,
        "fail_ratio": round(summary.fail_ratio or 0.0, 6),
    }
    for metric in LATENCY_METRICS:
        worst = worst_second(samples, metric)
        if worst is not None:
            figures[metric] = worst.value
    p95_typical = typical(samples, "p95_ms")
    if p95_typical is not None:
        figures["p95_ms_typical"] = p95_typical
    return figures


def _judge_fail_ratio(findings: Findings, summary: LoadSummary, limit: float, name: str) -> None:
    ratio = summary.fail_ratio or 0.0
    findings.figures["fail_ratio_max"] = limit
    outcome = limit_outcome(ratio, limit)
    if ratio > limit:
        relation = f"exceeds the limit {limit:g} by {ratio - limit:.4f}"
    else:
        relation = f"is near the limit {limit:g}"
    findings.add(
        outcome,
        f"fail ratio {ratio:.4f} over the {name} window {relation} "
        f"({summary.failures} of {summary.requests} requests failed)",
    )


def _judge_latency(
    findings: Findings, samples: list[LoadSample], metric: str, limit: float, origin: Origin
) -> None:
    worst = worst_second(samples, metric)
    if worst is None:
        raise InsufficientData(f"no {metric} values in the load samples")
    findings.figures[f"{metric}_max"] = limit
    over = worst.value - limit
    relation = f"exceeded {limit:g} ms by {over:g} ms" if over > 0 else f"is near {limit:g} ms"
    findings.add(
        limit_outcome(worst.value, limit),
        f"{metric} {relation}: worst second {worst.value:g} ms at {origin.describe(worst.t)}",
    )


def _judge_typical(findings: Findings, samples: list[LoadSample], limit: float, name: str) -> None:
    value = typical(samples, "p95_ms")
    if value is None:
        raise InsufficientData("no p95_ms values in the load samples")
    findings.figures["p95_ms_typical_max"] = limit
    over = value - limit
    relation = f"exceeds {limit:g} ms by {over:g} ms" if over > 0 else f"is near {limit:g} ms"
    findings.add(
        limit_outcome(value, limit),
        f"the typical second's p95 over the {name} window {relation}: {value:g} ms "
        f"(request-weighted median of {len(samples)} seconds)",
    )


# The smallest slowdown of a window's median per-second latency that counts as a
# regression. Measured here: in one quiet breaker run every second while the breaker
# was open was 0.8 ms slower than the baseline (median 3.3 vs 2.5 ms) and the test
# called that a large, significant effect. A tenth of the typical-second ceiling
# (p95_ms_typical_max 50 ms, loadtests/slo.yaml) is the least a user could notice.
LATENCY_SHIFT_FLOOR_MS = 5.0


def latency_comparison(
    timeline: Timeline,
    baseline: str,
    start: float,
    end: float,
    *,
    metric: str = "p95_ms",
    alpha: float = 0.05,
) -> Comparison:
    """Per-second `metric` from start to end, compared with the closed `baseline` window."""
    base = require_window(timeline, baseline)
    reference = latency_series(load_samples(timeline, base.start, base.end), metric)
    observed = latency_series(load_samples(timeline, start, end), metric)
    return compare_to_baseline(reference, observed, alpha=alpha, min_shift=LATENCY_SHIFT_FLOOR_MS)


def add_comparison(findings: Findings, comparison: Comparison, what: str) -> None:
    """Add a baseline comparison to a verdict: figures prefixed `latency_`, outcome as judged."""
    findings.figures.update(comparison.figures("latency_"))
    findings.add(comparison.outcome, f"latency {what} vs baseline: {comparison.message}")


def latency_vs_baseline(
    timeline: Timeline,
    window: str,
    *,
    metric: str = "p95_ms",
    baseline: str = "baseline",
    alpha: float = 0.05,
) -> Verdict:
    """Per-second `metric` in `window` is not worse than in `baseline` (Mann-Whitney + delta).

    Figures: latency_median, latency_baseline_median, latency_u, latency_p_value,
    latency_cliffs_delta, latency_n, latency_n_baseline, latency_vs_baseline.
    Fewer than 8 seconds with requests on either side is inconclusive: ERROR.
    """
    check = f"latency_vs_baseline[{window}]"

    def judge() -> Verdict:
        span = require_window(timeline, window)
        comparison = latency_comparison(
            timeline, baseline, span.start, span.end, metric=metric, alpha=alpha
        )
        findings = Findings(check)
        add_comparison(findings, comparison, f"{metric} in {window}")
        return findings.verdict(
            f"{metric} in {window} no worse than {baseline}: {comparison.message}"
        )

    return guarded(check, judge)

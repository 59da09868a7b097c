"""Is a window worse than the baseline? A Mann-Whitney U test plus Cliff's delta.

Per-second latencies are skewed and far from normal, and a chaos window is
short, so the comparison is rank-based: the Mann-Whitney U test (no
distribution assumed) for "is there a difference at all", and Cliff's delta
for "how big, and which way". Significance alone is not enough (with many
samples a 1 ms shift is significant) and size alone is not enough (with few
samples a large delta can be chance), so the decision needs both:

    FAIL      p < alpha, |delta| >= 0.474 (large), the window is worse, and its
              median is worse by at least `min_shift` (in the values' unit);
    MARGINAL  worse, and either significant with a small or medium effect
              (0.147 <= |delta| < 0.474), or large but not significant, or
              significant and large but a shift of the median under `min_shift`;
    PASS      otherwise: no worse, not significant with a small effect, or a
              significant but negligible effect (|delta| < 0.147);
    ERROR     fewer than `min_samples` values on either side: the normal
              approximation below is not trustworthy and the test has too
              little power to clear anything, so the result is inconclusive.

Cliff's delta has no unit: a window whose every second is 0.8 ms slower is
"large", however little 0.8 ms matters. `min_shift` is the smallest change of
the median the caller counts as a regression (0 by default).

The thresholds for delta are Romano et al. (2006): negligible < 0.147 <=
small < 0.33 <= medium < 0.474 <= large. The p-value is two-sided, from the
normal approximation of U with the tie correction of the variance and a
continuity correction of 0.5; it is sound from about 8 values per side.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from chaosgate.timeline import Outcome

SMALL, MEDIUM, LARGE = 0.147, 0.33, 0.474
MIN_SAMPLES = 8


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks of the values; tied values share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        shared = (start + end) / 2 + 1  # mean of ranks start+1 .. end+1
        for position in range(start, end + 1):
            result[order[position]] = shared
        start = end + 1
    return result


@dataclass(frozen=True)
class MannWhitney:
    """U statistics of a two-sample Mann-Whitney test and its two-sided p-value."""

    u_baseline: float  # pairs where the baseline value is larger (ties count 1/2)
    u_other: float  # pairs where the other value is larger (ties count 1/2)
    z: float
    p_value: float


def mann_whitney_u(baseline: Sequence[float], other: Sequence[float]) -> MannWhitney:
    """The Mann-Whitney U test, normal approximation with tie and continuity corrections."""
    n1, n2 = len(baseline), len(other)
    if n1 == 0 or n2 == 0:
        raise ValueError("the Mann-Whitney test needs at least one value on each side")
    ranked = ranks([*baseline, *other])
    u_baseline = sum(ranked[:n1]) - n1 * (n1 + 1) / 2
    u_other = n1 * n2 - u_baseline
    sigma = math.sqrt(_u_variance(ranked, n1, n2))
    if sigma == 0:  # every value tied: no evidence of any difference
        return MannWhitney(u_baseline, u_other, 0.0, 1.0)
    z = max(0.0, abs(u_other - n1 * n2 / 2) - 0.5) / sigma
    return MannWhitney(u_baseline, u_other, z, math.erfc(z / math.sqrt(2)))


def _u_variance(ranked: Sequence[float], n1: int, n2: int) -> float:
    """Var(U) under H0, reduced for ties: n1*n2/12 * ((n+1) - sum(t^3 - t) / (n(n-1)))."""
    n = n1 + n2
    if n < 2:
        return 0.0
    tie_sizes = [ranked.count(r) for r in set(ranked)]
    ties = sum(t**3 - t for t in tie_sizes)
    return n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))


def cliffs_delta(baseline: Sequence[float], other: Sequence[float]) -> float:
    """P(other > baseline) - P(other < baseline), from -1 to 1; equals the rank-biserial r."""
    pairs = len(baseline) * len(other)
    return (2 * mann_whitney_u(baseline, other).u_other - pairs) / pairs


def effect_label(delta: float) -> str:
    size = abs(delta)
    if size >= LARGE:
        return "large"
    if size >= MEDIUM:
        return "medium"
    return "small" if size >= SMALL else "negligible"


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing a window's values with the baseline's."""

    outcome: Outcome  # ERROR means inconclusive (too few samples)
    message: str
    n_baseline: int
    n_other: int
    baseline_median: float
    other_median: float
    u: float  # U of the other window
    p_value: float
    delta: float  # Cliff's delta, positive when the other window's values are larger

    @property
    def conclusive(self) -> bool:
        return self.outcome is not Outcome.ERROR

    def figures(self, prefix: str = "") -> dict[str, float | int | str]:
        """Figures for a report; statistics an inconclusive test lacks are left out."""
        figures: dict[str, float | int | str] = {
            f"{prefix}baseline_median": self.baseline_median,
            f"{prefix}median": self.other_median,
            f"{prefix}u": self.u,
            f"{prefix}p_value": round(self.p_value, 6),
            f"{prefix}cliffs_delta": round(self.delta, 4),
            f"{prefix}n_baseline": self.n_baseline,
            f"{prefix}n": self.n_other,
            f"{prefix}vs_baseline": "inconclusive" if not self.conclusive else self.outcome.value,
        }
        return {k: v for k, v in figures.items() if not (isinstance(v, float) and math.isnan(v))}


def compare_to_baseline(
    baseline: Sequence[float],
    other: Sequence[float],
    *,
    alpha: float = 0.05,
    higher_is_worse: bool = True,
    min_samples: int = MIN_SAMPLES,
    min_shift: float = 0.0,
) -> Comparison:
    """Judge whether `other` is worse than `baseline` (see the module docstring for the rule)."""
    n1, n2 = len(baseline), len(other)
    if min(n1, n2) < min_samples:
        return _inconclusive(baseline, other, min_samples)
    test = mann_whitney_u(baseline, other)
    delta = (2 * test.u_other - n1 * n2) / (n1 * n2)
    shift = statistics.median(other) - statistics.median(baseline)
    outcome = decide(test.p_value, delta, alpha=alpha, higher_is_worse=higher_is_worse)
    softened = outcome is Outcome.FAIL and abs(shift) < min_shift
    if softened:
        outcome = Outcome.MARGINAL
    summary = (
        f"median {statistics.median(other):g} vs baseline {statistics.median(baseline):g}, "
        f"Cliff's delta {delta:+.2f} ({effect_label(delta)}), p={test.p_value:.3g} "
        f"(Mann-Whitney U={test.u_other:g}, n={n2} vs {n1})"
        + (f"; a shift under the {min_shift:g} that counts" if softened else "")
    )
    return Comparison(
        outcome,
        summary,
        n1,
        n2,
        statistics.median(baseline),
        statistics.median(other),
        test.u_other,
        test.p_value,
        delta,
    )


def decide(p_value: float, delta: float, *, alpha: float, higher_is_worse: bool) -> Outcome:
    """The decision rule of the module docstring, from a p-value and Cliff's delta."""
    worse = delta > 0 if higher_is_worse else delta < 0
    significant = p_value < alpha
    size = abs(delta)
    if not worse or size < SMALL:
        return Outcome.PASS  # better, equal, or a difference too small to matter
    if significant and size >= LARGE:
        return Outcome.FAIL
    if significant or size >= LARGE:
        return Outcome.MARGINAL
    return Outcome.PASS


def _inconclusive(
    baseline: Sequence[float], other: Sequence[float], min_samples: int
) -> Comparison:
    message = (
        f"inconclusive: {len(other)} values vs {len(baseline)} in the baseline; "
        f"the test needs at least {min_samples} on each side to say anything"
    )
    return Comparison(
        Outcome.ERROR,
        message,
        len(baseline),
        len(other),
        statistics.median(baseline) if baseline else math.nan,
        statistics.median(other) if other else math.nan,
        math.nan,
        math.nan,
        math.nan,
    )

"""Mann-Whitney U, Cliff's delta and the baseline decision rule, on hand-computed examples."""

from __future__ import annotations

import math

import pytest

from chaosgate.timeline import Outcome
from chaosgate.verdicts.comparison import (
    cliffs_delta,
    compare_to_baseline,
    decide,
    effect_label,
    mann_whitney_u,
    ranks,
)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3.0, 1.0, 2.0], [3.0, 1.0, 2.0]),
        ([5.0, 5.0, 1.0], [2.5, 2.5, 1.0]),  # the two 5s share ranks 2 and 3
        ([7.0, 7.0, 7.0], [2.0, 2.0, 2.0]),
        ([1.0, 2.0, 2.0, 2.0, 9.0], [1.0, 3.0, 3.0, 3.0, 5.0]),
        ([], []),
    ],
)
def test_ranks_share_the_mean_rank_among_ties(values: list[float], expected: list[float]) -> None:
    assert ranks(values) == expected


def test_u_of_the_textbook_race() -> None:
    # The race in Wikipedia's Mann-Whitney article finishes T H H H H H T T T T T H.
    # As finishing positions: tortoises 1, 7, 8, 9, 10, 11; hares 2, 3, 4, 5, 6, 12.
    # Counting by hand the pairs a tortoise wins (finishes first): the first tortoise
    # beats all 6 hares, the other five beat only the last hare: U_T = 6 + 5 = 11;
    # the hares win the rest: U_H = 36 - 11 = 25.
    tortoises, hares = [1, 7, 8, 9, 10, 11], [2, 3, 4, 5, 6, 12]
    test = mann_whitney_u(tortoises, hares)
    # u_other counts pairs where the hare's time is larger, i.e. the tortoise won.
    assert (test.u_other, test.u_baseline) == (11, 25)


def test_fully_separated_samples() -> None:
    # 1..8 vs 9..16: every other value is larger, so U_other = 8 * 8 = 64, U_baseline = 0.
    # No ties: Var(U) = n1 n2 (n + 1) / 12 = 64 * 17 / 12 = 90.667, sigma = 9.5219.
    # z = (|64 - 32| - 0.5) / 9.5219 = 3.3082; two-sided p = 2 (1 - Phi(3.3082)) = 0.000939.
    test = mann_whitney_u(list(range(1, 9)), list(range(9, 17)))
    assert (test.u_baseline, test.u_other) == (0, 64)
    assert test.z == pytest.approx(3.3082, abs=1e-4)
    assert test.p_value == pytest.approx(0.000939, abs=1e-6)


def test_ties_reduce_the_variance() -> None:
    # baseline 1..8, other 5..12: 5, 6, 7, 8 appear twice. Pooled ranks: 1 2 3 4, then
    # 5.5 7.5 9.5 11.5 for the tied pairs, 13..16. R_baseline = 10 + 34 = 44,
    # U_baseline = 44 - 8 * 9 / 2 = 8 (by pairs: 6 wins + 4 ties / 2), U_other = 56.
    # Tie term: four ties of 2, sum(t^3 - t) = 24. Var(U) = 64/12 * (17 - 24 / 240) = 90.133,
    # sigma = 9.4939; z = (24 - 0.5) / 9.4939 = 2.4753; p = 0.01331.
    test = mann_whitney_u([1, 2, 3, 4, 5, 6, 7, 8], [5, 6, 7, 8, 9, 10, 11, 12])
    assert (test.u_baseline, test.u_other) == (8, 56)
    assert test.z == pytest.approx(2.4753, abs=1e-4)
    assert test.p_value == pytest.approx(0.01331, abs=1e-5)
    # Cliff's delta = (#other larger - #other smaller) / pairs = (54 - 6) / 64 = 0.75.
    assert cliffs_delta([1, 2, 3, 4, 5, 6, 7, 8], [5, 6, 7, 8, 9, 10, 11, 12]) == 0.75


def test_all_values_tied_is_no_evidence() -> None:
    test = mann_whitney_u([4.0] * 9, [4.0] * 9)
    assert (test.z, test.p_value) == (0.0, 1.0)


def test_empty_side_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        mann_whitney_u([], [1.0])


@pytest.mark.parametrize(
    ("delta", "label"),
    [
        (0.0, "negligible"),
        (0.146, "negligible"),
        (0.147, "small"),
        (-0.33, "medium"),
        (0.473, "medium"),
        (0.474, "large"),
        (-1.0, "large"),
    ],
)
def test_effect_size_thresholds_of_romano(delta: float, label: str) -> None:
    assert effect_label(delta) == label


@pytest.mark.parametrize(
    ("p_value", "delta", "higher_is_worse", "expected"),
    [
        (0.01, 0.60, True, Outcome.FAIL),  # significant, large, worse
        (0.049, 0.474, True, Outcome.FAIL),  # both thresholds exactly met
        (0.05, 0.60, True, Outcome.MARGINAL),  # p == alpha is not significant
        (0.20, 0.60, True, Outcome.MARGINAL),  # large but not significant
        (0.01, 0.40, True, Outcome.MARGINAL),  # significant, medium
        (0.01, 0.20, True, Outcome.MARGINAL),  # significant, small
        (0.01, 0.10, True, Outcome.PASS),  # significant but negligible
        (0.20, 0.30, True, Outcome.PASS),  # small and not significant
        (0.001, -0.90, True, Outcome.PASS),  # much better than the baseline
        (0.001, -0.90, False, Outcome.FAIL),  # lower is worse (e.g. throughput)
        (0.001, 0.90, False, Outcome.PASS),
    ],
)
def test_decision_rule(
    p_value: float, delta: float, higher_is_worse: bool, expected: Outcome
) -> None:
    assert decide(p_value, delta, alpha=0.05, higher_is_worse=higher_is_worse) is expected


BASE = [10.0, 11.0, 12.0, 10.0, 11.0, 12.0, 10.0, 11.0, 12.0, 11.0]


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ([v + 20 for v in BASE], Outcome.FAIL),  # clearly slower
        (BASE, Outcome.PASS),  # the same
        ([v - 5 for v in BASE], Outcome.PASS),  # faster
        ([v + 20 for v in BASE[:7]], Outcome.ERROR),  # 7 values: underpowered
    ],
)
def test_compare_to_baseline(other: list[float], expected: Outcome) -> None:
    comparison = compare_to_baseline(BASE, other)
    assert comparison.outcome is expected
    assert comparison.n_baseline == 10


SLIGHTLY = [3.3, 3.4, 3.2, 3.3, 3.5, 3.3, 3.4, 3.2, 3.3, 3.4, 3.3, 3.2]
QUIET = [2.5, 2.4, 2.6, 2.5, 2.4, 2.5, 2.6, 2.5, 2.4, 2.5, 2.5, 2.6]


@pytest.mark.parametrize(
    ("baseline", "other", "min_shift", "expected"),
    [
        (QUIET, SLIGHTLY, 0.0, Outcome.FAIL),  # every second 0.8 ms slower: "large"
        (QUIET, SLIGHTLY, 5.0, Outcome.MARGINAL),  # ...but under what counts
        (QUIET, [v + 6 for v in QUIET], 5.0, Outcome.FAIL),  # 6 ms slower counts
        (QUIET, [v - 0.8 for v in QUIET], 5.0, Outcome.PASS),  # faster is never worse
    ],
)
def test_a_shift_smaller_than_what_counts_is_marginal_not_a_failure(
    baseline: list[float], other: list[float], min_shift: float, expected: Outcome
) -> None:
    comparison = compare_to_baseline(baseline, other, min_shift=min_shift)
    assert comparison.outcome is expected, comparison.message
    assert ("under the 5 that counts" in comparison.message) is (expected is Outcome.MARGINAL)


def test_clearly_slower_window_has_a_readable_summary_and_figures() -> None:
    comparison = compare_to_baseline(BASE, [v + 20 for v in BASE])
    assert comparison.delta == 1.0
    assert "median 31 vs baseline 11" in comparison.message
    assert "Cliff's delta +1.00 (large)" in comparison.message
    figures = comparison.figures("latency_")
    assert figures["latency_vs_baseline"] == "fail"
    assert figures["latency_cliffs_delta"] == 1.0
    assert float(figures["latency_p_value"]) < 0.001


def test_underpowered_comparison_is_inconclusive_without_made_up_statistics() -> None:
    comparison = compare_to_baseline(BASE, [1.0, 2.0])
    assert not comparison.conclusive
    assert "inconclusive" in comparison.message
    assert "at least 8" in comparison.message
    figures = comparison.figures()
    assert figures["vs_baseline"] == "inconclusive"
    assert "p_value" not in figures  # NaN is left out, not reported
    assert not any(isinstance(v, float) and math.isnan(v) for v in figures.values())

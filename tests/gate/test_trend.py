"""The trend against a baseline run: table by table, then through decide()."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.errors import ChaosgateError
from chaosgate.gate.decide import decide
from chaosgate.gate.junit_reader import CaseStatus, JunitCase
from chaosgate.gate.policy import Policy, Requirement, Threshold, TrendPolicy, parse_policy
from chaosgate.gate.trend import Drift, compare_runs, samples_of

RECOVERY = Threshold("pod_kill", "recovery_s", max=60)
OPEN = Threshold("breaker", "breaker_open_s.max", max=5)
REPLICAS = Threshold("hpa", "max_replicas", min=4)


def case(name: str, status: CaseStatus = CaseStatus.PASSED, /, **figures: str) -> JunitCase:
    return JunitCase(
        name, "chaosgate.kind", status, Path("j.xml"), "", {"backend": "kind", **figures}
    )


def policy(*thresholds: Threshold, allow_marginal: bool = True) -> Policy:
    required = tuple(Requirement(t.scenario) for t in thresholds)
    return Policy(required, thresholds, allow_marginal=allow_marginal, trend=TrendPolicy())


@pytest.mark.parametrize(
    ("threshold", "now", "before", "drift", "change"),
    [
        (RECOVERY, {"recovery_s": "12"}, {"recovery_s": "10"}, Drift.HELD, 0.2),
        (RECOVERY, {"recovery_s": "14"}, {"recovery_s": "10"}, Drift.MARGINAL, 0.4),
        (RECOVERY, {"recovery_s": "25"}, {"recovery_s": "10"}, Drift.REGRESSED, 1.5),
        (RECOVERY, {"recovery_s": "5"}, {"recovery_s": "10"}, Drift.HELD, -0.5),
        # Near zero the floor (0.1 x the 60 s bound = 6 s) keeps a wobble from counting.
        (RECOVERY, {"recovery_s": "2"}, {"recovery_s": "0.5"}, Drift.HELD, 0.25),
        # A `min` bound gets worse downwards.
        (REPLICAS, {"max_replicas": "6"}, {"max_replicas": "12"}, Drift.MARGINAL, 0.5),
        # Per-replica samples: medians compared, so one slow replica in the baseline
        # does not hide that every replica is now slower.
        (
            OPEN,
            {"breaker_open_s.max": "3", **{f"breaker_open_s[p-{i}]": "3" for i in range(3)}},
            {"breaker_open_s.max": "3", "breaker_open_s[p-0]": "1", "breaker_open_s[p-1]": "1",
             "breaker_open_s[p-2]": "3"},
            Drift.REGRESSED,
            2.0,
        ),
    ],
)  # fmt: skip
def test_a_figure_against_its_baseline(
    threshold: Threshold,
    now: dict[str, str],
    before: dict[str, str],
    drift: Drift,
    change: float,
) -> None:
    name = threshold.scenario
    [check], notes = compare_runs([case(name, **now)], [case(name, **before)], policy(threshold))
    assert notes == []
    assert check.drift is drift, check.describe()
    assert check.change == pytest.approx(change)


def test_a_figure_the_baseline_lacks_is_noted_not_compared() -> None:
    checks, notes = compare_runs(
        [case("pod_kill", recovery_s="9")], [case("pod_kill")], policy(RECOVERY)
    )
    assert checks == []
    assert notes == ["pod_kill: recovery_s has no baseline figure to compare"]


def test_a_skipped_baseline_case_is_no_baseline() -> None:
    checks, notes = compare_runs(
        [case("pod_kill", recovery_s="9")],
        [case("pod_kill", CaseStatus.SKIPPED, recovery_s="1")],
        policy(RECOVERY),
    )
    assert checks == [] and len(notes) == 1


def test_samples_of_an_aggregate_and_of_a_plain_figure() -> None:
    props = {"b.max": "4", "b[x]": "1", "b[y]": "4", "other[x]": "9"}
    assert sorted(samples_of(props, "b.max")) == [1.0, 4.0]
    assert samples_of({"b.max": "4"}, "b.max") == [4.0]
    assert samples_of({"r": "n/a"}, "r") == []


def test_decide_stops_a_regression_and_shows_a_marginal_one() -> None:
    rules = policy(RECOVERY)
    regressed = decide(
        [case("pod_kill", recovery_s="30")], rules, [case("pod_kill", recovery_s="10")]
    )
    assert not regressed.passed
    assert regressed.reasons == (
        "regressed against the baseline: pod_kill (kind): recovery_s 30 against 10 in the "
        "baseline, +200% worse",
    )
    slower = decide([case("pod_kill", recovery_s="14")], rules, [case("pod_kill", recovery_s="10")])
    assert slower.passed and slower.trend[0].drift is Drift.MARGINAL
    strict = decide(
        [case("pod_kill", recovery_s="14")],
        policy(RECOVERY, allow_marginal=False),
        [case("pod_kill", recovery_s="10")],
    )
    assert not strict.passed and "marginal against the baseline" in strict.reasons[0]
    assert decide([case("pod_kill", recovery_s="30")], rules).trend == ()  # no baseline


@pytest.mark.parametrize(
    ("trend", "problem"),
    [
        ("[1, 2]", "trend must be a mapping"),
        ("{marginal: -1}", "trend.marginal must be a number of at least 0"),
        ("{fail: 0.1}", "trend.fail (0.1) is below trend.marginal (0.25)"),
        ("{margin: 0.3}", "trend has unknown key 'margin'"),
    ],
)
def test_a_bad_trend_policy_is_refused(trend: str, problem: str) -> None:
    with pytest.raises(ChaosgateError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_policy(f"required: [pod_kill]\ntrend: {trend}\n")


def test_trend_policy_is_read() -> None:
    parsed = parse_policy("required: [pod_kill]\ntrend: {marginal: 0.5, fail: 2, noise_floor: 0}\n")
    assert parsed.trend == TrendPolicy(marginal=0.5, fail=2.0, noise_floor=0.0)

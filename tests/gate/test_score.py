"""The resilience score: weighted shares of passed checks per required scenario, 0-100."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.gate.decide import decide
from chaosgate.gate.errors import PolicyError
from chaosgate.gate.junit_reader import CaseStatus, JunitCase
from chaosgate.gate.policy import Policy, Requirement, parse_policy
from chaosgate.gate.score import resilience_score, score_of_tree
from chaosgate.report.junit import junit_tree
from chaosgate.report.model import ScenarioResult
from chaosgate.timeline import Outcome, Verdict

PASSED, FAILED, ERROR, SKIPPED = (
    CaseStatus.PASSED,
    CaseStatus.FAILED,
    CaseStatus.ERROR,
    CaseStatus.SKIPPED,
)


def case(name: str, status: CaseStatus = PASSED, checks: int = 4, passed: int = 4) -> JunitCase:
    props = {"backend": "kind", "checks": str(checks), "checks_passed": str(passed)}
    return JunitCase(name, "chaosgate.kind", status, Path("junit.xml"), "", props)


def foreign(name: str, status: CaseStatus) -> JunitCase:
    return JunitCase(name, "suite", status, Path("junit.xml"))


BREAKER = Requirement("breaker", alternatives=("breaker[stack]",))
TWO = Policy((Requirement("pod_kill"), Requirement("oom")))


@pytest.mark.parametrize(
    ("policy", "cases", "score"),
    [
        (TWO, [case("pod_kill"), case("oom")], 100.0),
        (TWO, [case("pod_kill"), case("oom", FAILED, 4, 3)], 87.5),  # 3 of 4 checks in oom
        (TWO, [case("pod_kill")], 50.0),  # oom missing earns nothing
        (TWO, [case("pod_kill"), case("oom", ERROR, 4, 3)], 50.0),  # an error earns nothing
        (TWO, [case("pod_kill"), case("oom", SKIPPED)], 50.0),
        (  # the worst testcase of a scenario counts: each must pass
            TWO,
            [case("pod_kill"), case("pod_kill[stack]", FAILED, 4, 2), case("oom")],
            75.0,
        ),
        (TWO, [case("pod_kill[stack]"), case("oom")], 50.0),  # a variant does not stand in
        (
            Policy((BREAKER,)),
            [case("breaker", SKIPPED), case("breaker[stack]", PASSED, 5, 5)],
            100.0,
        ),
        (  # weights
            Policy((Requirement("pod_kill"), Requirement("oom")), weights={"pod_kill": 3}),
            [case("pod_kill"), case("oom", FAILED, 2, 0)],
            75.0,
        ),
        (TWO, [foreign("pod_kill", PASSED), foreign("oom", FAILED)], 50.0),
        (  # a weighted scenario that is not required counts too
            Policy((Requirement("pod_kill"),), weights={"hpa": 1}),
            [case("pod_kill"), case("hpa", FAILED, 4, 1)],
            62.5,
        ),
    ],
)
def test_resilience_score(policy: Policy, cases: list[JunitCase], score: float) -> None:
    assert resilience_score(cases, policy).value == score


def test_min_score_stops_the_release_with_a_reason() -> None:
    policy = Policy((Requirement("pod_kill"),), allow_marginal=True, min_score=90)
    marginal = case("pod_kill", PASSED, 10, 8)  # passed, but only 8 of 10 checks cleanly
    decision = decide([marginal], policy)
    assert decision.score is not None and decision.score.value == 80.0
    assert not decision.passed
    assert "the resilience score 80.0 is below the policy's minimum 90" in decision.reasons


def test_results_score_as_their_junit_would() -> None:
    verdicts = (Verdict("a", Outcome.PASS, ""), Verdict("b", Outcome.FAIL, ""))
    results = [
        ScenarioResult("pod_kill", "kind", "", Outcome.FAIL, verdicts),
        ScenarioResult("oom", "kind", "", Outcome.PASS, verdicts[:1]),
    ]
    assert score_of_tree(junit_tree(results), TWO).value == 75.0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("required: [oom]\nmin_score: 120\n", "min_score must be a number from 0 to 100"),
        ("required: [oom]\nweights: {oom: -1}\n", "weights.oom must be a number of at least 0"),
        ("required: [oom]\nweights: [oom]\n", "weights must map scenarios to numbers"),
        ("required: [oom]\nweights: {nosuch: 1}\n", "not a chaosgate scenario"),
    ],
)
def test_bad_score_settings_are_refused(text: str, error: str) -> None:
    with pytest.raises(PolicyError, match=error):
        parse_policy(text)


def test_default_policy_weights(repo_root: Path) -> None:
    from chaosgate.gate.policy import load_policy

    policy = load_policy(repo_root / "gate.yaml")
    assert policy.weights["pod_kill"] == 2.0
    assert set(policy.weights) == {r.scenario for r in policy.required}

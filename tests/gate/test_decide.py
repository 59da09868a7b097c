"""decide(): the gate's pure decision, table by table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from chaosgate.gate.decide import check_threshold, decide
from chaosgate.gate.junit_reader import CaseStatus, JunitCase
from chaosgate.gate.policy import Policy, Requirement, Threshold

PASSED, FAILED, ERROR, SKIPPED = (
    CaseStatus.PASSED,
    CaseStatus.FAILED,
    CaseStatus.ERROR,
    CaseStatus.SKIPPED,
)


def case(
    name: str,
    status: CaseStatus = PASSED,
    message: str = "",
    backend: str | None = "kind",
    **properties: str,
) -> JunitCase:
    props = dict(properties) | ({"backend": backend} if backend else {})
    return JunitCase(name, "chaosgate.kind", status, Path("junit.xml"), message, props)


def policy(
    *required: str | Requirement, thresholds: tuple[Threshold, ...] = (), marginal: bool = False
) -> Policy:
    requirements = tuple(r if isinstance(r, Requirement) else Requirement(r) for r in required)
    return Policy(requirements, thresholds, allow_marginal=marginal)


def marginal(name: str) -> JunitCase:
    return case(name, outcome="marginal")


@dataclass(frozen=True)
class Row:
    why: str
    policy: Policy
    cases: list[JunitCase]
    go: bool
    reasons: list[str] = field(default_factory=list)  # fragments, one per expected reason


TABLE = [
    Row(
        "all required passed",
        policy("gitops", "pod_kill"),
        [case("gitops"), case("pod_kill")],
        True,
    ),
    Row(
        "a required scenario is missing",
        policy("gitops", "hpa"),
        [case("gitops")],
        False,
        ["required scenario hpa is missing from the reports"],
    ),
    Row(
        "a required scenario was skipped",
        policy("hpa"),
        [case("hpa", SKIPPED, "no metrics-server")],
        False,
        ["required scenario hpa was skipped (no metrics-server)"],
    ),
    Row(
        "a required scenario failed",
        policy("oom"),
        [case("oom", FAILED, "recovery: 75 s, over the 60 s budget")],
        False,
        ["oom (kind) failed: recovery: 75 s, over the 60 s budget"],
    ),
    Row(
        "an error is never a pass",
        policy("gitops"),
        [case("gitops", ERROR, "cannot judge sync: no Argo CD status")],
        False,
        ["gitops (kind) could not be judged (an error is never a pass)"],
    ),
    Row(
        "marginal refused when not allowed",
        policy("az_drain"),
        [marginal("az_drain")],
        False,
        ["az_drain (kind) was marginal, and the policy does not allow marginal results"],
    ),
    Row("marginal allowed", policy("az_drain", marginal=True), [marginal("az_drain")], True),
    Row(
        "a listed alternative covers a skipped base scenario",
        policy(Requirement("breaker", alternatives=("breaker[stack]",))),
        [case("breaker", SKIPPED, "no traffic"), case("breaker[stack]")],
        True,
    ),
    Row(
        "a variant not listed does not stand in for its scenario",
        policy("pod_kill"),
        [case("pod_kill", SKIPPED, "no cluster"), case("pod_kill[stack]")],
        False,
        ["required scenario pod_kill did not run; pod_kill[stack] did, which the policy does"],
    ),
    Row(
        "a variant alone does not meet its scenario",
        policy("oom"),
        [case("oom[stack]")],
        False,
        ["required scenario oom did not run; oom[stack] did"],
    ),
    Row(
        "every case that ran must pass",
        policy("breaker"),
        [case("breaker"), case("breaker[stack]", FAILED, "never opened")],
        False,
        ["breaker[stack] (kind) failed: never opened"],
    ),
    Row(
        "a variant requirement is not met by the base scenario",
        policy("breaker[stack]"),
        [case("breaker")],
        False,
        ["required scenario breaker[stack] is missing"],
    ),
    Row(
        "a scenario name is not a prefix match",
        policy("hpa"),
        [case("hpa_extended")],
        False,
        ["required scenario hpa is missing"],
    ),
    Row(
        "pytest's test_ prefix names the scenario",
        policy("pod_kill"),
        [case("test_pod_kill")],
        True,
    ),
    Row(
        "backend constraint met",
        policy(Requirement("pod_kill", "kind")),
        [case("pod_kill", backend="kind")],
        True,
    ),
    Row(
        "backend constraint met by a described backend",
        policy(Requirement("breaker[stack]", "stack-runtime")),
        [case("breaker[stack]", backend="stack-runtime (docker)")],
        True,
    ),
    Row(
        "backend constraint on another backend",
        policy(Requirement("pod_kill", "kind")),
        [case("pod_kill", backend="local (kwok-simulated pods)")],
        False,
        ["required scenario pod_kill on kind is missing"],
    ),
    Row(
        "backend constraint is not a loose prefix",
        policy(Requirement("breaker", "stack")),
        [case("breaker", backend="stack-runtime (docker)")],
        False,
        ["required scenario breaker on stack is missing"],
    ),
    Row(
        "backend constraint and no backend property: fail closed",
        policy(Requirement("pod_kill", "kind")),
        [case("pod_kill", backend=None)],
        False,
        ["required scenario pod_kill on kind is missing"],
    ),
    Row(
        "a failing testcase that is not required does not stop the release",
        policy("gitops"),
        [case("gitops"), case("hpa", FAILED, "no scale-out")],
        True,
    ),
    Row(
        "no testcases at all",
        policy("gitops"),
        [],
        False,
        ["the reports contain no testcase", "required scenario gitops is missing"],
    ),
]

MAX_60 = Threshold("pod_kill", "recovery_s", max=60)
THRESHOLD_TABLE = [
    Row(
        "within the maximum",
        policy(thresholds=(MAX_60,)),
        [case("pod_kill", recovery_s="17.3")],
        True,
    ),
    Row(
        "at the maximum (inclusive)",
        policy(thresholds=(MAX_60,)),
        [case("pod_kill", recovery_s="60")],
        True,
    ),
    Row(
        "above the maximum",
        policy(thresholds=(MAX_60,)),
        [case("pod_kill", recovery_s="60.5")],
        False,
        ["pod_kill (kind): recovery_s is 60.5, above the maximum 60"],
    ),
    Row(
        "below the minimum",
        policy(thresholds=(Threshold("hpa", "max_replicas", min=4),)),
        [case("hpa", max_replicas="3")],
        False,
        ["hpa (kind): max_replicas is 3, below the minimum 4"],
    ),
    Row(
        "property missing: fail closed",
        policy(thresholds=(MAX_60,)),
        [case("pod_kill")],
        False,
        ["pod_kill (kind): recovery_s is missing, so it cannot be checked"],
    ),
    *(
        Row(
            f"non-numeric {raw!r}: fail closed",
            policy(thresholds=(MAX_60,)),
            [case("pod_kill", recovery_s=raw)],
            False,
            [f"recovery_s is {raw!r}, not a number"],
        )
        for raw in ("n/a", "", "nan", "inf", "-inf", "12 s")
    ),
    Row(
        "equals a string",
        policy(thresholds=(Threshold("gitops", "health", equals="Healthy"),)),
        [case("gitops", health="Healthy")],
        True,
    ),
    Row(
        "differs from a string",
        policy(thresholds=(Threshold("gitops", "health", equals="Healthy"),)),
        [case("gitops", health="Degraded")],
        False,
        ["gitops (kind): health is 'Degraded', expected 'Healthy'"],
    ),
    Row(
        "equals a number written differently",
        policy(thresholds=(Threshold("az_drain", "violations", equals=0),)),
        [case("az_drain", violations="0.0")],
        True,
    ),
    Row(
        "differs from a number",
        policy(thresholds=(Threshold("az_drain", "violations", equals=0),)),
        [case("az_drain", violations="2")],
        False,
        ["violations is 2, expected 0"],
    ),
    Row(
        "every testcase of the scenario must hold it",
        policy(thresholds=(Threshold("breaker", "breaker_open_s", max=10),)),
        [
            case("breaker", breaker_open_s="2.0"),
            case("breaker[stack]", backend="stack-runtime (docker)", breaker_open_s="14"),
        ],
        False,
        ["breaker[stack] (stack-runtime (docker)): breaker_open_s is 14, above the maximum 10"],
    ),
    Row(
        "a threshold on a scenario that did not run: fail closed",
        policy(thresholds=(MAX_60,)),
        [case("gitops")],
        False,
        ["threshold recovery_s ≤ 60 on pod_kill cannot be checked: no pod_kill testcase ran"],
    ),
    Row(
        "a skipped testcase cannot hold a threshold",
        policy(thresholds=(MAX_60,)),
        [case("pod_kill", SKIPPED, "no pods")],
        False,
        ["no pod_kill testcase ran"],
    ),
    Row(
        "a required scenario that is missing is reported once, not again per threshold",
        policy("pod_kill", thresholds=(MAX_60,)),
        [case("gitops")],
        False,
        ["required scenario pod_kill is missing from the reports"],
    ),
    Row(
        "a failed scenario's figures are still checked",
        policy("pod_kill", thresholds=(MAX_60,)),
        [case("pod_kill", FAILED, "pdb violated", recovery_s="90")],
        False,
        ["pod_kill (kind) failed: pdb violated", "recovery_s is 90, above the maximum 60"],
    ),
]


@pytest.mark.parametrize("row", TABLE + THRESHOLD_TABLE, ids=lambda row: row.why)
def test_decide(row: Row) -> None:
    decision = decide(row.cases, row.policy)

    assert decision.passed is row.go
    assert len(decision.reasons) == len(row.reasons), decision.reasons
    for reason, fragment in zip(decision.reasons, row.reasons, strict=True):
        assert fragment in reason


def test_rows_show_each_testcase_with_its_checks() -> None:
    cases = [
        case("pod_kill", recovery_s="75"),
        case("hpa", FAILED, "no scale-out"),
        case("oom", recovery_s="20"),
    ]
    decision = decide(cases, policy("pod_kill", "oom", "gitops", thresholds=(MAX_60,)))

    assert [(r.case.name, r.required, r.ok) for r in decision.rows] == [
        ("pod_kill", True, False),
        ("hpa", False, False),
        ("oom", True, True),
    ]
    [check] = decision.rows[0].checks
    assert (check.value, check.held) == ("75", False)
    assert decision.missing == (Requirement("gitops"),)


def test_check_threshold_reports_the_value_seen() -> None:
    check = check_threshold(MAX_60, case("pod_kill", recovery_s="17.25"))

    assert (check.value, check.held, check.problem) == ("17.25", True, "")

"""The resilience score: one number, 0-100, for a run, from its testcases and the policy.

Each required scenario, and each other scenario the policy weighs, earns the
share of its checks that passed (a marginal
check passed), taken over every testcase of it that ran; the worst testcase
counts, since each must pass. A required scenario that did not run, errored or
is missing earns 0. The score is the weighted mean of those shares, with the
policy's `weights` (1 for a scenario it does not weigh), times 100. A foreign
testcase without chaosgate's check counts earns 1 if it passed, else 0.

The gate refuses a run whose score is below the policy's `min_score`. With every
scenario required, a GO always scores 100; a policy that requires less and
weighs more (`weights: {hpa: 1}` with `hpa` not required) makes the score a
softer bar, set by `min_score`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chaosgate.gate.junit_reader import CaseStatus, JunitCase, cases_of_tree
from chaosgate.gate.matching import requirement_matches
from chaosgate.gate.policy import Policy, Requirement
from chaosgate.report.junit import CHECKS, CHECKS_PASSED


@dataclass(frozen=True)
class ScenarioShare:
    scenario: str
    weight: float
    share: float  # 0..1


@dataclass(frozen=True)
class Score:
    value: float  # 0..100
    shares: tuple[ScenarioShare, ...]

    def describe(self) -> str:
        parts = ", ".join(f"{s.scenario} {s.share:.0%}" for s in self.shares)
        return f"{self.value:.1f}/100 ({parts})"


def resilience_score(cases: Sequence[JunitCase], policy: Policy) -> Score:
    """The run's score over the policy's required scenarios and any others it weighs."""
    required = {r.scenario for r in policy.required}
    scored = [*policy.required, *(Requirement(s) for s in policy.weights if s not in required)]
    shares = tuple(
        ScenarioShare(r.scenario, policy.weights.get(r.scenario, 1.0), _share(r, cases))
        for r in scored
    )
    total = sum(s.weight for s in shares)
    value = 100.0 * sum(s.weight * s.share for s in shares) / total if total else 0.0
    return Score(round(value, 1), shares)


def _share(requirement: Requirement, cases: Sequence[JunitCase]) -> float:
    ran = [
        c
        for c in cases
        if requirement_matches(requirement, c) and c.status is not CaseStatus.SKIPPED
    ]
    if not any(requirement.met_by(c.scenario) for c in ran):
        return 0.0
    return min(case_share(c) for c in ran)


def case_share(case: JunitCase) -> float:
    """The share of one testcase's checks that passed (0 for an error, whatever it had)."""
    if case.status is CaseStatus.ERROR:
        return 0.0
    checks, passed = _number(case, CHECKS), _number(case, CHECKS_PASSED)
    if checks is None or passed is None or checks <= 0:
        return 1.0 if case.status is CaseStatus.PASSED else 0.0
    return max(0.0, min(1.0, passed / checks))


def _number(case: JunitCase, name: str) -> float | None:
    try:
        return float(case.properties[name])
    except (KeyError, ValueError):
        return None


def score_of_tree(root: ET.Element, policy: Policy) -> Score:
    """The score of a JUnit tree the harness is about to write, read as the gate reads it."""
    return resilience_score(cases_of_tree(root, Path("(not written yet)")), policy)

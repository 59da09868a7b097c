"""The gate decision: a pure function of the reports' testcases and the policy.

GO only if every required scenario is present and passed (skipped, errored
and failed do not count; marginal only if the policy allows it) and every
threshold holds on every testcase of its scenario that ran. Anything the gate
cannot check (a missing property, a non-numeric value, a scenario absent
from the reports) fails closed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from chaosgate.gate.junit_reader import CaseStatus, JunitCase, as_number
from chaosgate.gate.matching import requirement_matches, scenario_matches
from chaosgate.gate.policy import Policy, Requirement, Threshold
from chaosgate.gate.score import Score, resilience_score
from chaosgate.gate.trend import Drift, TrendCheck, compare_runs


@dataclass(frozen=True)
class ThresholdCheck:
    """One threshold applied to one testcase: the value seen and whether the bound held."""

    threshold: Threshold
    value: str | None  # the property as reported; None when the testcase lacks it
    held: bool
    problem: str = ""  # why it did not hold, as a clause ("recovery_s is 75, above 60")


@dataclass(frozen=True)
class CaseRow:
    """A testcase as the gate judged it."""

    case: JunitCase
    required: bool
    checks: tuple[ThresholdCheck, ...]
    ok: bool  # it passed (marginal only if allowed) and every threshold on it held


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reasons: tuple[str, ...]  # one sentence per thing that stops the release
    rows: tuple[CaseRow, ...]  # every testcase read, in report order
    missing: tuple[Requirement, ...]  # required scenarios with no testcase at all
    score: Score | None = None  # the resilience score of the run under the policy
    trend: tuple[TrendCheck, ...] = ()  # bounded figures against the baseline run's
    trend_notes: tuple[str, ...] = ()  # figures the baseline could not be compared on


def decide(
    cases: Sequence[JunitCase], policy: Policy, baseline: Sequence[JunitCase] | None = None
) -> GateDecision:
    """Judge the testcases against the policy (and, given one, against a baseline run)."""
    reasons: list[str] = [] if cases else ["the reports contain no testcase"]
    for requirement in policy.required:
        matching = [c for c in cases if requirement_matches(requirement, c)]
        reasons += requirement_problems(requirement, matching, policy.allow_marginal)
    checks = {id(c): list[ThresholdCheck]() for c in cases}
    reasons += _apply_thresholds(cases, policy, checks)
    rows = tuple(_row(c, policy, tuple(checks[id(c)])) for c in cases)
    missing = tuple(r for r in policy.required if not any(requirement_matches(r, c) for c in cases))
    score = resilience_score(cases, policy)
    if policy.min_score is not None and score.value < policy.min_score:
        reasons.append(
            f"the resilience score {score.value:.1f} is below the policy's minimum "
            f"{policy.min_score:g}"
        )
    trend, notes = compare_runs(cases, baseline, policy) if baseline is not None else ([], [])
    reasons += trend_problems(trend, policy.allow_marginal)
    return GateDecision(
        not reasons, tuple(reasons), rows, missing, score, tuple(trend), tuple(notes)
    )


def trend_problems(trend: Sequence[TrendCheck], allow_marginal: bool) -> list[str]:
    """A regression stops the release; a marginal one only where marginal is not allowed."""
    problems = [
        f"regressed against the baseline: {c.describe()}"
        for c in trend
        if c.drift is Drift.REGRESSED
    ]
    if not allow_marginal:
        problems += [
            f"marginal against the baseline, and the policy does not allow marginal results: "
            f"{c.describe()}"
            for c in trend
            if c.drift is Drift.MARGINAL
        ]
    return problems


def _apply_thresholds(
    cases: Sequence[JunitCase], policy: Policy, checks: dict[int, list[ThresholdCheck]]
) -> list[str]:
    """Check every threshold on every case of its scenario that ran; record the checks
    by case and return the reasons. A required scenario that did not run at all is
    already a reason, so its thresholds do not add one each."""
    not_run = {
        r.scenario
        for r in policy.required
        if not any(requirement_matches(r, c) and c.status != CaseStatus.SKIPPED for c in cases)
    }
    reasons = []
    for threshold in policy.thresholds:
        ran = [
            c
            for c in cases
            if scenario_matches(threshold.scenario, c.scenario) and c.status != CaseStatus.SKIPPED
        ]
        if not ran and threshold.scenario not in not_run:
            reasons.append(
                f"threshold {threshold.describe()} on {threshold.scenario} cannot be checked: "
                f"no {threshold.scenario} testcase ran"
            )
        for case in ran:
            check = check_threshold(threshold, case)
            checks[id(case)].append(check)
            if not check.held:
                reasons.append(f"{case_label(case)}: {check.problem}")
    return reasons


def requirement_problems(
    requirement: Requirement, matching: Sequence[JunitCase], allow_marginal: bool
) -> list[str]:
    """Why the testcases matching a requirement do not meet it (empty when they do).

    A skipped case is covered when another matching case ran (e.g. breaker
    skipped on a provider without traffic, breaker[stack] run on the stack
    runtime); every case that ran must pass.
    """
    if not matching:
        return [f"required scenario {requirement.label()} is missing from the reports"]
    ran = [c for c in matching if c.status != CaseStatus.SKIPPED]
    counting = [c for c in matching if requirement.met_by(c.scenario)]
    if not any(c.status != CaseStatus.SKIPPED for c in counting):
        return [_not_met(requirement, counting, ran)]
    return [problem for c in ran if (problem := case_problem(c, allow_marginal))]


def _not_met(
    requirement: Requirement, counting: Sequence[JunitCase], ran: Sequence[JunitCase]
) -> str:
    label = requirement.label()
    if ran:
        others = ", ".join(dict.fromkeys(c.scenario for c in ran))
        return (
            f"required scenario {label} did not run; {others} did, which the policy does not "
            f"accept for it (list it under `alternatives` of {requirement.scenario} if it should)"
        )
    if not counting:
        return f"required scenario {label} is missing from the reports"
    why = "; ".join(dict.fromkeys(c.message for c in counting if c.message)) or "no reason"
    return f"required scenario {label} was skipped ({why})"


def case_problem(case: JunitCase, allow_marginal: bool) -> str:
    """Why this testcase does not count as passed ("" when it does)."""
    label = case_label(case)
    if case.status == CaseStatus.FAILED:
        return f"{label} failed: {case.message or 'no message'}"
    if case.status == CaseStatus.ERROR:
        return f"{label} could not be judged (an error is never a pass): {case.message}"
    if case.marginal and not allow_marginal:
        return f"{label} was marginal, and the policy does not allow marginal results"
    return ""


def check_threshold(threshold: Threshold, case: JunitCase) -> ThresholdCheck:
    """Apply a threshold to a testcase's property; missing or non-numeric fails closed."""
    name, raw = threshold.property, case.properties.get(threshold.property)
    if raw is None:
        return ThresholdCheck(threshold, None, False, f"{name} is missing, so it cannot be checked")
    if isinstance(threshold.equals, str):
        held = raw == threshold.equals
        return ThresholdCheck(
            threshold,
            raw,
            held,
            "" if held else f"{name} is {raw!r}, expected {threshold.equals!r}",
        )
    value = as_number(raw)
    if value is None:
        return ThresholdCheck(threshold, raw, False, f"{name} is {raw!r}, not a number")
    return ThresholdCheck(
        threshold, raw, not (problem := _bound_problem(threshold, value)), problem
    )


def _bound_problem(threshold: Threshold, value: float) -> str:
    name = threshold.property
    if threshold.equals is not None and not math.isclose(value, float(threshold.equals)):
        return f"{name} is {value:g}, expected {threshold.equals:g}"
    if threshold.max is not None and value > threshold.max:
        return f"{name} is {value:g}, above the maximum {threshold.max:g}"
    if threshold.min is not None and value < threshold.min:
        return f"{name} is {value:g}, below the minimum {threshold.min:g}"
    return ""


def case_label(case: JunitCase) -> str:
    """How reasons name a testcase: its scenario, and its backend when known."""
    return f"{case.scenario} ({case.backend})" if case.backend else case.scenario


def _row(case: JunitCase, policy: Policy, checks: tuple[ThresholdCheck, ...]) -> CaseRow:
    required = any(requirement_matches(r, case) for r in policy.required)
    passed = case.status == CaseStatus.PASSED and not case_problem(case, policy.allow_marginal)
    return CaseRow(case, required, checks, passed and all(c.held for c in checks))

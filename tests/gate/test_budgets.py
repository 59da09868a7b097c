"""The budgets verdicts are judged by are the gate policy's maxima: one source of numbers."""

from __future__ import annotations

import pytest

from chaosgate.gate.errors import PolicyError
from chaosgate.gate.policy import budget, parse_policy

POLICY = """
required: [pod_kill, breaker]
thresholds:
  - {scenario: pod_kill, property: recovery_s, max: 60}
  - {scenario: breaker, property: breaker_open_s.max, max: 5}
  - {scenario: breaker, property: fail_ratio.fault, min: 0}
"""


@pytest.mark.parametrize(
    ("scenario", "figure", "expected"),
    [("pod_kill", "recovery_s", 60.0), ("breaker", "breaker_open_s.max", 5.0)],
)
def test_budget_is_the_threshold_maximum(scenario: str, figure: str, expected: float) -> None:
    assert budget(parse_policy(POLICY, "gate.yaml"), scenario, figure) == expected


@pytest.mark.parametrize(
    ("scenario", "figure"),
    [("oom", "recovery_s"), ("breaker", "fail_ratio.fault"), ("pod_kill", "drain_s")],
)
def test_a_budget_the_policy_does_not_set_is_an_error(scenario: str, figure: str) -> None:
    with pytest.raises(PolicyError, match=rf"gate.yaml has no maximum for {figure} of {scenario}"):
        budget(parse_policy(POLICY, "gate.yaml"), scenario, figure)

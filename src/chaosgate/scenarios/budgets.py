"""The budgets scenarios are judged by, read from the gate policy the release gate applies.

One source: a recovery the verdict passes is a recovery the gate passes, and
changing a budget means changing gate.yaml. CHAOSGATE_POLICY names another
policy file (the one given to `chaosgate gate --policy`).
"""

from __future__ import annotations

from functools import cache

from chaosgate.gate.policy import Policy, budget, default_policy_path, load_policy


@cache
def policy() -> Policy:
    return load_policy(default_policy_path())


def budget_s(scenario: str, figure: str) -> float:
    """The policy's maximum for one figure of one scenario, e.g. ("oom", "recovery_s")."""
    return budget(policy(), scenario, figure)

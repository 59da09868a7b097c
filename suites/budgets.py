"""The budgets scenarios are judged by, read from the gate policy the release gate applies.

One source: a recovery the verdict passes is a recovery the gate passes, and
changing a budget means changing gate.yaml. CHAOSGATE_POLICY names another
policy file (the one given to `chaosgate gate --policy`).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from chaosgate.gate.policy import Policy, budget, load_policy
from chaosgate.versions import REPO_ROOT


@cache
def policy() -> Policy:
    return load_policy(Path(os.environ.get("CHAOSGATE_POLICY") or REPO_ROOT / "gate.yaml"))


def budget_s(scenario: str, figure: str) -> float:
    """The policy's maximum for one figure of one scenario, e.g. ("oom", "recovery_s")."""
    return budget(policy(), scenario, figure)

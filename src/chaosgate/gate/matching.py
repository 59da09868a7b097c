"""Which testcases a policy's requirement or threshold is about."""

from __future__ import annotations

from chaosgate.gate.junit_reader import JunitCase
from chaosgate.gate.policy import Requirement


def requirement_matches(requirement: Requirement, case: JunitCase) -> bool:
    """Whether a testcase counts for a requirement (scenario, and backend if named)."""
    if not scenario_matches(requirement.scenario, case.scenario):
        return False
    return requirement.backend is None or backend_matches(requirement.backend, case.backend)


def scenario_matches(wanted: str, scenario: str) -> bool:
    """Whether a scenario counts as wanted: "breaker" is met by breaker and breaker[stack],
    "breaker[stack]" only by itself."""
    return scenario == wanted or ("[" not in wanted and scenario.startswith(wanted + "["))


def backend_matches(wanted: str, backend: str | None) -> bool:
    """Whether a backend counts as wanted: "kind" is met by "kind", "local" by
    "local (kwok-simulated pods)"; an unknown backend (None) never is."""
    return backend is not None and (backend == wanted or backend.startswith(wanted + " "))

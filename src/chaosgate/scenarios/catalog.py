"""Every scenario, by its one name."""

from __future__ import annotations

from chaosgate.scenarios import az_drain, breaker, gitops, hpa, oom, pod_kill
from chaosgate.scenarios.definition import Scenario

SCENARIOS: dict[str, Scenario] = {
    module.SCENARIO.name: module.SCENARIO
    for module in (gitops, pod_kill, oom, az_drain, hpa, breaker)
}

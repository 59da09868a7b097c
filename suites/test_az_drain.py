"""az_drain: every node of one zone is cordoned and drained through the Eviction API
while the PDB holds; pods re-spread over the remaining zones; the zone is always
uncordoned afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.harness import HeartStack
from chaosgate.kube.scenarios import RunSettings, Windows, judge_zone_drain, run_zone_drain
from chaosgate.scenario_book import ScenarioBook
from kube_scenarios import load_verdicts, record, run_dir, start_run

ZONE = "zone-a"
pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.mark.scenario("az_drain")
def test_az_drain(heart_stack: HeartStack, scenario_book: ScenarioBook, report_dir: Path) -> None:
    run = start_run(scenario_book, "az_drain", heart_stack)
    outcome = run_zone_drain(
        heart_stack.cluster,
        ZONE,
        RunSettings(run_dir(report_dir, "az-drain"), Windows(baseline_s=5)),
        hold_s=10,
    )
    timeline = outcome[0]
    verdicts = [
        *judge_zone_drain(timeline, ZONE),
        *load_verdicts(heart_stack.cluster, timeline, "az-drain", "az_drain"),
    ]
    record(run, outcome, verdicts)
    run.assert_passed()

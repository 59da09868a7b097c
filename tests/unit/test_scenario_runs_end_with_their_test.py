"""The plugin ends each scenario run with its test: its own wall time, and a crash as an error.

An inner pytest session (pytester) runs suites that use the real
`scenario_book` fixture; the scenario JUnit it writes is read back.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

SUITE = """
import time
import pytest
from chaosgate.timeline import Outcome, Verdict

@pytest.fixture
def cluster_that_fails():
    raise RuntimeError("kind create failed: no node image")

@pytest.mark.scenario("fourth")
def test_cannot_start(cluster_that_fails, scenario_book):
    scenario_book.start("fourth", "unit")

@pytest.mark.scenario("fifth")
def test_skipped_before_starting(scenario_book):
    pytest.skip("no traffic on this provider")

def test_slow_then_fine(scenario_book):
    run = scenario_book.start("first", "unit")
    time.sleep(0.2)
    run.add(Verdict("ok", Outcome.PASS, "fine"))
    run.assert_passed()

def test_crashes_after_a_pass(scenario_book):
    run = scenario_book.start("second", "unit")
    run.add(Verdict("spread", Outcome.PASS, "spread over three zones"))
    time.sleep(0.6)
    raise RuntimeError("kubectl vanished")

def test_fails_a_verdict(scenario_book):
    run = scenario_book.start("third", "unit")
    run.add(Verdict("recovery", Outcome.FAIL, "Ready after 80 s, budget 60 s"))
    run.assert_passed()
"""


def cases(junit: Path) -> dict[str, ET.Element]:
    return {case.attrib["name"]: case for case in ET.parse(junit).getroot().iter("testcase")}


def test_each_run_ends_with_its_test(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_suite=SUITE)
    junit = tmp_path / "scenarios.xml"
    result = pytester.runpytest("-p", "no:cacheprovider", "--scenario-junit", str(junit))
    result.assert_outcomes(passed=1, failed=2, errors=1, skipped=1)
    found = cases(junit)

    assert float(found["first"].attrib["time"]) < 0.5, "the later tests' time is not its own"
    assert found["first"].find("error") is None and found["first"].find("failure") is None

    crashed = found["second"].find("error")
    assert crashed is not None, "a crash after a passing verdict is an error, not a pass"
    assert "RuntimeError: kubectl vanished" in (
        crashed.attrib.get("message", "") + (crashed.text or "")
    )
    assert 0.5 < float(found["second"].attrib["time"]) < 1.5

    failed = found["third"].find("failure")
    assert failed is not None and found["third"].find("error") is None

    refused = found["fourth"].find("error")
    assert refused is not None, "a scenario whose fixture failed is an error testcase, not absent"
    assert "could not start" in (refused.text or "") + refused.attrib.get("message", "")
    assert "no node image" in (refused.text or "") + refused.attrib.get("message", "")
    assert "fifth" not in found, "a skip is not a refusal"

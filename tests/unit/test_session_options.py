"""`chaosgate run` hands its options to the plugin as one object, not as argv strings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chaosgate.harness import HarnessOptions
from chaosgate.session import PresetOptions, SessionOptions

pytest_plugins = ("pytester",)

SUITE = """
from chaosgate.timeline import Outcome, Verdict

def test_sees_the_preset(harness_options, scenario_book, report_dir):
    assert harness_options.provider == "existing"
    assert harness_options.cluster_name == "lab"
    assert harness_options.allow_contexts == ("lab",)
    assert report_dir.name == "preset-reports"
    run = scenario_book.start("gitops", "unit")
    run.add(Verdict("ok", Outcome.PASS, "fine"))
"""


def test_the_plugin_reads_the_preset_object(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_suite=SUITE)
    harness = HarnessOptions(provider="existing", cluster_name="lab", allow_contexts=("lab",))
    junit = tmp_path / "j" / "scenarios.xml"
    session = SessionOptions(harness, report_dir=tmp_path / "preset-reports", junit=junit)
    # The command line says otherwise: the object wins, nothing is parsed from strings.
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--provider", "kind", plugins=[PresetOptions(session)]
    )
    result.assert_outcomes(passed=1)
    names = [case.attrib["name"] for case in ET.parse(junit).getroot().iter("testcase")]
    assert names == ["gitops"]


def test_without_a_preset_the_command_line_builds_the_same_object(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile(
        test_suite="""
def test_sees_the_command_line(harness_options, scenario_book):
    assert (harness_options.provider, harness_options.nodes_per_zone) == ("kind", 1)
    assert scenario_book.junit.name == "cli.xml"
"""
    )
    junit = tmp_path / "cli.xml"
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--provider", "kind", "--nodes-per-zone", "1",
        "--scenario-junit", str(junit),
    )  # fmt: skip
    result.assert_outcomes(passed=1)


def test_the_junit_defaults_to_the_report_dir() -> None:
    assert SessionOptions(report_dir=Path("r")).junit_path == Path("r/junit.xml")

"""JUnit XML from scenario results: the common schema shape, escaping, atomic writes,
and a round trip through the gate's reader."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser
import pytest
import xmlschema

from chaosgate.gate.junit_reader import CaseStatus, read_report
from chaosgate.report.atomic_write import write_atomically
from chaosgate.report.junit import (
    add_suite_properties,
    backend_slug,
    junit_tree,
    write_junit_tree,
)
from chaosgate.report.model import ScenarioResult
from chaosgate.timeline import Outcome, Verdict
from helpers.junit_files import write_junit

from .junit_schema import schema_path
from .samples import sample_results

# Children a <testcase> may have in junit-10.xsd: no <properties> there.
TESTCASE_CHILDREN = {"skipped", "failure", "error", "system-out", "system-err"}


@pytest.fixture
def results(tmp_path: Path) -> list[ScenarioResult]:
    return sample_results(tmp_path)[0]


@pytest.fixture
def report(tmp_path: Path, results: list[ScenarioResult]) -> Path:
    path = tmp_path / "reports" / "junit.xml"
    tree = junit_tree(results, html_report=tmp_path / "reports" / "index.html")
    add_suite_properties(tree, [("resilience_score", "71.4")])
    write_junit_tree(tree, path)
    return path


def suite_of(report: Path, scenario: str) -> ET.Element:
    [suite] = [
        s for s in ET.parse(report).getroot() if s.find(f"testcase[@name='{scenario}']") is not None
    ]
    return suite


def test_the_report_validates_against_junit_10_xsd(report: Path) -> None:
    path = schema_path()
    assert path.is_file(), f"{path} is missing; run `make setup` (it fetches junit-10.xsd)"
    xmlschema.XMLSchema(path).validate(report)  # raises, naming the element, if invalid


def test_an_independent_reader_sees_each_scenario_and_its_figures(
    report: Path, results: list[ScenarioResult]
) -> None:
    xml = junitparser.JUnitXml.fromfile(str(report))
    suites = list(xml)
    assert [s.name for s in suites] == [
        *(f"chaosgate.{backend_slug(r.backend)}.{r.name}" for r in results),
        "chaosgate.run",
    ]
    for suite, result in zip(suites[:-1], results, strict=True):
        [case] = list(suite)
        assert case.name == result.name
        assert float(case.time) == pytest.approx(result.duration_s)
        properties = {p.name: p.value for p in suite.properties()}  # type: ignore[no-untyped-call]
        assert properties["backend"] == result.backend
        assert {k: float(properties[k]) for k in result.figures} == result.figures
    run_figures = {p.name: p.value for p in suites[-1].properties()}  # type: ignore[no-untyped-call]
    assert run_figures == {"resilience_score": "71.4"}
    assert xml.tests == len(results) and xml.failures == 1 and xml.errors == 1


def test_one_suite_per_scenario_with_its_counts(
    report: Path, results: list[ScenarioResult]
) -> None:
    root = ET.parse(report).getroot()

    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("7", "1", "1")
    assert float(root.get("time", "")) == pytest.approx(852.0)
    *scenario_suites, run = list(root)
    assert len(scenario_suites) == len(results)
    assert run.get("name") == "chaosgate.run" and run.find("testcase") is None
    pod_kill = suite_of(report, "pod_kill")
    assert pod_kill.get("timestamp") == "2025-12-29T09:20:00+00:00"
    for suite in scenario_suites:
        [case] = suite.findall("testcase")
        assert suite.get("tests") == "1"
        assert {child.tag for child in case} <= TESTCASE_CHILDREN
        assert case.get("classname", "").startswith("chaosgate.")
        for prop in suite.findall("properties/property"):
            assert set(prop.attrib) == {"name", "value"}
        for problem in case.findall("failure") + case.findall("error"):
            assert problem.get("message") and problem.get("type")
    assert suite_of(report, "oom").get("failures") == "1"
    assert suite_of(report, "breaker").get("skipped") == "1"


def test_figures_are_suite_properties_and_summarised_in_the_output(report: Path) -> None:
    suite = suite_of(report, "pod_kill")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {
        "backend": "kind",
        "revision": "3f9c2a7be41d0c6a9e8f1b2c3d4e5f60718293a4",
        "outcome": "pass",
        "checks": "2",
        "checks_passed": "2",
        "recovery_s": "17.3",
        "p95_ms.fault": "142.1",
        "fail_ratio.fault": "0.041",
        "verdict.pdb_invariant": "pass",
        "verdict.pdb_invariant.min_margin": "0",
        "verdict.recovery": "pass",
        "verdict.recovery.recovery_s": "17.3",
    }
    case = suite.find("testcase")
    assert case is not None
    assert case.get("classname") == "chaosgate.kind"
    assert case.get("time") == "90.000"
    system_out = case.findtext("system-out", "")
    assert "figures:\n  recovery_s: 17.3\n  p95_ms.fault: 142.1\n" in system_out
    assert "timeline: " in system_out and "pod_kill.jsonl" in system_out
    assert "journal: " in system_out and "html report: " in system_out
    assert "[[ATTACHMENT|" in system_out and "index.html]]" in system_out
    assert "[pass] recovery: ready again 17.3 s after pod_kill start" in system_out


def test_failure_error_and_skipped(report: Path) -> None:
    suite = ET.parse(report).getroot()

    failure = suite.find("testsuite/testcase[@name='oom']/failure")
    assert failure is not None
    assert failure.get("type") == "InvariantViolated"
    assert failure.get("message") == (
        "recovery: ready again 75.0 s after oom_kill start, 15.0 s over the 60 s budget"
    )
    error = suite.find("testsuite/testcase[@name='gitops']/error")
    assert error is not None
    assert error.get("type") == "VerdictNotComputed"
    assert "Argo CD never reported a sync result" in (error.get("message") or "")
    skipped = suite.find("testsuite/testcase[@name='breaker']/skipped")
    assert skipped is not None
    assert skipped.get("message", "").startswith("the local provider has no traffic")
    marginal = suite.find("testsuite/testcase[@name='az_drain']")
    assert marginal is not None
    assert marginal.find("failure") is None and marginal.find("error") is None
    outcome = suite_of(report, "az_drain").find("properties/property[@name='outcome']")
    assert outcome is not None and outcome.get("value") == "marginal"


def test_round_trip_through_the_gate_reader(report: Path, results: list[ScenarioResult]) -> None:
    cases = read_report(report)

    assert [(c.name, c.status) for c in cases] == [
        ("gitops", CaseStatus.ERROR),
        ("pod_kill", CaseStatus.PASSED),
        ("oom", CaseStatus.FAILED),
        ("az_drain", CaseStatus.PASSED),
        ("hpa", CaseStatus.PASSED),
        ("breaker", CaseStatus.SKIPPED),
        ("breaker[stack]", CaseStatus.PASSED),
    ]
    for case, result in zip(cases, results, strict=True):
        assert case.backend == result.backend
        assert case.classname == f"chaosgate.{backend_slug(result.backend)}"
        assert case.time_s == pytest.approx(result.duration_s)
        # Figures come back exactly (floats as repr, so no precision is lost).
        assert {k: float(case.properties[k]) for k in result.figures} == result.figures
    assert cases[3].marginal
    assert cases[2].message.startswith("recovery: ready again 75.0 s")


def test_awkward_text_is_escaped_and_stays_valid_xml(tmp_path: Path) -> None:
    nasty = "quotes \" ' <tag> & ampersand, ANSI \x1b[31mred\x1b[0m, NUL \x00, emoji 💓, é"
    result = ScenarioResult(
        name="breaker[stack]",
        backend='stack-runtime (docker) <"x">',
        revision="abc",
        outcome=Outcome.FAIL,
        verdicts=(Verdict("breaker_sequence", Outcome.FAIL, nasty, {"note": nasty}),),
        figures={"weird": nasty, "tiny": 1e-9, "big": 12345678901234567890, "third": 1 / 3},
        skipped_reason=None,
    )
    path = tmp_path / "junit.xml"
    write_junit([result], path)

    [case] = read_report(path)  # parses: no raw control characters in the file
    expected = nasty.replace("\x1b", "\\x1b").replace("\x00", "\\x00")
    assert case.message == f"breaker_sequence: {expected}"
    assert case.properties["weird"] == expected
    assert case.properties["verdict.breaker_sequence.note"] == expected
    assert case.backend == 'stack-runtime (docker) <"x">'
    assert case.properties["tiny"] == "1e-09"
    assert float(case.properties["third"]) == 1 / 3
    assert case.properties["big"] == "12345678901234567890"
    assert case.classname == "chaosgate.stack-runtime-docker-x"


def test_fail_without_failing_verdicts_still_says_what_happened(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit([ScenarioResult("hpa", "kind", "", Outcome.FAIL)], path)

    [case] = read_report(path)
    assert case.status is CaseStatus.FAILED
    assert case.message == "scenario hpa is fail but recorded no fail verdict"


def test_rewrite_replaces_the_report_and_leaves_no_temporary_files(
    tmp_path: Path, results: list[ScenarioResult]
) -> None:
    path = tmp_path / "junit.xml"
    write_junit(results, path)
    write_junit(results[:1], path)

    assert [c.name for c in read_report(path)] == ["gitops"]
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "junit.xml"
    target.mkdir()  # replacing a directory with a file fails at the rename
    (target / "keep").write_text("old")

    with pytest.raises(IsADirectoryError):
        write_atomically(target, b"<testsuites/>")

    assert (target / "keep").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["junit.xml"]


@pytest.mark.parametrize(
    ("backend", "slug"),
    [
        ("kind", "kind"),
        ("local (kwok-simulated pods)", "local-kwok-simulated-pods"),
        ("stack-runtime (docker)", "stack-runtime-docker"),
        ("", "unknown"),
        ("((", "unknown"),
    ],
)
def test_backend_slug(backend: str, slug: str) -> None:
    assert backend_slug(backend) == slug


def test_notes_reach_the_testcase_output(tmp_path: Path) -> None:
    notes = ("pods are simulated by kwok", "pod watch reconnected twice (a 3.2 s gap)")
    result = ScenarioResult("oom", "local", "", Outcome.PASS, notes=notes)
    path = tmp_path / "junit.xml"
    write_junit([result], path)
    out = next(ET.parse(path).getroot().iter("system-out"), None)
    assert out is not None and out.text is not None
    assert "notes:\n  - pods are simulated by kwok\n  - pod watch reconnected twice" in out.text

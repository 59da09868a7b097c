"""JUnit XML from scenario results: the common schema shape, escaping, atomic writes,
and a round trip through the gate's reader."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chaosgate.gate.junit_reader import CaseStatus, read_report
from chaosgate.report.atomic_write import write_atomically
from chaosgate.report.junit import backend_slug, write_junit
from chaosgate.report.model import ScenarioResult
from chaosgate.timeline import Outcome, Verdict

from .samples import sample_results

# Children a <testcase> may have in the common JUnit schema (Jenkins / xunit2 / surefire).
TESTCASE_CHILDREN = {"properties", "skipped", "failure", "error", "system-out", "system-err"}


@pytest.fixture
def results(tmp_path: Path) -> list[ScenarioResult]:
    return sample_results(tmp_path)[0]


@pytest.fixture
def report(tmp_path: Path, results: list[ScenarioResult]) -> Path:
    path = tmp_path / "reports" / "junit.xml"
    write_junit(results, path)
    return path


def test_common_junit_schema_shape(report: Path, results: list[ScenarioResult]) -> None:
    root = ET.parse(report).getroot()

    assert root.tag == "testsuites"
    [suite] = root
    assert suite.tag == "testsuite"
    assert suite.get("name") == "chaosgate"
    assert suite.get("timestamp") == "2025-12-29T09:20:00+00:00"
    cases = suite.findall("testcase")
    assert len(cases) == len(list(suite)) == len(results)
    for element in (root, suite):
        assert element.get("tests") == "7"
        assert element.get("failures") == "1"  # oom
        assert element.get("errors") == "1"  # gitops
        assert element.get("skipped") == "1"  # breaker on local
        assert float(element.get("time", "")) == pytest.approx(852.0)
    for case in cases:
        assert {child.tag for child in case} <= TESTCASE_CHILDREN
        assert case.get("classname", "").startswith("chaosgate.")
        assert case.get("name")
        float(case.get("time", ""))
        for prop in case.findall("properties/property"):
            assert set(prop.attrib) == {"name", "value"}
        for problem in case.findall("failure") + case.findall("error"):
            assert problem.get("message") and problem.get("type")


def test_one_testcase_per_scenario_with_figures_as_properties(report: Path) -> None:
    pod_kill = ET.parse(report).getroot().find("testsuite/testcase[@name='pod_kill']")
    assert pod_kill is not None

    props = {p.get("name"): p.get("value") for p in pod_kill.iter("property")}
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
    assert pod_kill.get("classname") == "chaosgate.kind"
    assert pod_kill.get("time") == "90.000"
    system_out = pod_kill.findtext("system-out", "")
    assert "timeline: " in system_out and "pod_kill.jsonl" in system_out
    assert "journal: " in system_out
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
    outcome = marginal.find("properties/property[@name='outcome']")
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

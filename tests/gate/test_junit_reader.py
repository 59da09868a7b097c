"""The JUnit reader: other tools' dialects, and failing closed on anything unreadable."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.gate.errors import GateError
from chaosgate.gate.junit_reader import CaseStatus, JunitCase, read_report, read_reports

FIXTURES = Path(__file__).parent / "fixtures"


def by_name(cases: list[JunitCase]) -> dict[str, JunitCase]:
    return {case.name: case for case in cases}


def test_pytest_xunit2_report() -> None:
    cases = by_name(read_report(FIXTURES / "pytest_xunit2.xml"))

    assert {name: case.status for name, case in cases.items()} == {
        "test_pod_kill": CaseStatus.PASSED,
        "test_oom": CaseStatus.PASSED,
        "test_breaker[stack]": CaseStatus.FAILED,
        "test_hpa": CaseStatus.SKIPPED,
        "test_gitops": CaseStatus.ERROR,
    }
    pod_kill = cases["test_pod_kill"]
    assert pod_kill.scenario == "pod_kill"
    assert pod_kill.classname == "suites.test_pod_kill"
    assert pod_kill.time_s == pytest.approx(61.022)
    assert pod_kill.properties == {"backend": "kind", "recovery_s": "17.3"}
    assert cases["test_breaker[stack]"].scenario == "breaker[stack]"
    assert cases["test_breaker[stack]"].message.startswith("AssertionError: breaker never opened")
    assert cases["test_hpa"].message == "needs metrics-server, which this provider lacks"
    assert "Argo CD did not report Synced" in cases["test_gitops"].message


def test_nested_surefire_suites_pass_their_properties_down() -> None:
    cases = by_name(read_report(FIXTURES / "surefire_nested.xml"))

    assert cases["pod_kill"].properties["backend"] == "kind"
    assert cases["pod_kill"].properties["java.version"] == "21.0.5"
    # A property written as element text, and a time with a thousands separator.
    assert cases["pod_kill"].properties["recovery_s"] == "12.5"
    assert cases["pod_kill"].time_s == pytest.approx(1234.5)
    # The inner suite's property overrides the outer one's.
    assert cases["az_drain"].backend == "kind (3 zones)"


def test_surefire_flaky_and_rerun_failures() -> None:
    cases = by_name(read_report(FIXTURES / "surefire_nested.xml"))

    # flakyFailure: failed once, passed on a rerun. rerunFailure + failure: failed for good.
    assert cases["oom"].status is CaseStatus.PASSED
    assert cases["az_drain"].status is CaseStatus.FAILED
    assert cases["az_drain"].message == "expected drain_s <= 300 but was 412"


def test_missing_attributes_are_tolerated() -> None:
    hpa = by_name(read_report(FIXTURES / "surefire_nested.xml"))["hpa"]

    assert (hpa.classname, hpa.time_s, hpa.status) == ("", None, CaseStatus.PASSED)


def test_single_testsuite_root_with_errors_and_failures() -> None:
    cases = by_name(read_report(FIXTURES / "surefire_single.xml"))

    # A case with both <failure> and <error> is an error: the harness itself broke.
    assert cases["breaker"].status is CaseStatus.ERROR
    assert cases["breaker"].message == "Redis container did not stop"
    # No message attribute: the first line of the text, else the type.
    assert cases["gitops"].message == "java.net.ConnectException: Connection refused"
    assert cases["hpa"].message == "org.opentest4j.AssertionFailedError"
    assert cases["hpa"].time_s is None  # time="bogus"
    assert cases["hpa"].properties == {"user.timezone": "UTC"}


def test_skipped_without_message() -> None:
    cases = by_name(read_report(FIXTURES / "all_skipped.xml"))

    assert cases["oom"].status is CaseStatus.SKIPPED
    assert cases["oom"].message == ""


def test_read_reports_concatenates_files_in_order() -> None:
    cases = read_reports([FIXTURES / "all_skipped.xml", FIXTURES / "surefire_single.xml"])

    assert [c.name for c in cases] == ["breaker", "oom", "breaker", "gitops", "hpa"]
    assert cases[0].report == FIXTURES / "all_skipped.xml"


def test_namespaced_tags_are_read(tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites xmlns="urn:example:junit"><testsuite name="s">'
        '<testcase name="gitops"><failure message="not synced"/></testcase>'
        "</testsuite></testsuites>"
    )

    [case] = read_report(report)

    assert (case.name, case.status, case.message) == ("gitops", CaseStatus.FAILED, "not synced")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b"  \n\t\n", "is empty", id="whitespace"),
        pytest.param(
            b'<?xml version="1.0"?><testsuites><testsuite name="x"><testcase name="gitops">',
            "is not well-formed XML (line 1",
            id="truncated",
        ),
        pytest.param(b"<testsuites><testcase name='a'></testsuites>", "mismatched tag", id="bad"),
        pytest.param(b"not xml at all", "is not well-formed XML", id="text"),
        pytest.param(b"<testsuites/>", "contains no testcase", id="no-cases"),
        pytest.param(
            b"<testsuites><testsuite name='x' tests='0'/></testsuites>",
            "contains no testcase",
            id="empty-suite",
        ),
        pytest.param(
            b"<html><body>502 Bad Gateway</body></html>", "root element is <html>", id="html"
        ),
        pytest.param(b"\xff\xfe<\x00", "is not well-formed XML", id="binary"),
    ],
)
def test_unusable_reports_fail_closed(tmp_path: Path, content: bytes, problem: str) -> None:
    report = tmp_path / "junit.xml"
    report.write_bytes(content)

    with pytest.raises(GateError, match=r"junit\.xml") as raised:
        read_report(report)

    assert problem in str(raised.value)


def test_missing_report_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(GateError, match=r"does not exist; check the path"):
        read_report(tmp_path / "reports" / "junit.xml")


def test_directory_instead_of_report(tmp_path: Path) -> None:
    with pytest.raises(GateError, match=r"is a directory; pass the XML files in it"):
        read_report(tmp_path)


def test_no_reports_at_all() -> None:
    with pytest.raises(GateError, match="No JUnit report was given"):
        read_reports([])


def test_truncated_copy_of_a_real_report_fails_closed(tmp_path: Path) -> None:
    whole = (FIXTURES / "pytest_xunit2.xml").read_bytes()
    report = tmp_path / "junit.xml"
    report.write_bytes(whole[: len(whole) // 2])

    with pytest.raises(GateError, match="it may be truncated"):
        read_report(report)

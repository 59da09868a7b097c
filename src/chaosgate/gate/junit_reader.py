"""Read JUnit XML reports, ours and other tools' (pytest, Maven Surefire, Jenkins, ...).

The dialects differ in small ways this reader accepts: the root is
<testsuites> or a single <testsuite>; testsuites nest; properties sit on
testsuites and on testcases (<property name= value=> or the value as text);
attributes such as time or classname may be missing.

It fails closed: a missing, empty, truncated or malformed file, or one with no
testcase at all, raises GateError naming the file and the problem; it is never
read as "nothing failed".
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from chaosgate.gate.errors import GateError


class CaseStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # <failure>: an assertion (for us: an invariant) did not hold
    ERROR = "error"  # <error>: the test could not run or judge; never a pass
    SKIPPED = "skipped"


@dataclass(frozen=True)
class JunitCase:
    """One <testcase>, with the properties of its enclosing testsuites merged under its own."""

    name: str
    classname: str
    status: CaseStatus
    report: Path
    message: str = ""
    properties: Mapping[str, str] = field(default_factory=dict)
    time_s: float | None = None

    @property
    def scenario(self) -> str:
        """The scenario this case stands for: its name, without pytest's "test_" prefix."""
        return self.name.removeprefix("test_")

    @property
    def backend(self) -> str | None:
        return self.properties.get("backend")

    @property
    def marginal(self) -> bool:
        """Passed, but chaosgate judged it close to a limit (the "outcome" property)."""
        return self.status is CaseStatus.PASSED and self.properties.get("outcome") == "marginal"


def read_reports(paths: Sequence[Path]) -> list[JunitCase]:
    """Every testcase of every report, in order; GateError if there are none to read."""
    if not paths:
        raise GateError("No JUnit report was given; pass one or more report files.")
    return [case for path in paths for case in read_report(path)]


def read_report(path: Path) -> list[JunitCase]:
    """The testcases of one JUnit XML file; GateError if it is unreadable or has none."""
    root = _parse(path)
    tag = _local_name(root.tag)
    if tag not in ("testsuites", "testsuite"):
        raise GateError(
            f"{path} is not a JUnit report: its root element is <{tag}>, "
            "expected <testsuites> or <testsuite>."
        )
    cases = cases_of_tree(root, path)
    if not cases:
        raise GateError(
            f"Report {path} contains no testcase; the run that wrote it may have stopped "
            "before any scenario ran. Re-run the scenarios; an empty report never passes the gate."
        )
    return cases


def _parse(path: Path) -> ET.Element:
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise GateError(
            f"Report {path} does not exist; check the path, or run the scenarios first "
            "(chaosgate run --junit PATH)."
        ) from None
    except IsADirectoryError:
        raise GateError(
            f"Report {path} is a directory; pass the XML files in it (e.g. {path}/*.xml)."
        ) from None
    except OSError as exc:
        raise GateError(f"Report {path} could not be read: {exc.strerror or exc}.") from None
    if not content.strip():
        raise GateError(
            f"Report {path} is empty; the run that should have written it probably crashed. "
            "Re-run the scenarios."
        )
    try:
        # Safe for reports: ElementTree resolves no external entities, and expat
        # (2.4.1+, bundled with Python 3.11) refuses entity-expansion bombs.
        return ET.fromstring(content)  # noqa: S314
    except ET.ParseError as exc:
        line, column = exc.position
        raise GateError(
            f"Report {path} is not well-formed XML (line {line}, column {column}: "
            f"{_parse_problem(exc)}); it may be truncated. Re-run the scenarios to rewrite it."
        ) from None


def _parse_problem(exc: ET.ParseError) -> str:
    # expat's message ends with its own ": line X, column Y", which we already report.
    return str(exc).split(": line ", 1)[0]


def cases_of_tree(root: ET.Element, report: Path) -> list[JunitCase]:
    """The testcases of a parsed (or just built) JUnit tree, as read_report reads them."""
    return list(_suite_cases(root, {}, report))


def _suite_cases(
    suite: ET.Element, inherited: Mapping[str, str], report: Path
) -> Iterator[JunitCase]:
    """The testcases under suite, depth first, each seeing its suites' properties."""
    properties = {**inherited, **_properties(suite)}
    for child in suite:
        tag = _local_name(child.tag)
        if tag == "testsuite":
            yield from _suite_cases(child, properties, report)
        elif tag == "testcase":
            yield _case(child, properties, report)


def _case(element: ET.Element, inherited: Mapping[str, str], report: Path) -> JunitCase:
    status, message = _status(element)
    return JunitCase(
        name=element.get("name", ""),
        classname=element.get("classname", ""),
        status=status,
        report=report,
        message=message,
        properties={**inherited, **_properties(element)},
        time_s=_seconds(element.get("time")),
    )


def _status(case: ET.Element) -> tuple[CaseStatus, str]:
    """The case's status and message; error wins over failure over skipped (fail closed).

    Surefire's <flakyFailure>/<rerunFailure> are not looked at: a test that
    finally failed also has a <failure>, one that passed on a rerun does not.
    """
    children = {_local_name(child.tag): child for child in reversed(case)}
    for tag, status in (
        ("error", CaseStatus.ERROR),
        ("failure", CaseStatus.FAILED),
        ("skipped", CaseStatus.SKIPPED),
    ):
        if tag in children:
            return status, _message(children[tag])
    return CaseStatus.PASSED, ""


def _message(element: ET.Element) -> str:
    """The message attribute, else the first line of the text, else the type."""
    text_lines = (element.text or "").strip().splitlines()
    first_line = text_lines[0] if text_lines else ""
    return element.get("message") or first_line or element.get("type") or ""


def _properties(element: ET.Element) -> dict[str, str]:
    """The <properties> directly under element; a property without a name is ignored."""
    found: dict[str, str] = {}
    for block in element:
        if _local_name(block.tag) != "properties":
            continue
        for prop in block:
            name = prop.get("name")
            if _local_name(prop.tag) == "property" and name:
                found[name] = prop.get("value", (prop.text or "").strip())
    return found


def as_number(text: str) -> float | None:
    """A property's text as a finite number, or None (NaN and infinities bound nothing)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _seconds(text: str | None) -> float | None:
    """A time attribute in seconds; some Surefire versions write "1,234.5"."""
    try:
        return float(text.replace(",", "")) if text else None
    except ValueError:
        return None


def _local_name(tag: str) -> str:
    """The tag without an XML namespace, which a few writers add."""
    return tag.rsplit("}", 1)[-1]

"""Scenario results as JUnit XML that validates against the Jenkins xunit plugin's
junit-10.xsd: one <testsuite> per scenario, holding its figures and one <testcase>.

junit-10.xsd (and the stricter community JUnit.xsd) allow <properties> on a
testsuite only, so that is where the figures go:

- <testsuites> with the totals; then per scenario a <testsuite> named
  "chaosgate.<backend slug>.<scenario>" with its own counts, time and
  <properties>: backend, revision, outcome, every figure, each verdict's
  outcome as verdict.<check> and its figures as verdict.<check>.<figure>;
- in it one <testcase>: classname "chaosgate.<backend slug>", name the
  scenario, time its own wall time; <failure> when an invariant broke (the
  message says which, when and by how much, from the failing verdicts),
  <error> when a verdict could not be computed (never a pass), <skipped> when
  the scenario did not run; <system-out> with a plain-text summary of the
  figures, the paths of the timeline, journal and HTML report (also in
  GitLab's [[ATTACHMENT|path]] form), every verdict's message and the notes;
- the run's own figures (its resilience score) in a last <testsuite>
  "chaosgate.run" with properties and no testcase.

A MARGINAL scenario passed, so it has no <failure>; its "outcome" property says
"marginal" so a gate can refuse it.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from chaosgate.report.atomic_write import write_atomically
from chaosgate.report.model import Figure, ScenarioResult
from chaosgate.timeline import Outcome, Verdict

SUITE_NAME = "chaosgate"
RUN_SUITE = "chaosgate.run"  # the suite of the run's own figures (no testcase)
CHECKS = "checks"  # testcase property: checks judged (the resilience score counts them)
CHECKS_PASSED = "checks_passed"  # testcase property: checks that passed or were marginal
FAILURE_TYPE = "InvariantViolated"
ERROR_TYPE = "VerdictNotComputed"

# Characters XML 1.0 cannot carry at all, not even escaped (ANSI escapes from
# tool output, NUL). They are replaced by a visible \xNN so the file stays valid.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """text with the characters XML 1.0 forbids replaced by a visible escape."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def backend_slug(backend: str) -> str:
    """A classname-safe slug: "local (kwok-simulated pods)" -> "local-kwok-simulated-pods"."""
    return re.sub(r"[^a-z0-9]+", "-", backend.lower()).strip("-") or "unknown"


def format_figure(value: Figure) -> str:
    """A figure as a property value; floats keep full precision (repr), so they round-trip."""
    return repr(value) if isinstance(value, float) else str(value)


def write_junit_tree(root: ET.Element, path: Path) -> None:
    """Write a tree junit_tree made (and perhaps added to) at path, atomically."""
    ET.indent(root)
    write_atomically(path, ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n")


def add_suite_properties(root: ET.Element, properties: Sequence[tuple[str, str]]) -> None:
    """Add the run's own figures (its resilience score, say) as the "chaosgate.run" suite."""
    if not properties:
        return
    suite = ET.SubElement(
        root,
        "testsuite",
        _attrs(name=RUN_SUITE, tests="0", failures="0", errors="0", skipped="0", time="0"),
    )
    _add_properties(suite, properties)


def junit_tree(results: Sequence[ScenarioResult], html_report: Path | None = None) -> ET.Element:
    """The <testsuites> element for results: one <testsuite> with one <testcase> each."""
    # junit-10.xsd has no "skipped" on <testsuites>; each suite carries its own.
    counts = {k: v for k, v in _counts(results).items() if k != "skipped"}
    root = ET.Element("testsuites", _attrs(name=SUITE_NAME, **counts))
    hostname = socket.gethostname()
    for result in results:
        root.append(scenario_suite(result, hostname, html_report))
    return root


def scenario_suite(
    result: ScenarioResult, hostname: str, html_report: Path | None = None
) -> ET.Element:
    """The <testsuite> for one scenario: its figures as properties, then its testcase."""
    suite = ET.Element(
        "testsuite",
        _attrs(
            name=f"{SUITE_NAME}.{backend_slug(result.backend)}.{result.name}",
            **_counts([result]),
            hostname=hostname,
        ),
    )
    if result.started > 0:
        suite.set("timestamp", _iso_timestamp(result.started))
    _add_properties(suite, _properties(result))
    suite.append(testcase(result, html_report))
    return suite


def testcase(result: ScenarioResult, html_report: Path | None = None) -> ET.Element:
    """The <testcase> for one scenario result (its figures sit on the enclosing suite)."""
    case = ET.Element(
        "testcase",
        _attrs(
            classname=f"{SUITE_NAME}.{backend_slug(result.backend)}",
            name=result.name,
            time=f"{result.duration_s:.3f}",
        ),
    )
    _add_status(case, result)
    ET.SubElement(case, "system-out").text = xml_text(_system_out(result, html_report))
    return case


def _add_properties(suite: ET.Element, properties: Sequence[tuple[str, str]]) -> None:
    element = ET.SubElement(suite, "properties")
    for name, value in properties:
        ET.SubElement(element, "property", _attrs(name=name, value=value))


def failure_message(result: ScenarioResult, outcome: Outcome) -> str:
    """One line naming each verdict with that outcome and what it said."""
    verdicts = result.verdicts_with(outcome)
    if not verdicts:
        return f"scenario {result.name} is {outcome.value} but recorded no {outcome.value} verdict"
    return "; ".join(f"{v.check}: {v.message}" for v in verdicts)


def _properties(result: ScenarioResult) -> list[tuple[str, str]]:
    passed = result.verdicts_with(Outcome.PASS, Outcome.MARGINAL)
    props = [
        ("backend", result.backend),
        ("revision", result.revision),
        ("outcome", result.status),
        (CHECKS, str(len(result.verdicts))),
        (CHECKS_PASSED, str(len(passed))),
    ]
    props += [(name, format_figure(value)) for name, value in result.figures.items()]
    for verdict in result.verdicts:
        props.append((f"verdict.{verdict.check}", verdict.outcome.value))
        # Each verdict's own figures too, so a gate can bound any of them.
        props += [
            (f"verdict.{verdict.check}.{name}", format_figure(value))
            for name, value in verdict.figures.items()
        ]
    return props


def _add_status(case: ET.Element, result: ScenarioResult) -> None:
    """Add <skipped>, <failure> or <error> as the result calls for (nothing for a pass)."""
    if result.skipped_reason is not None:
        ET.SubElement(case, "skipped", _attrs(message=result.skipped_reason))
        return
    if result.outcome is Outcome.FAIL:
        tag, kind = "failure", FAILURE_TYPE
    elif result.outcome is Outcome.ERROR:
        tag, kind = "error", ERROR_TYPE
    else:
        return
    element = ET.SubElement(
        case, tag, _attrs(message=failure_message(result, result.outcome), type=kind)
    )
    element.text = xml_text(_verdict_lines(result.verdicts))


def _system_out(result: ScenarioResult, html_report: Path | None) -> str:
    files = {**result.artifacts, **({"html report": html_report} if html_report else {})}
    lines = ["figures:"]
    lines += [f"  {name}: {format_figure(value)}" for name, value in result.figures.items()] or [
        "  (none)"
    ]
    lines += ["artefacts:"]
    lines += [f"  {label}: {path}" for label, path in files.items()] or ["  (none)"]
    lines += ["verdicts:", _verdict_lines(result.verdicts) or "  (none)"]
    if result.notes:
        lines += ["notes:", *(f"  - {note}" for note in result.notes)]
    # GitLab links a file from a testcase's output written this way.
    lines += [f"[[ATTACHMENT|{path}]]" for path in files.values()]
    return "\n".join(lines) + "\n"


def _verdict_lines(verdicts: Sequence[Verdict]) -> str:
    return "\n".join(f"  [{v.outcome.value}] {v.check}: {v.message}" for v in verdicts)


def _counts(results: Sequence[ScenarioResult]) -> dict[str, str]:
    ran = [r for r in results if not r.skipped]
    return {
        "tests": str(len(results)),
        "failures": str(sum(r.outcome is Outcome.FAIL for r in ran)),
        "errors": str(sum(r.outcome is Outcome.ERROR for r in ran)),
        "skipped": str(len(results) - len(ran)),
        "time": f"{sum(r.duration_s for r in results):.3f}",
    }


def _attrs(**values: str) -> dict[str, str]:
    return {key: xml_text(value) for key, value in values.items()}


def _iso_timestamp(unix: float) -> str:
    return datetime.fromtimestamp(unix, tz=UTC).isoformat(timespec="seconds")

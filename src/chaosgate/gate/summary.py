"""The gate decision as markdown, for a CI job summary ($GITHUB_STEP_SUMMARY) and the terminal.

One table row per testcase (outcome, thresholds with ✓/✗ and the value
seen, other figures), a row for each required scenario that is missing, the
reasons for a NO-GO, and a final GO / NO-GO line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from chaosgate.gate.decide import CaseRow, GateDecision, ThresholdCheck
from chaosgate.gate.junit_reader import CaseStatus
from chaosgate.gate.trend import Drift

TITLE = "## chaosgate release gate"
# Properties that describe a testcase rather than measure it; not shown as figures.
_DESCRIPTIVE = frozenset({"backend", "revision", "outcome"})
_MAX_FIGURES = 4
_MAX_CELL = 160
# Messages quote tool output; "<x>" would vanish as an HTML tag and "*" start emphasis.
_MARKDOWN_SPECIAL = re.compile(r"[<>*`]")


def render_summary(decision: GateDecision, reports: Sequence[Path], policy_source: str) -> str:
    """The whole markdown summary of a decision."""
    lines = [
        f"{TITLE}: {'GO ✅' if decision.passed else 'NO-GO ❌'}",
        "",
        f"Policy `{policy_source}` · {len(decision.rows)} testcase(s) from "
        + ", ".join(f"`{path}`" for path in reports),
        "",
        *([f"Resilience score: **{decision.score.describe()}**", ""] if decision.score else []),
        "| Scenario | Backend | Outcome | Thresholds | Figures |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [_case_line(row) for row in decision.rows]
    lines += [
        f"| {_cell(r.label())} | {_cell(r.backend or '—')} | ⛔ missing | | |"
        for r in decision.missing
    ]
    lines += _trend_lines(decision)
    if decision.reasons:
        lines += ["", "### Why NO-GO", ""]
        lines += [f"- {_markdown(reason)}" for reason in decision.reasons]
    lines += ["", _final_line(decision)]
    return "\n".join(lines) + "\n"


_DRIFT_ICON = {
    Drift.HELD: "✅ held",
    Drift.MARGINAL: "🟡 marginal",
    Drift.REGRESSED: "❌ regressed",
}


def _trend_lines(decision: GateDecision) -> list[str]:
    if not decision.trend and not decision.trend_notes:
        return []
    lines = [
        "",
        "### Against the baseline",
        "",
        "| Scenario | Figure | Now | Baseline | Worse by | Trend |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {_cell(c.scenario)} | {_cell(c.figure)} | {c.now:g} | {c.baseline:g} | "
        f"{c.change:+.0%} | {_DRIFT_ICON[c.drift]} |"
        for c in decision.trend
    ]
    lines += ["", *(f"- {_markdown(note)}" for note in decision.trend_notes)]
    return lines


def render_error_summary(problem: str) -> str:
    """The summary when the gate could not decide (unreadable report or policy)."""
    return (
        f"{TITLE}: NO-GO ❌\n\n"
        "The gate could not read its inputs, so it fails closed:\n\n"
        f"- {_markdown(problem)}\n\n"
        "**NO-GO**: fix the input above and run the gate again.\n"
    )


def _final_line(decision: GateDecision) -> str:
    if decision.passed:
        return "**GO**: every required scenario passed and every threshold held."
    count = len(decision.reasons)
    if count == 1:
        return "**NO-GO**: 1 problem stops this release."
    return f"**NO-GO**: {count} problems stop this release."


def _case_line(row: CaseRow) -> str:
    case = row.case
    cells = [
        _cell(case.scenario) + ("" if row.required else " _(not required)_"),
        _cell(case.backend or "—"),
        _cell(_outcome(row)),
        "<br>".join(_cell(_check(check)) for check in row.checks),
        _cell(_figures(row)),
    ]
    return "| " + " | ".join(cells) + " |"


def _outcome(row: CaseRow) -> str:
    case = row.case
    if case.status == CaseStatus.PASSED:
        return "🟡 marginal" if case.marginal else "✅ pass"
    icon = {CaseStatus.FAILED: "❌", CaseStatus.ERROR: "⛔", CaseStatus.SKIPPED: "⏭️"}[case.status]
    label = {CaseStatus.FAILED: "fail"}.get(case.status, case.status.value)
    message = _shorten(case.message)
    return f"{icon} {label}: {message}" if message else f"{icon} {label}"


def _check(check: ThresholdCheck) -> str:
    seen = "missing" if check.value is None else check.value
    return f"{'✓' if check.held else '✗'} {check.threshold.describe()} ({seen})"


def _figures(row: CaseRow) -> str:
    checked = {check.threshold.property for check in row.checks}
    figures = [
        f"{name} {value}"
        for name, value in row.case.properties.items()
        if name not in _DESCRIPTIVE and name not in checked and not name.startswith("verdict.")
    ]
    return ", ".join(figures[:_MAX_FIGURES])


def _cell(text: str) -> str:
    """text made safe inside a markdown table cell: one line, no pipes, no markup."""
    return _markdown(text).replace("|", "\\|")


def _markdown(text: str) -> str:
    """text on one line, with what markdown would read as HTML or emphasis escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", " ".join(text.split()))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"

"""`chaosgate gate REPORT.xml ... [--policy FILE] [--summary FILE] [--baseline OLD.xml]`:
the release gate.

Exit codes: 0 GO, 1 NO-GO, 2 the gate could not decide (a report or the
policy is missing or unreadable), which is a NO-GO too. The markdown
summary goes to stdout and, with --summary, is appended to that file (in CI,
$GITHUB_STEP_SUMMARY), even when the gate could not decide.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from chaosgate.gate.decide import decide
from chaosgate.gate.errors import GateError
from chaosgate.gate.junit_reader import read_reports
from chaosgate.gate.policy import load_policy
from chaosgate.gate.summary import render_error_summary, render_summary

DEFAULT_POLICY = Path("gate.yaml")
GO, NO_GO = 0, 1


def gate_command(
    reports: list[Path], policy: Path | None, summary: Path | None, baseline: Path | None = None
) -> int:
    """Judge the reports against the policy (default ./gate.yaml), and against a baseline
    report when one is given; return the exit code."""
    try:
        text, code = _judge(reports, policy or DEFAULT_POLICY, baseline)
    except GateError as exc:
        print(f"chaosgate gate: {exc}", file=sys.stderr)
        text, code = render_error_summary(str(exc)), exc.exit_code
    print(text, end="")
    if summary is not None:
        _append_summary(summary, text)
    return code


def _judge(reports: Sequence[Path], policy_path: Path, baseline: Path | None) -> tuple[str, int]:
    policy = load_policy(policy_path)
    previous = read_reports([baseline]) if baseline is not None else None
    decision = decide(read_reports(reports), policy, previous)
    return render_summary(decision, reports, policy.source), GO if decision.passed else NO_GO


def _append_summary(path: Path, text: str) -> None:
    """Append to the job summary; failing to do so is reported but does not change the verdict."""
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        print(f"chaosgate gate: could not append the summary to {path}: {exc}", file=sys.stderr)

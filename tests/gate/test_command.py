"""gate_command: exit codes, the printed summary and the CI job summary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.gate.command import gate_command
from chaosgate.report.model import ScenarioResult
from chaosgate.timeline import Outcome, Verdict
from helpers.junit_files import write_junit

FIXTURES = Path(__file__).parent / "fixtures"

# Figures that satisfy every threshold of the default gate.yaml.
GOOD_FIGURES: dict[str, dict[str, float | int | str]] = {
    "gitops": {"sync_s": 40.0},
    "pod_kill": {"recovery_s": 17.3},
    "oom": {"recovery_s": 22.0},
    "az_drain": {"drain_s": 190.0},
    "hpa": {"hpa_scale_out_s": 45.0},
    "breaker": {"breaker_open_s.max": 1.5, "breaker_close_s.max": 2.0, "fail_ratio.fault": 0.0},
}


def result(name: str, outcome: Outcome = Outcome.PASS, **figures: float) -> ScenarioResult:
    verdict = Verdict(f"{name}_check", outcome, f"{name} judged {outcome.value}")
    return ScenarioResult(
        name,
        "kind",
        "3f9c2a7",
        outcome,
        (verdict,),
        GOOD_FIGURES[name] | figures,
        started=1_767_000_000.0,
        duration_s=60.0,
    )


def all_passing() -> list[ScenarioResult]:
    return [result(name) for name in GOOD_FIGURES]


@pytest.fixture
def policy(repo_root: Path) -> Path:
    return repo_root / "gate.yaml"


def test_go(tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "junit.xml"
    write_junit(all_passing(), report)
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step's summary\n")

    code = gate_command([report], policy, summary)

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("## chaosgate release gate: GO ✅")
    assert "| pod_kill | kind | ✅ pass | ✓ recovery_s ≤ 60 (17.3) |" in out
    assert "Resilience score: **100.0/100 (gitops 100%, pod_kill 100%" in out
    assert out.rstrip().endswith("**GO**: every required scenario passed and every threshold held.")
    # Appended, not overwritten: other steps write to the same job summary.
    assert summary.read_text() == "earlier step's summary\n" + out


def test_no_go(tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = all_passing()
    results[2] = result("oom", Outcome.FAIL, recovery_s=75.0)
    report = tmp_path / "junit.xml"
    write_junit(results, report)

    code = gate_command([report], policy, None)

    out = capsys.readouterr().out
    assert code == 1
    assert "NO-GO ❌" in out.splitlines()[0]
    assert "| oom | kind | ❌ fail: oom_check: oom judged fail | ✗ recovery_s ≤ 60 (75.0) |" in out
    assert "- oom (kind) failed: oom_check: oom judged fail" in out
    assert "- oom (kind): recovery_s is 75, above the maximum 60" in out
    assert out.rstrip().endswith("**NO-GO**: 2 problems stop this release.")


def test_marginal_passes_the_default_policy_and_is_flagged(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = all_passing()
    results[3] = result("az_drain", Outcome.MARGINAL, drain_s=250.0)
    report = tmp_path / "junit.xml"
    write_junit(results, report)

    assert gate_command([report], policy, None) == 0
    assert "| az_drain | kind | 🟡 marginal |" in capsys.readouterr().out


def test_reports_are_combined(tmp_path: Path, policy: Path) -> None:
    results = all_passing()
    write_junit(results[:3], tmp_path / "cluster.xml")
    write_junit(results[3:], tmp_path / "stack.xml")

    assert gate_command([tmp_path / "cluster.xml", tmp_path / "stack.xml"], policy, None) == 0


def test_other_tools_report_against_the_default_policy(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = gate_command([FIXTURES / "pytest_xunit2.xml"], policy, None)

    out = capsys.readouterr().out
    assert code == 1
    assert "- required scenario az_drain is missing from the reports" in out
    assert "- required scenario hpa was skipped (needs metrics-server" in out
    assert "- gitops could not be judged (an error is never a pass)" in out
    assert "| hpa | — | ⏭️ skipped: needs metrics-server, which this provider lacks |" in out
    assert "| az_drain | — | ⛔ missing | | |" in out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ('<?xml version="1.0"?><testsuites><testsuite><testcase name="gitops">', "truncated"),
        ("<testsuites/>", "contains no testcase"),
    ],
    ids=["missing", "empty", "truncated", "no-testcases"],
)
def test_unusable_report_fails_closed_with_a_summary(
    tmp_path: Path,
    policy: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    problem: str,
) -> None:
    report = tmp_path / "junit.xml"
    if content is not None:
        report.write_text(content)
    summary = tmp_path / "step-summary.md"

    code = gate_command([report], policy, summary)

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith(f"chaosgate gate: Report {report} ")
    assert problem in captured.err
    # The job summary still says NO-GO and why, so CI readers need not dig in logs.
    assert summary.read_text() == captured.out
    assert captured.out.startswith("## chaosgate release gate: NO-GO ❌")
    assert problem in captured.out


def test_invalid_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "junit.xml"
    write_junit(all_passing(), report)
    bad = tmp_path / "gate.yaml"
    bad.write_text("required: [gitops]\nthresholds:\n  - {scenario: oom, property: x, max: 1m}\n")

    assert gate_command([report], bad, None) == 2
    assert f"{bad}, line 3: thresholds[0].max must be a finite number" in capsys.readouterr().err


def test_default_policy_is_gate_yaml_in_the_working_directory(
    tmp_path: Path, policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "junit.xml"
    write_junit(all_passing()[:1], report)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gate.yaml").write_text("required: [gitops]\n")

    assert gate_command([report], None, None) == 0


def test_no_default_policy_fails_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "junit.xml"
    write_junit(all_passing(), report)
    monkeypatch.chdir(tmp_path)

    assert gate_command([report], None, None) == 2
    assert "Policy file gate.yaml does not exist; pass --policy" in capsys.readouterr().err


def test_unwritable_summary_does_not_change_the_verdict(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "junit.xml"
    write_junit(all_passing(), report)

    assert gate_command([report], policy, tmp_path) == 0
    assert f"could not append the summary to {tmp_path}" in capsys.readouterr().err


def test_summary_cells_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "junit.xml"
    reason = "a | b <script> *c*\nnext line"
    write_junit(
        [ScenarioResult("breaker", "kind", "", Outcome.PASS, skipped_reason=reason)], report
    )
    policy = tmp_path / "gate.yaml"
    policy.write_text("required: [breaker]\n")

    assert gate_command([report], policy, None) == 1
    assert "⏭️ skipped: a \\| b \\<script\\> \\*c\\* next line |" in capsys.readouterr().out

"""`chaosgate lint` end to end, through the CLI entry point and the installed script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from chaosgate.cli import main

from .conftest import CHART, FIXTURES, PROVIDER_VALUES, REPO_ROOT

FINDING_LINE = re.compile(r"^\S+.*: .+ \(fix: .+\) \[[a-z0-9-]+\]$")


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.needs_tools
def test_the_kind_values_trade_zone_loss_for_a_one_at_a_time_budget(
    pinned_helm: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["lint", "--chart", str(CHART), "--values", str(PROVIDER_VALUES / "kind.yaml")]
    code, _, err = run_cli(args, capsys)
    assert code == 1 and "[zone-loss]" in err and err.count("\n") == 1
    code, out, err = run_cli([*args, "--allow", "zone-loss"], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("allowed: StatefulSet/heart-display:") and "[zone-loss]" in out
    assert out.strip().endswith("no problems found beyond the allowed ones")


@pytest.mark.needs_tools
@pytest.mark.parametrize("values", [[], ["local.yaml"]], ids=["default", "local"])
def test_shipped_chart_is_clean(
    pinned_helm: Path, capsys: pytest.CaptureFixture[str], values: list[str]
) -> None:
    args = ["lint", "--chart", str(CHART)]
    for name in values:
        args += ["--values", str(PROVIDER_VALUES / name)]
    code, out, err = run_cli(args, capsys)
    assert (code, err) == (0, "")
    assert out.strip() == f"{CHART}: no problems found"


@pytest.mark.needs_tools
def test_chart_with_monitoring_enabled_is_clean(
    pinned_helm: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["lint", "--chart", str(CHART), "--values", str(FIXTURES / "monitoring-on.yaml")], capsys
    )
    assert (code, err) == (0, "")


@pytest.mark.needs_tools
@pytest.mark.parametrize(
    ("fixture", "rule", "where"),
    [
        ("pdb-blocks-all.yaml", "pdb-blocks-disruption", "PodDisruptionBudget/heart-display"),
        ("latest-tag.yaml", "floating-image-tag", "StatefulSet/heart-display"),
        ("no-limits.yaml", "limits-missing", "StatefulSet/heart-display"),
        ("hpa-min-1.yaml", "hpa-min-replicas", "HorizontalPodAutoscaler/heart-display"),
        ("zone-loss.yaml", "zone-loss", "StatefulSet/heart-display"),
    ],
)
def test_broken_values_produce_their_finding(
    pinned_helm: Path, capsys: pytest.CaptureFixture[str], fixture: str, rule: str, where: str
) -> None:
    code, out, err = run_cli(
        ["lint", "--chart", str(CHART), "--values", str(FIXTURES / fixture)], capsys
    )
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert any(line.startswith(f"{where}: ") and line.endswith(f"[{rule}]") for line in lines), err
    assert all(FINDING_LINE.match(line) for line in lines), err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chart", "does/not/exist"], "chaosgate: Chart directory does/not/exist does not exist"),
        (["--chart", str(CHART), "--values", str(FIXTURES / "not-yaml.yaml")], "is not valid YAML"),
        (
            ["--chart", str(CHART), "--values", str(FIXTURES / "absent.yaml")],
            "absent.yaml does not exist; pass --values",
        ),
    ],
    ids=["missing-chart", "not-yaml", "missing-values"],
)
def test_unusable_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run_cli(["lint", *args], capsys)
    assert code == 2  # bad input is a usage error
    assert out == ""
    assert len(err.splitlines()) == 1
    assert message in err
    assert "Traceback" not in err


def test_installed_script_shows_no_traceback_for_bad_values() -> None:
    script = Path(sys.executable).parent / "chaosgate"
    result = subprocess.run(
        [str(script), "lint", "--values", str(FIXTURES / "not-yaml.yaml")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2  # bad input is a usage error
    assert result.stderr.startswith("chaosgate: Values file ")
    assert len(result.stderr.splitlines()) == 1

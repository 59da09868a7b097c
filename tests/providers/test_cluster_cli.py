"""`chaosgate cluster ...` error paths; no cluster, no tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.cluster_cli import cluster_app


@pytest.fixture(autouse=True)
def empty_kwok_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KWOK_WORKDIR", str(tmp_path / "kwok"))
    return tmp_path / "kwok"


def run_cluster_cli(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        cluster_app(args=argv, prog_name="chaosgate cluster")
    return int(exited.value.code or 0)


@pytest.mark.parametrize("command", ["up", "down", "status"])
def test_unknown_provider_is_a_usage_error_without_traceback(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cluster_cli([command, "--provider", "x", "--name", "n"]) == 2
    captured = capsys.readouterr()
    assert "Unknown provider 'x'; choose local, kind or existing." in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_status_of_unknown_cluster_says_so_and_exits_1(
    empty_kwok_workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cluster_cli(["status", "--provider", "local", "--name", "nope"]) == 1
    captured = capsys.readouterr()
    assert "There is no local cluster named nope" in captured.err
    assert "chaosgate cluster up --provider local --name nope" in captured.err
    assert captured.out == ""
    assert "Traceback" not in captured.err


def test_down_of_unknown_cluster_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cluster_cli(["down", "--name", "nope"]) == 1
    assert "There is no local cluster named nope" in capsys.readouterr().err


def test_bad_cluster_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cluster_cli(["status", "--name", "Bad_Name"]) == 2
    assert "Cluster name 'Bad_Name' is not valid" in capsys.readouterr().err

"""The `chaosgate tools` commands, against a temporary cache (nothing is built)."""

from pathlib import Path

import pytest

from chaosgate.cli import main
from chaosgate.tools.catalog import CATALOG


@pytest.fixture(autouse=True)
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHAOSGATE_CACHE", str(tmp_path))
    return tmp_path


def run_cli(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    return int(exited.value.code or 0)


def test_list_shows_every_pinned_tool_as_not_built(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["tools", "list"]) == 0
    out = capsys.readouterr().out
    assert "kubernetes       v1.34.4    not built" in out
    assert len(out.splitlines()) == len(CATALOG)


def test_list_sees_a_finished_build(empty_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (empty_cache / "tools" / "helm" / "v3.19.0").mkdir(parents=True)
    assert run_cli(["tools", "list"]) == 0
    assert "helm             v3.19.0    built" in capsys.readouterr().out


def test_unknown_tool_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["tools", "build", "terraform"]) == 2
    err = capsys.readouterr().err
    assert "Unknown tool 'terraform'; known tools are: helm," in err
    assert "Traceback" not in err


def test_path_of_unbuilt_tool_says_how_to_build(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["tools", "path", "helm"]) == 1
    assert "run `make setup` or `chaosgate tools build helm`" in capsys.readouterr().err


def test_bad_option_is_a_usage_error_without_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_cli(["tools", "list", "--frobnicate"]) == 2
    captured = capsys.readouterr()
    assert "No such option" in captured.err
    assert "Traceback" not in captured.err

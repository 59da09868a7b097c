from pathlib import Path

import pytest

from chaosgate.errors import UsageError
from chaosgate.harness import HarnessOptions
from chaosgate.runner import RunOptions, available_suites, pytest_args, suite_files
from chaosgate.session import SessionOptions


def test_repository_has_every_contract_suite_in_run_order() -> None:
    assert available_suites() == ["gitops", "pod_kill", "oom", "az_drain", "hpa", "breaker"]


def test_unknown_suite_names_the_available_ones(tmp_path: Path) -> None:
    (tmp_path / "test_gitops.py").write_text("")
    with pytest.raises(UsageError, match=r"Unknown suite 'chaos_monkey'; available: gitops\."):
        suite_files(("chaos_monkey",), tmp_path)


def test_pytest_args_carry_files_not_the_session_options() -> None:
    """The session's options reach the plugin as an object, never as argv strings."""
    session = SessionOptions(HarnessOptions(provider="kind", keep_cluster=True), Path("r"))
    args = pytest_args(RunOptions(("gitops",), session))
    assert args[0].endswith("suites/test_gitops.py")
    assert args[args.index("--junitxml") + 1] == "r/pytest-junit.xml"
    assert not {"--provider", "--keep-cluster", "--scenario-junit", "--report-dir"} & set(args)

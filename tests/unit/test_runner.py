from pathlib import Path

import pytest

from chaosgate.errors import UsageError
from chaosgate.runner import RunOptions, available_suites, pytest_args, suite_files


def test_repository_has_every_contract_suite_in_run_order() -> None:
    assert available_suites() == ["gitops", "pod_kill", "oom", "az_drain", "hpa", "breaker"]


def test_unknown_suite_names_the_available_ones(tmp_path: Path) -> None:
    (tmp_path / "test_gitops.py").write_text("")
    with pytest.raises(UsageError, match=r"Unknown suite 'chaos_monkey'; available: gitops\."):
        suite_files(("chaos_monkey",), tmp_path)


def test_pytest_args_carry_the_harness_options() -> None:
    args = pytest_args(
        RunOptions(suites=("gitops",), provider="kind", keep_cluster=True, junit=Path("j.xml"))
    )
    assert args[0].endswith("suites/test_gitops.py")
    assert args[args.index("--provider") + 1] == "kind"
    assert args[args.index("--scenario-junit") + 1] == "j.xml"
    assert "--keep-cluster" in args

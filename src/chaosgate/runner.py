"""`chaosgate run`: run scenario suites through pytest and write JUnit XML.

A suite name maps to suites/test_<name>.py (gitops, pod_kill, oom, az_drain,
hpa, breaker). pytest runs in this process; the chaosgate pytest plugin
(loaded through its entry point) supplies the cluster fixtures and options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from chaosgate.errors import UnsafeTarget, UsageError
from chaosgate.providers.base import check_nodes_per_zone
from chaosgate.providers.registry import PROVIDER_NAMES
from chaosgate.undo import refuse_unfinished_business
from chaosgate.versions import REPO_ROOT

SUITES_DIR = REPO_ROOT / "suites"
# Run order: gitops first, on the freshly synced stack (later scenarios move pods
# around for good, e.g. a drained zone is not refilled after uncordon), then
# the pod faults, the zone drain, the HPA, and the breaker.
SUITE_ORDER = ("gitops", "pod_kill", "oom", "az_drain", "hpa", "breaker")


@dataclass(frozen=True)
class RunOptions:
    """What `chaosgate run` was asked to do."""

    suites: tuple[str, ...] = ()
    provider: str = "local"
    cluster_name: str = "chaosgate"
    keep_cluster: bool = False
    kubeconfig: Path | None = None
    allow_contexts: tuple[str, ...] = ()
    nodes_per_zone: int | None = None  # None: the plugin's default
    junit: Path = Path("reports/junit.xml")
    report_dir: Path = Path("reports")
    extra_pytest_args: tuple[str, ...] = field(default_factory=tuple)


def available_suites(suites_dir: Path = SUITES_DIR) -> list[str]:
    """Suite names present in suites/ (test_<name>.py)."""
    names = [p.stem.removeprefix("test_") for p in suites_dir.glob("test_*.py")]
    return sorted(names, key=lambda n: (SUITE_ORDER.index(n) if n in SUITE_ORDER else 99, n))


def suite_files(names: tuple[str, ...], suites_dir: Path = SUITES_DIR) -> list[Path]:
    """The files of the named suites (all when none are named); unknown names are an error."""
    known = available_suites(suites_dir)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(
            f"Unknown suite {', '.join(map(repr, unknown))}; available: {', '.join(known)}."
        )
    return [suites_dir / f"test_{name}.py" for name in (names or tuple(known))]


def pytest_args(options: RunOptions) -> list[str]:
    """The pytest command line for options (files first, then plugin options)."""
    args = [str(path) for path in suite_files(options.suites)]
    args += ["--rootdir", str(REPO_ROOT), "-c", str(REPO_ROOT / "pyproject.toml")]
    # The CLI imported chaosgate before pytest could rewrite its asserts; that is fine.
    args += ["-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    # Our JUnit (one testcase per scenario, figures as properties) goes to --junit;
    # pytest's own per-test record sits beside the other reports.
    args += ["--scenario-junit", str(options.junit)]
    args += ["--junitxml", str(options.report_dir / "pytest-junit.xml")]
    args += ["--provider", options.provider, "--cluster-name", options.cluster_name]
    args += ["--report-dir", str(options.report_dir)]
    if options.keep_cluster:
        args.append("--keep-cluster")
    if options.nodes_per_zone is not None:
        args += ["--nodes-per-zone", str(options.nodes_per_zone)]
    if options.kubeconfig:
        args += ["--kubeconfig", str(options.kubeconfig)]
    for context in options.allow_contexts:
        args += ["--allow-context", context]
    return args + list(options.extra_pytest_args)


def refuse_unallowed_context(options: RunOptions) -> None:
    """UnsafeTarget before pytest starts when an existing cluster's context is not allowed.

    The cluster fixture checks again (chaosgate.harness); this one spares the
    user a pytest session that can only error.
    """
    if options.provider == "existing" and options.cluster_name not in options.allow_contexts:
        raise UnsafeTarget(
            f"Refusing to run scenarios in context {options.cluster_name}: chaosgate did not "
            f"create that cluster. Pass --allow-context {options.cluster_name} if you mean it."
        )


def check_options(options: RunOptions) -> None:
    """UsageError for options no scenario could run with, before any scenario starts.

    Inside pytest a bad provider would only fail the cluster fixture, after the
    stack-runtime variants had already run for minutes.
    """
    known = (*PROVIDER_NAMES, "auto")
    if options.provider not in known:
        raise UsageError(
            f"Unknown provider {options.provider!r}; choose one of {', '.join(known)}."
        )
    if options.nodes_per_zone is not None:
        check_nodes_per_zone(options.nodes_per_zone)
    if options.provider == "existing" and options.kubeconfig is None:
        raise UsageError("--provider existing needs --kubeconfig PATH (the cluster's kubeconfig).")
    if options.kubeconfig is not None and not options.kubeconfig.is_file():
        raise UsageError(f"Kubeconfig {options.kubeconfig} does not exist; pass its path.")


def run_suites(options: RunOptions) -> int:
    """Run the suites; return pytest's exit code (0 only if every scenario passed)."""
    check_options(options)
    refuse_unallowed_context(options)
    refuse_unfinished_business(options.provider, options.cluster_name)
    options.junit.parent.mkdir(parents=True, exist_ok=True)
    options.report_dir.mkdir(parents=True, exist_ok=True)
    return int(pytest.main(pytest_args(options)))

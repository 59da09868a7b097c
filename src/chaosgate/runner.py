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
from chaosgate.harness import HarnessOptions
from chaosgate.providers.base import check_nodes_per_zone
from chaosgate.providers.registry import PROVIDER_NAMES
from chaosgate.session import PresetOptions, SessionOptions
from chaosgate.undo import refuse_unfinished_business
from chaosgate.versions import REPO_ROOT

SUITES_DIR = REPO_ROOT / "suites"
# Run order: gitops first, on the freshly synced stack (later scenarios move pods
# around for good, e.g. a drained zone is not refilled after uncordon), then
# the pod faults, the zone drain, the HPA, and the breaker.
SUITE_ORDER = ("gitops", "pod_kill", "oom", "az_drain", "hpa", "breaker")


@dataclass(frozen=True)
class RunOptions:
    """What `chaosgate run` was asked to do: which suites, and the session's options."""

    suites: tuple[str, ...] = ()
    session: SessionOptions = field(default_factory=SessionOptions)
    extra_pytest_args: tuple[str, ...] = ()


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
    """pytest's own command line: the suite files and how to run them.

    The session's options do not go here: run_suites hands them to the plugin
    as an object (PresetOptions).
    """
    args = [str(path) for path in suite_files(options.suites)]
    args += ["--rootdir", str(REPO_ROOT), "-c", str(REPO_ROOT / "pyproject.toml")]
    # The CLI imported chaosgate before pytest could rewrite its asserts; that is fine.
    args += ["-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    # pytest's own per-test record sits beside the scenario reports.
    args += ["--junitxml", str(options.session.report_dir / "pytest-junit.xml")]
    return args + list(options.extra_pytest_args)


def refuse_unallowed_context(options: HarnessOptions) -> None:
    """UnsafeTarget before pytest starts when an existing cluster's context is not allowed.

    The cluster fixture checks again (chaosgate.harness); this one spares the
    user a pytest session that can only error.
    """
    if options.provider == "existing" and options.cluster_name not in options.allow_contexts:
        raise UnsafeTarget(
            f"Refusing to run scenarios in context {options.cluster_name}: chaosgate did not "
            f"create that cluster. Pass --allow-context {options.cluster_name} if you mean it."
        )


def check_options(options: HarnessOptions) -> None:
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
    session = options.session
    check_options(session.harness)
    refuse_unallowed_context(session.harness)
    refuse_unfinished_business(session.harness.provider, session.harness.cluster_name)
    session.junit_path.parent.mkdir(parents=True, exist_ok=True)
    session.report_dir.mkdir(parents=True, exist_ok=True)
    return int(pytest.main(pytest_args(options), plugins=[PresetOptions(session)]))

"""chaosgate's pytest plugin: options and session fixtures for scenario suites.

Loaded through the `pytest11` entry point. Options:
  --provider local|kind|existing   --cluster-name N   --keep-cluster
  --kubeconfig PATH                --allow-context CTX (repeatable)
  --revision REV                   --gitops-snapshot  --report-dir DIR
Fixtures (session scope, created on first use, undone at session end — also
after Ctrl-C, and after SIGTERM, which is turned into KeyboardInterrupt):
  harness_options, cluster, argocd, heart_stack, report_dir, scenario_book
`chaosgate run` passes its options as an object (chaosgate.session.PresetOptions);
these command-line options are for plain pytest. A scenario module records its
run in scenario_book; the session writes every run to JUnit and the HTML report
when it ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from chaosgate.errors import ChaosgateError
from chaosgate.harness import (
    HarnessOptions,
    HeartStack,
    argocd_session,
    cluster_session,
    deploy_heart_stack,
)
from chaosgate.providers.base import ClusterInfo
from chaosgate.scenario_book import ScenarioBook
from chaosgate.session import OPTIONS, SessionOptions


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaosgate", "chaosgate cluster harness")
    group.addoption("--provider", default="local", help="Cluster backend: local, kind, existing.")
    group.addoption("--cluster-name", default="chaosgate", help="Name of the cluster.")
    group.addoption("--keep-cluster", action="store_true", help="Do not delete the cluster.")
    group.addoption("--kubeconfig", default=None, help="Kubeconfig (existing provider).")
    group.addoption(
        "--allow-context", action="append", default=[], help="Context chaos may act on."
    )
    group.addoption(
        "--nodes-per-zone",
        type=int,
        default=None,
        help="Nodes in each zone (default 2; 1 on kind on a machine with fewer than 4 cores).",
    )
    group.addoption("--revision", default="HEAD", help="Git revision of gitops/ to sync.")
    group.addoption(
        "--gitops-snapshot", action="store_true", help="Sync the uncommitted gitops/ tree."
    )
    group.addoption("--report-dir", default="reports", help="Where reports and artefacts go.")
    group.addoption(
        "--scenario-junit",
        default=None,
        help="Scenario JUnit path (default: REPORT_DIR/junit.xml).",
    )


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


BOOK = pytest.StashKey[ScenarioBook]()


def pytest_configure(config: pytest.Config) -> None:
    # pytest tears session fixtures down on KeyboardInterrupt; SIGTERM (CI
    # cancelling a job) must take the same path so the cluster is cleaned up.
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    config.addinivalue_line(
        "markers",
        "scenario(name): the scenario testcase this test reports; if the test ends "
        "without starting it (a fixture failed, say), an error testcase says why",
    )
    # The session's book exists before any fixture, so a scenario whose fixtures
    # fail is still written (as an error), and is written when the session ends.
    options = config.stash.get(OPTIONS, None) or options_from(config)
    config.stash[OPTIONS] = options
    config.stash[BOOK] = ScenarioBook(options.junit_path, options.report_dir.resolve())


def pytest_sessionfinish(session: pytest.Session) -> None:
    book = session.config.stash.get(BOOK, None)
    if book is not None:
        book.write()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A `scenario`-marked test that failed before starting its scenario: an error testcase."""
    report = yield
    marker = item.get_closest_marker("scenario")
    if marker is not None and report.failed and report.when in ("setup", "call"):
        book = item.config.stash[BOOK]
        name = str(marker.args[0])
        if not book.started_during(name, item.nodeid):
            book.refused(name, item.nodeid, _why(call))
    return report


def _why(call: pytest.CallInfo[None]) -> str:
    if call.excinfo is None:
        return "no reason recorded"
    if isinstance(call.excinfo.value, pytest.fail.Exception):
        return str(call.excinfo.value)  # our own one sentence (see _one_sentence)
    return call.excinfo.exconly()


def options_from(config: pytest.Config) -> SessionOptions:
    """SessionOptions from pytest's command line (when no PresetOptions gave them)."""
    junit = config.getoption("--scenario-junit")
    return SessionOptions(
        harness_options_from(config),
        report_dir=Path(config.getoption("--report-dir")),
        junit=Path(junit) if junit else None,
    )


def harness_options_from(config: pytest.Config) -> HarnessOptions:
    kubeconfig = config.getoption("--kubeconfig")
    return HarnessOptions(
        provider=config.getoption("--provider"),
        cluster_name=config.getoption("--cluster-name"),
        keep_cluster=config.getoption("--keep-cluster"),
        kubeconfig=Path(kubeconfig) if kubeconfig else None,
        allow_contexts=tuple(config.getoption("--allow-context")),
        nodes_per_zone=config.getoption("--nodes-per-zone"),
        revision=config.getoption("--revision"),
        gitops_snapshot=config.getoption("--gitops-snapshot"),
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """When a scenario test ends, its runs end: their wall time, and a crash as an error.

    Every suite gets this, so a scenario that raises after some verdicts passed
    is reported as an error, never as the passes it had so far.
    """
    book = item.config.stash[BOOK]
    book.current_test = item.nodeid
    try:
        result = yield
    except BaseException as exc:
        book.finish_runs(exc)
        raise
    book.finish_runs()
    return result


@pytest.fixture(scope="session")
def harness_options(request: pytest.FixtureRequest) -> HarnessOptions:
    return request.config.stash[OPTIONS].harness


@pytest.fixture(scope="session")
def report_dir(request: pytest.FixtureRequest) -> Path:
    path = request.config.stash[BOOK].report_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _one_sentence() -> Iterator[None]:
    """A fixture's ChaosgateError as its one-sentence message, not a pytest traceback.

    Its message names the problem and the fix; each test that needed the
    fixture errors with it.
    """
    try:
        yield
    except ChaosgateError as exc:
        # `from None`: pytest would print the original as "During handling of ...".
        raise pytest.fail.Exception(f"chaosgate: {exc}", pytrace=False) from None


@pytest.fixture(scope="session")
def cluster(harness_options: HarnessOptions) -> Iterator[ClusterInfo]:
    """The cluster under test: created for the session and deleted after it."""
    with _one_sentence(), cluster_session(harness_options) as info:
        yield info


@pytest.fixture(scope="session")
def argocd(cluster: ClusterInfo, harness_options: HarnessOptions) -> Iterator[ClusterInfo]:
    """Argo CD running against the cluster (yields the cluster)."""
    with _one_sentence(), argocd_session(cluster, harness_options):
        yield cluster


@pytest.fixture(scope="session")
def heart_stack(argocd: ClusterInfo, harness_options: HarnessOptions) -> HeartStack:
    """The heart stack, Synced and Healthy at the revision under test."""
    with _one_sentence():
        return deploy_heart_stack(argocd, harness_options)


@pytest.fixture(scope="session")
def scenario_book(request: pytest.FixtureRequest) -> ScenarioBook:
    """Collects scenario runs; JUnit and the HTML report are written when the session ends."""
    return request.config.stash[BOOK]

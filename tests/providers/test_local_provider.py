"""LocalProvider's refusals and leftover detection, without tools or a cluster."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.errors import ClusterError, ClusterNotFound, ToolError, UsageError
from chaosgate.providers.base import ClusterSpec
from chaosgate.providers.local import (
    LocalProvider,
    LocalSettings,
    apiservice_available,
    apiservice_condition,
    last_lines,
    leftovers,
    pid_running,
    processes_using,
)
from chaosgate.tools.cache import ToolCache
from chaosgate.versions import load_versions
from chaosgate.waiting import wait_until


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "kwok"


@pytest.fixture
def provider(workdir: Path, tmp_path: Path) -> LocalProvider:
    # An empty tool cache: nothing is built there.
    cache = ToolCache(tmp_path / "cache", load_versions())
    return LocalProvider(LocalSettings(workdir=workdir), cache=cache)


def test_missing_tools_raise_the_tool_error_before_anything_is_created(
    provider: LocalProvider, workdir: Path
) -> None:
    with pytest.raises(ToolError, match=r"is not built; run `make setup`"):
        provider.up(ClusterSpec(name="fresh"))
    assert not workdir.exists()


def test_a_taken_name_is_refused(provider: LocalProvider, workdir: Path) -> None:
    (workdir / "clusters" / "taken").mkdir(parents=True)
    with pytest.raises(ClusterError) as raised:
        provider.up(ClusterSpec(name="taken"))
    assert str(raised.value) == (
        "A local cluster named taken already exists; run `chaosgate cluster down --name taken` "
        "or pick another --name."
    )


def test_a_default_kwokctl_config_in_the_workdir_is_refused(
    provider: LocalProvider, workdir: Path
) -> None:
    workdir.mkdir(parents=True)
    (workdir / "kwok.yaml").write_text("kind: KwokctlConfiguration\n")
    with pytest.raises(ClusterError, match="would override chaosgate's kwokctl settings"):
        provider.up(ClusterSpec(name="fresh"))


@pytest.mark.parametrize("name", ["", "UPPER", "under_score", "-dash", "x" * 43])
def test_names_kwokctl_would_mangle_are_usage_errors(provider: LocalProvider, name: str) -> None:
    with pytest.raises(UsageError, match="is not valid"):
        provider.up(ClusterSpec(name=name))


@pytest.mark.parametrize("method", ["down", "status"])
def test_unknown_cluster_is_not_found(provider: LocalProvider, method: str) -> None:
    with pytest.raises(ClusterNotFound, match="There is no local cluster named ghost"):
        getattr(provider, method)("ghost")


def test_settings_follow_kwok_workdir(tmp_path: Path) -> None:
    settings = LocalSettings.from_env({"KWOK_WORKDIR": str(tmp_path)})
    assert settings.kubeconfig("c1") == tmp_path / "clusters" / "c1" / "kubeconfig.yaml"
    assert LocalSettings.from_env({}).workdir == Path.home() / ".kwok"


@pytest.fixture
def component_like_process(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A process whose command line points into a cluster dir, like kwokctl's components."""
    cluster_dir = tmp_path / "kwok" / "clusters" / "c1"
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", f"--data-dir={cluster_dir}/etcd"]
    )
    yield cluster_dir, proc.pid
    proc.kill()
    proc.wait()


def test_leftover_processes_are_found_by_their_cluster_dir(
    component_like_process: tuple[Path, int],
) -> None:
    cluster_dir, pid = component_like_process
    # Waited for: one CI run under load did not see the child's new command line at once.
    assert wait_until(
        lambda: [p for p, _ in processes_using(cluster_dir)] == [pid], timeout=10, interval=0.1
    )
    # A sibling cluster whose name extends this one's is not confused with it.
    assert processes_using(cluster_dir.with_name("c")) == []
    assert f"process {pid}" in leftovers(cluster_dir)[0]


def test_a_process_that_lost_its_command_line_counts_until_it_is_gone(
    tmp_path: Path,
) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # Not under the cluster dir, but known to have been a component.
        assert leftovers(tmp_path / "c1", [proc.pid]) == [f"process {proc.pid} (exiting)"]
        assert pid_running(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert not pid_running(proc.pid)
    assert leftovers(tmp_path / "c1", [proc.pid]) == []


def test_nothing_left_of_a_cluster_that_never_existed(tmp_path: Path) -> None:
    assert leftovers(tmp_path / "clusters" / "gone") == []


def test_a_remaining_workdir_is_a_leftover(tmp_path: Path) -> None:
    (tmp_path / "clusters" / "c1").mkdir(parents=True)
    assert leftovers(tmp_path / "clusters" / "c1") == [f"directory {tmp_path / 'clusters' / 'c1'}"]


@pytest.mark.parametrize(
    ("apiservice", "expected"),
    [
        (None, False),
        ({"status": {}}, False),
        ({"status": {"conditions": [{"type": "Available", "status": "False"}]}}, False),
        ({"status": {"conditions": [{"type": "Available", "status": "True"}]}}, True),
    ],
)
def test_apiservice_available(apiservice: object, expected: bool) -> None:
    assert apiservice_available(apiservice) is expected


@pytest.mark.parametrize(
    ("apiservice", "phrase"),
    [
        (None, "no Available condition yet"),
        (
            {"status": {"conditions": [{"type": "Available", "status": "False",
             "reason": "FailedDiscoveryCheck", "message": "connection refused"}]}},
            "Available=False (FailedDiscoveryCheck: connection refused)",
        ),
        (
            {"status": {"conditions": [{"type": "Available", "status": "False"}]}},
            "Available=False (no reason: no message)",
        ),
    ],
)  # fmt: skip
def test_a_metrics_api_that_never_came_says_why(apiservice: object, phrase: str) -> None:
    assert apiservice_condition(apiservice) == phrase


def test_last_lines_of_a_log(tmp_path: Path) -> None:
    log = tmp_path / "metrics-server.log"
    assert last_lines(log).startswith("(no log: ")
    log.write_text("")
    assert last_lines(log) == "(the log is empty)"
    log.write_text("".join(f"line {i}\n" for i in range(9)))
    assert last_lines(log, 3) == "line 6 | line 7 | line 8"

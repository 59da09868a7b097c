"""Watches survive a kube-apiserver restart on a real control plane (the local provider).

The API server process of a local cluster is killed and started again with its
own command line. The recorder's watches must reconnect, list again, record
the blind interval as a GAP record, and see a change made after the restart.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.kube.observe import ClusterRecorder, RecorderSettings
from chaosgate.kube.watch import WatchSettings
from chaosgate.providers.base import ClusterInfo, ClusterSpec
from chaosgate.providers.local import Kubectl, LocalProvider, LocalSettings
from chaosgate.timeline import GAP, NODE, Record
from chaosgate.tools.cache import tool_path
from chaosgate.waiting import wait_until
from helpers.apiserver_restart import restart_apiserver

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(600)]
QUICK = RecorderSettings(watch=WatchSettings(first_backoff_s=0.2, max_backoff_s=1.0))


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[LocalProvider, ClusterInfo]]:
    provider = LocalProvider(LocalSettings(workdir=tmp_path / "kwok"))
    name = f"cg-watch-{uuid.uuid4().hex[:8]}"
    info = provider.up(ClusterSpec(name=name, nodes_per_zone=1))
    try:
        yield provider, info
    finally:
        provider.down(name)


def test_watches_resume_after_the_api_server_restarts_and_record_the_gap(
    cluster: tuple[LocalProvider, ClusterInfo], tmp_path: Path
) -> None:
    provider, info = cluster
    kubectl = Kubectl(tool_path("kubernetes", "kubectl"), info.kubeconfig)
    node = kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").stdout.strip()
    recorder = ClusterRecorder(info.kubeconfig, "default", settings=QUICK)
    cluster_dir = provider.settings.cluster_dir(info.name)
    with recorder:
        assert recorder.wait_for(lambda: any(r.kind == NODE for r in recorder.records()), 30)
        relaunched = restart_apiserver(cluster_dir, tmp_path / "apiserver.log")
        try:
            assert wait_until(kubectl.api_ready, timeout=120, interval=1), "API server not back"
            kubectl("cordon", node)  # made after the restart: the resumed watch must see it

            def seen() -> bool:
                records = recorder.records()
                return bool(gaps(records)) and any(
                    r.kind == NODE and r.name == node and r.data.get("unschedulable")
                    for r in records
                )

            assert recorder.wait_for(seen, timeout=60), recorder.problems()
            problems = recorder.problems()
            kubectl("uncordon", node)
        finally:
            # Ours to stop: kwokctl knows the API server it started, not this one.
            # SIGKILL: a SIGTERMed kube-apiserver drains its watches for over a minute.
            relaunched.kill()
            relaunched.wait(timeout=30)
    [gap, *_] = [g for g in gaps(recorder.records()) if g.name == NODE]
    assert gap.data["gap_s"] > 0 and gap.data["from"] < gap.t
    assert any("saw nothing for" in p for p in problems)


def gaps(records: list[Record]) -> list[Record]:
    return [r for r in records if r.kind == GAP]

"""ClusterRecorder against a scripted fake API server: reconnects, 410 Gone, relists, zones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chaosgate.kube.observe import ClusterRecorder, RecorderSettings
from chaosgate.kube.watch import WatchSettings
from chaosgate.timeline import GAP, NODE, POD, Record
from helpers.fake_apiserver import FakeApiServer, event, expired

NODES = "/api/v1/nodes"
PODS = "/api/v1/namespaces/heart/pods"
FAST = RecorderSettings(
    sync_timeout_s=5, watch=WatchSettings(first_backoff_s=0.01, max_backoff_s=0.05)
)


def node(name: str, zone: str, rv: str, *, unschedulable: bool = False) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "resourceVersion": rv,
            "labels": {"topology.kubernetes.io/zone": zone},
        },
        "spec": {"unschedulable": unschedulable},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }


def pod(name: str, rv: str, node_name: str = "a") -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "heart",
            "uid": f"uid-{name}",
            "resourceVersion": rv,
        },
        "spec": {"nodeName": node_name},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
    }


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeApiServer]:
    with FakeApiServer().running() as server:
        yield server


def record(fake: FakeApiServer, tmp_path: Path, until: Any) -> list[Record]:
    recorder = ClusterRecorder(fake.kubeconfig(tmp_path), "heart", settings=FAST)
    with recorder:
        assert recorder.wait_for(lambda: until(recorder.records()), timeout=10)
    return recorder.records()


def of(records: list[Record], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(r.name, dict(r.data)) for r in records if r.kind == kind]


def test_a_dropped_watch_resumes_and_a_410_relists(fake: FakeApiServer, tmp_path: Path) -> None:
    fake.add_list(NODES, "10", [node("a", "zone-a", "10")])
    fake.add_watch(NODES, event("MODIFIED", node("a", "zone-a", "11", unschedulable=True)))
    fake.add_watch(NODES, expired())
    fake.add_list(NODES, "20", [node("b", "zone-b", "20")])

    def done(records: list[Record]) -> bool:
        return any(r.kind == NODE and r.data.get("gone") for r in records)

    nodes = of(record(fake, tmp_path, done), NODE)
    assert [(name, data["unschedulable"], data.get("deleted", False)) for name, data in nodes] == [
        ("a", False, False),  # listed
        ("a", True, False),  # watched
        ("b", False, False),  # relisted after 410
        ("a", True, True),  # missing from the relist: deleted while we were away
    ]
    # Resumed from the last version seen, then listed again after the 410.
    assert fake.watch_versions(NODES)[:3] == ["10", "11", "20"]
    assert fake.lists_of(NODES) == 2


def test_http_410_on_a_watch_relists_and_pods_keep_their_zones(
    fake: FakeApiServer, tmp_path: Path
) -> None:
    fake.add_list(NODES, "5", [node("a", "zone-a", "5")])
    fake.add_list(PODS, "7", [pod("p1", "7"), pod("p2", "6")])
    fake.add_watch(PODS)  # ends at once: a dropped connection
    fake.add_watch(PODS, "gone")  # the version is too old now: HTTP 410
    fake.add_list(PODS, "9", [pod("p2", "6")])  # p1 went away meanwhile

    def done(records: list[Record]) -> bool:
        return any(r.kind == POD and r.data.get("deleted") for r in records)

    pods = of(record(fake, tmp_path, done), POD)
    assert [(name, data["zone"], data["deleted"]) for name, data in pods] == [
        ("p1", "zone-a", False),
        ("p2", "zone-a", False),
        ("p1", "zone-a", True),  # p2 was unchanged in the relist: not recorded twice
    ]
    assert fake.watch_versions(PODS)[:2] == ["7", "7"]
    assert fake.lists_of(PODS) == 2


def test_a_malformed_watch_line_relists_and_records_the_gap(
    fake: FakeApiServer, tmp_path: Path
) -> None:
    fake.add_list(NODES, "5", [node("a", "zone-a", "5")])
    fake.add_watch(NODES, "raw:{this is not json", event("MODIFIED", node("a", "zone-a", "6")))
    fake.add_list(NODES, "8", [node("a", "zone-a", "8", unschedulable=True)])
    recorder = ClusterRecorder(fake.kubeconfig(tmp_path), "heart", settings=FAST)
    with recorder:
        assert recorder.wait_for(lambda: bool(gaps(recorder.records())), timeout=10)
        problems = recorder.problems()
    nodes = of(recorder.records(), NODE)
    assert [data["unschedulable"] for _, data in nodes] == [False, True], "relisted, kept going"
    [gap] = gaps(recorder.records())
    assert gap.name == NODE and "not JSON" in gap.data["reason"]
    assert gap.data["from"] <= gap.t
    assert fake.lists_of(NODES) == 2
    assert any("saw nothing for" in p and "not JSON" in p for p in problems)


def gaps(records: list[Record]) -> list[Record]:
    return [r for r in records if r.kind == GAP]

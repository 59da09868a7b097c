"""The pure part of a zone drain: which nodes to cordon, which pods to evict, how long to wait."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.errors import UsageError
from chaosgate.kube.zone_drain import (
    CORDONED_BY,
    PodRef,
    plan_drain,
    retry_delay,
    selector_matches,
    skip_reason,
)


def node(
    name: str, zone: str | None, *, cordoned: bool = False, ours: bool = False
) -> dict[str, Any]:
    labels = {"topology.kubernetes.io/zone": zone} if zone else {}
    annotations = {CORDONED_BY: "zone-drain"} if ours else {}
    return {
        "metadata": {"name": name, "labels": labels, "annotations": annotations},
        "spec": {"unschedulable": True} if cordoned else {},
    }


def pod(
    name: str,
    node_name: str,
    *,
    namespace: str = "heart",
    owner: str | None = "StatefulSet",
    phase: str = "Running",
    deleting: bool = False,
    mirror: bool = False,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": f"uid-{name}"}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": "x", "controller": True}]
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    if mirror:
        meta["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    return {"metadata": meta, "spec": {"nodeName": node_name}, "status": {"phase": phase}}


NODES = [node("a-1", "zone-a"), node("a-2", "zone-a"), node("b-1", "zone-b"), node("c-1", "zone-c")]


def test_plan_cordons_the_zone_and_evicts_its_pods_only() -> None:
    pods = [pod("hd-1", "a-1"), pod("hd-5", "a-2"), pod("hd-2", "b-1"), pod("hd-0", "a-1")]
    plan = plan_drain(NODES, pods, "zone-a")
    assert plan.nodes == ("a-1", "a-2")
    assert [p.name for p in plan.evict] == ["hd-0", "hd-1", "hd-5"]  # deterministic order
    assert plan.evict[0] == PodRef("heart", "hd-0", "uid-hd-0", "a-1")
    assert plan.skipped == ()


@pytest.mark.parametrize(
    ("kwargs", "namespaces", "reason"),
    [
        pytest.param({"owner": "DaemonSet"}, None, "DaemonSet", id="daemonset"),
        pytest.param({"owner": None}, None, "no controller", id="bare-pod"),
        pytest.param({"deleting": True}, None, "terminating", id="terminating"),
        pytest.param({"mirror": True}, None, "static", id="mirror-pod"),
        pytest.param({"phase": "Succeeded"}, None, "finished", id="finished"),
        pytest.param({"namespace": "kube-system"}, ("heart",), "namespaces", id="other-namespace"),
        pytest.param({"owner": "ReplicaSet"}, None, None, id="replicaset-is-evicted"),
        pytest.param({}, ("heart",), None, id="statefulset-in-namespace-is-evicted"),
    ],
)
def test_skip_rules(
    kwargs: dict[str, Any], namespaces: tuple[str, ...] | None, reason: str | None
) -> None:
    found = skip_reason(pod("p", "a-1", **kwargs), namespaces)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found


def test_skipped_pods_are_listed_with_their_reason() -> None:
    plan = plan_drain(NODES, [pod("ds", "a-1", owner="DaemonSet"), pod("hd", "a-2")], "zone-a")
    assert [p.name for p in plan.evict] == ["hd"]
    assert [(s.pod.name, "DaemonSet" in s.reason) for s in plan.skipped] == [("ds", True)]


def test_nodes_cordoned_by_someone_else_are_left_as_they_are() -> None:
    nodes = [
        node("a-1", "zone-a", cordoned=True),
        node("a-2", "zone-a", cordoned=True, ours=True),
        node("b-1", "zone-b"),
    ]
    plan = plan_drain(nodes, [], "zone-a")
    assert plan.already_cordoned == ("a-1",)
    assert plan.describe() == ["would cordon node a-2", "would leave node a-1 cordoned as it is"]


def test_dry_run_lines_say_what_would_happen() -> None:
    plan = plan_drain(NODES, [pod("hd-1", "a-1"), pod("ds", "a-2", owner="DaemonSet")], "zone-a")
    assert plan.describe() == [
        "would cordon node a-1",
        "would cordon node a-2",
        "would evict pod heart/hd-1 (on node a-1)",
        "would leave pod heart/ds alone: a DaemonSet pod: "
        "its controller would put it straight back",
    ]


@pytest.mark.parametrize(
    ("nodes", "zone", "message"),
    [
        pytest.param(NODES, "zone-x", "No node is in zone 'zone-x'", id="unknown-zone"),
        pytest.param([node("a-1", "zone-a")], "zone-a", "Every node", id="whole-cluster"),
        pytest.param([node("n", None), node("a", "zone-a")], "zone-b", "zone-a", id="lists-zones"),
    ],
)
def test_impossible_drains_are_refused(
    nodes: list[dict[str, Any]], zone: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        plan_drain(nodes, [], zone)


@pytest.mark.parametrize(
    ("attempt", "retry_after", "expected"),
    [
        pytest.param(1, None, 1.0, id="first-retry"),
        pytest.param(2, None, 2.0, id="doubles"),
        pytest.param(3, None, 4.0, id="doubles-again"),
        pytest.param(9, None, 5.0, id="capped"),
        pytest.param(1, 3.0, 3.0, id="server-retry-after-wins"),
        pytest.param(5, 30.0, 5.0, id="retry-after-capped-too"),
        pytest.param(2, 0.0, 2.0, id="zero-retry-after-ignored"),
    ],
)
def test_retry_delay(attempt: int, retry_after: float | None, expected: float) -> None:
    assert retry_delay(attempt, retry_after, first=1.0, cap=5.0) == expected


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        pytest.param({}, {"a": "1"}, True, id="empty-matches-all"),
        pytest.param({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True, id="labels"),
        pytest.param({"matchLabels": {"a": "1"}}, {"a": "2"}, False, id="labels-differ"),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]},
            {"a": "2"},
            True,
            id="in",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]},
            {},
            True,
            id="not-in-absent",
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False, id="exists"
        ),
        pytest.param(
            {"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]},
            {},
            True,
            id="does-not-exist",
        ),
    ],
)
def test_selector_matches(selector: dict[str, Any], labels: dict[str, str], matches: bool) -> None:
    assert selector_matches(selector, labels) is matches


def pdb(name: str, namespace: str, match: dict[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"matchLabels": match}},
    }


def test_each_planned_pod_names_the_budgets_over_it() -> None:
    heart = pod("hd-1", "a-1")
    heart["metadata"]["labels"] = {"app": "heart"}
    redis = pod("redis", "a-2")
    redis["metadata"]["labels"] = {"app": "redis"}
    budgets = [pdb("heart", "heart", {"app": "heart"}), pdb("elsewhere", "other", {"app": "heart"})]
    plan = plan_drain(NODES, [heart, redis], "zone-a", pdbs=budgets)
    assert {p.name: p.pdbs for p in plan.evict} == {"hd-1": ("heart",), "redis": ()}

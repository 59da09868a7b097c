"""Fake Node manifests and the parsing of node / metrics lists (no cluster)."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.errors import UsageError
from chaosgate.providers.kwok_nodes import (
    FAKE_NODE_TOLERATION,
    NodeShape,
    node_list,
    node_names,
    ready_nodes,
)

ZONES = ("zone-a", "zone-b", "zone-c")


@pytest.mark.parametrize(
    ("zones", "per_zone", "expected"),
    [
        (ZONES, 1, ["kwok-zone-a-1", "kwok-zone-b-1", "kwok-zone-c-1"]),
        (("zone-a",), 3, ["kwok-zone-a-1", "kwok-zone-a-2", "kwok-zone-a-3"]),
        (
            ("zone-a", "zone-b"),
            2,
            ["kwok-zone-a-1", "kwok-zone-a-2", "kwok-zone-b-1", "kwok-zone-b-2"],
        ),
    ],
)
def test_node_names_go_zone_by_zone(
    zones: tuple[str, ...], per_zone: int, expected: list[str]
) -> None:
    assert node_names(zones, per_zone) == expected
    assert [n["metadata"]["name"] for n in node_list(zones, per_zone)["items"]] == expected


def test_six_nodes_two_per_zone_with_zone_and_hostname_labels() -> None:
    nodes = node_list(ZONES, 2)["items"]
    assert len(nodes) == 6
    zones = [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes]
    assert sorted(zones) == sorted(ZONES * 2)
    for node in nodes:
        labels = node["metadata"]["labels"]
        assert labels["kubernetes.io/hostname"] == node["metadata"]["name"]
        assert labels["type"] == "kwok"


def test_every_node_is_marked_fake_and_points_metrics_server_at_kwok() -> None:
    for node in node_list(ZONES, 2)["items"]:
        name = node["metadata"]["name"]
        annotations = node["metadata"]["annotations"]
        assert annotations["kwok.x-k8s.io/node"] == "fake"
        assert annotations["metrics.k8s.io/resource-metrics-path"] == (
            f"/metrics/nodes/{name}/metrics/resource"
        )


def test_every_node_is_tainted_and_the_toleration_matches_the_taint() -> None:
    for node in node_list(ZONES, 1)["items"]:
        (taint,) = node["spec"]["taints"]
        assert taint == {"key": "kwok.x-k8s.io/node", "value": "fake", "effect": "NoSchedule"}
        assert {k: FAKE_NODE_TOLERATION[k] for k in taint} == taint


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (None, {"cpu": "4", "memory": "16Gi", "pods": "110"}),
        (
            NodeShape(cpu="8", memory="32Gi", pods="50"),
            {"cpu": "8", "memory": "32Gi", "pods": "50"},
        ),
    ],
)
def test_allocatable_and_capacity(shape: NodeShape | None, expected: dict[str, str]) -> None:
    (node,) = node_list(("zone-a",), 1, shape)["items"]
    assert node["status"]["allocatable"] == expected
    assert node["status"]["capacity"] == expected


def test_addresses_are_left_to_kwok() -> None:
    (node,) = node_list(("zone-a",), 1)["items"]
    assert "addresses" not in node["status"]


@pytest.mark.parametrize(("zones", "per_zone"), [(ZONES, 0), (ZONES, -1), ((), 2)])
def test_impossible_specs_are_usage_errors(zones: tuple[str, ...], per_zone: int) -> None:
    with pytest.raises(UsageError):
        node_list(zones, per_zone)


def _node(name: str, ready: str | None) -> dict[str, Any]:
    conditions = [{"type": "MemoryPressure", "status": "False"}]
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready})
    return {"metadata": {"name": name}, "status": {"conditions": conditions}}


@pytest.mark.parametrize(
    ("listing", "expected"),
    [
        (None, set()),
        ({"items": []}, set()),
        ({"items": [_node("a", "True"), _node("b", "False"), _node("c", None)]}, {"a"}),
        ({"items": [_node("a", "Unknown"), _node("b", "True")]}, {"b"}),
    ],
)
def test_ready_nodes(listing: Any, expected: set[str]) -> None:
    assert ready_nodes(listing) == expected

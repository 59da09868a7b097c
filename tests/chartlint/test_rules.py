"""Table-style tests of the pure rules, on hand-built objects."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from chaosgate.chartlint.objects import selector_matches
from chaosgate.chartlint.rules import (
    Budget,
    ReplicaRange,
    container_findings,
    first_zone_loss,
    floating_tag_problem,
    hpa_findings,
    image_findings,
    max_pods_in_one_zone,
    parse_budget,
    pdb_disruption_findings,
    replica_range,
    required_healthy,
    run_rules,
    scaled_value,
    zone_findings,
    zone_share_percent,
)

from .builders import container, hpa, pdb, workload, zone_spread


def rules_of(findings: list[Any]) -> list[str]:
    return [f.rule for f in findings]


# --- Budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "total", "expected"),
    [
        (2, 6, 2),
        ("33%", 6, 2),  # 1.98 rounds up
        ("34%", 6, 3),  # 2.04 rounds up
        ("50%", 5, 3),  # 2.5 rounds up
        ("0%", 6, 0),
        ("100%", 6, 6),
        ("33%", 0, 0),
        ("33", 6, None),
        ("abc%", 6, None),
        ("-5%", 6, None),
        (True, 6, None),
    ],
)
def test_scaled_value_rounds_percentages_up(value: Any, total: int, expected: int | None) -> None:
    assert scaled_value(value, total) == expected


@pytest.mark.parametrize(
    ("budget", "replicas", "expected"),
    [
        (Budget("minAvailable", 5), 6, 5),
        (Budget("minAvailable", "50%"), 5, 3),
        (Budget("maxUnavailable", 1), 6, 5),
        (Budget("maxUnavailable", "33%"), 6, 4),
        (Budget("maxUnavailable", "33%"), 7, 4),  # 2.31 rounds up to 3 unavailable
        (Budget("maxUnavailable", 10), 6, 0),  # never negative
    ],
)
def test_required_healthy(budget: Budget, replicas: int, expected: int) -> None:
    assert required_healthy(budget, replicas) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"minAvailable": 3}, Budget("minAvailable", 3)),
        ({"maxUnavailable": "33%"}, Budget("maxUnavailable", "33%")),
        ({"minAvailable": 1, "maxUnavailable": 1}, "sets both minAvailable and maxUnavailable"),
        ({}, "sets neither"),
        ({"minAvailable": "half"}, "minAvailable 'half' is neither an integer nor a percentage"),
    ],
)
def test_parse_budget(spec: dict[str, Any], expected: Budget | str) -> None:
    parsed = parse_budget({"kind": "PodDisruptionBudget", "spec": spec})
    if isinstance(expected, str):
        assert isinstance(parsed, str)
        assert parsed.startswith(expected)
    else:
        assert parsed == expected


def test_replica_range_comes_from_the_hpa_when_one_targets_the_workload() -> None:
    sts = workload(replicas=None)
    assert replica_range(sts, [sts, hpa(3, 9)]) == ReplicaRange(
        3, 9, "HPA minReplicas of HorizontalPodAutoscaler/heart"
    )
    assert replica_range(sts, [sts]).low == 1  # a missing replicas field means 1
    assert replica_range(sts, [sts, hpa(3, 9, target_name="other")]).low == 1


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param([workload(replicas=6), pdb(min_available=5)], [], id="one-of-six-may-go"),
        pytest.param(
            [workload(replicas=6), pdb(min_available=6)],
            ["pdb-blocks-disruption"],
            id="min-equals-replicas",
        ),
        pytest.param(
            [workload(replicas=6), pdb(max_unavailable=0)],
            ["pdb-blocks-disruption"],
            id="max-unavailable-0",
        ),
        pytest.param(
            [workload(replicas=4), pdb(min_available="100%")],
            ["pdb-blocks-disruption"],
            id="all-percent",
        ),
        pytest.param(
            [workload(replicas=3), pdb(min_available="50%")], [], id="half-rounds-up-to-2-of-3"
        ),
        pytest.param(
            [workload(replicas=1), pdb(max_unavailable="10%")], [], id="percent-rounds-up-to-1"
        ),
        pytest.param(
            [workload(replicas=10), hpa(3, 10), pdb(min_available=3)],
            ["pdb-blocks-disruption"],
            id="hpa-min-equals-min-available",
        ),
        pytest.param(
            [workload(), pdb(max_unavailable=1, labels={"app": "other"})],
            ["pdb-selects-nothing"],
            id="selects-nothing",
        ),
        pytest.param(
            [workload(), pdb(min_available=1, max_unavailable=1)],
            ["pdb-invalid-budget"],
            id="both-set",
        ),
    ],
)
def test_pdb_disruption_findings(objects: list[dict[str, Any]], expected: list[str]) -> None:
    assert rules_of(pdb_disruption_findings(objects)) == expected


def test_pdb_finding_says_what_where_and_how() -> None:
    (finding,) = pdb_disruption_findings([workload(replicas=6), pdb(min_available=6)])
    assert finding.where == "PodDisruptionBudget/heart"
    assert "keeps 6 pods healthy" in finding.message
    assert "minAvailable at most 5" in finding.fix
    assert (
        finding.format()
        == f"{finding.where}: {finding.message} (fix: {finding.fix}) [pdb-blocks-disruption]"
    )


# --- Zones ---------------------------------------------------------------------------------


def brute_force_fullest_zone(replicas: int, zones: int, max_skew: int) -> int:
    """The largest zone count over every spread the scheduler can reach (max - min <= skew).

    Any such spread is reachable by placing pods one at a time in rising levels, so this
    is the set of states a DoNotSchedule constraint allows.
    """
    return max(
        counts[0]
        for counts in itertools.product(range(replicas + 1), repeat=zones)
        if sum(counts) == replicas and max(counts) - min(counts) <= max_skew
    )


@pytest.mark.parametrize(
    ("replicas", "zones", "max_skew", "expected"),
    [
        (6, 3, 1, 2),
        (7, 3, 1, 3),
        (6, 3, 2, 3),
        (2, 3, 1, 1),
        (1, 3, 5, 1),  # never more than there are replicas
        (12, 3, 1, 4),
        (0, 3, 1, 0),
    ],
)
def test_max_pods_in_one_zone(replicas: int, zones: int, max_skew: int, expected: int) -> None:
    assert max_pods_in_one_zone(replicas, zones, max_skew) == expected


def test_zone_formula_matches_brute_force() -> None:
    for replicas, zones, max_skew in itertools.product(range(1, 13), range(1, 5), range(1, 4)):
        assert max_pods_in_one_zone(replicas, zones, max_skew) == brute_force_fullest_zone(
            replicas, zones, max_skew
        ), (replicas, zones, max_skew)


def test_first_zone_loss_scans_the_whole_hpa_range() -> None:
    # An integer budget of 2 fits 6 replicas (2 per zone) but not 7 (3 in one zone).
    assert first_zone_loss(Budget("maxUnavailable", 2), ReplicaRange(6, 12, ""), 3, 1) == 7
    assert first_zone_loss(Budget("maxUnavailable", "33%"), ReplicaRange(6, 12, ""), 3, 1) is None


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param([workload(), pdb(max_unavailable="33%")], [], id="default-chart-shape"),
        pytest.param([workload(), pdb(max_unavailable=1)], ["zone-loss"], id="max-unavailable-1"),
        pytest.param(
            [workload(spread=[zone_spread(max_skew=2)]), pdb(max_unavailable="33%")],
            ["zone-loss"],
            id="skew-2",
        ),
        pytest.param(
            [workload(), hpa(6, 12), pdb(max_unavailable=2)],
            ["zone-loss"],
            id="breaks-at-7-in-hpa-range",
        ),
        pytest.param(
            [workload(spread=[]), pdb(max_unavailable="33%")],
            ["zone-spread-missing"],
            id="no-constraint",
        ),
        pytest.param([workload(spread=[])], ["zone-spread-missing"], id="statefulset-without-pdb"),
        pytest.param(
            [workload(spread=[zone_spread(when="ScheduleAnyway")]), pdb(max_unavailable="33%")],
            ["zone-spread-missing"],
            id="soft-only",
        ),
        pytest.param(
            [workload(spread=[zone_spread(labels={"app": "x"})]), pdb(max_unavailable="33%")],
            ["zone-spread-missing"],
            id="selector-misses-pods",
        ),
        pytest.param(
            [workload(kind="Deployment", spread=[], replicas=1)], [], id="deployment-without-pdb"
        ),
        pytest.param(
            [workload(kind="Deployment", spread=[]), pdb(max_unavailable=1)],
            ["zone-spread-missing"],
            id="deployment-with-pdb",
        ),
    ],
)
def test_zone_findings(objects: list[dict[str, Any]], expected: list[str]) -> None:
    assert rules_of(zone_findings(objects)) == expected


def test_zone_loss_message_gives_the_numbers() -> None:
    (finding,) = zone_findings(
        [workload(spread=[zone_spread(max_skew=2)]), pdb(max_unavailable="33%")]
    )
    assert finding.where == "StatefulSet/heart"
    assert "one zone can hold 3 pods; losing it leaves 3, fewer than the 4" in finding.message
    assert "maxSkew to 1" in finding.fix
    assert 'maxUnavailable of at least 3 at 6 replicas (as a percentage: "34%")' in finding.fix


@pytest.mark.parametrize(
    ("fullest", "replicas", "zones", "expected"),
    [(2, 6, 3, 33), (4, 12, 3, 33), (3, 6, 3, 34), (1, 1, 3, 33), (3, 4, 2, 51)],
)
def test_zone_share_percent_prefers_one_zones_share(
    fullest: int, replicas: int, zones: int, expected: int
) -> None:
    percent = zone_share_percent(fullest, replicas, zones)
    assert percent == expected
    assert scaled_value(f"{percent}%", replicas) == fullest  # enough, and not more


def test_zone_count_is_a_parameter() -> None:
    objects = [workload(replicas=4), pdb(max_unavailable=1)]
    assert rules_of(zone_findings(objects, zones=4)) == []  # one pod per zone
    assert rules_of(zone_findings(objects, zones=2)) == ["zone-loss"]


# --- Autoscaling ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param([workload(replicas=None), hpa(6, 12)], [], id="ok"),
        pytest.param([workload(replicas=None), hpa(1, 12)], ["hpa-min-replicas"], id="min-1"),
        pytest.param(
            [workload(replicas=None), hpa(None, 12)], ["hpa-min-replicas"], id="min-defaults-to-1"
        ),
        pytest.param(
            [workload(replicas=None), hpa(6, 3)], ["hpa-max-below-min"], id="max-below-min"
        ),
        pytest.param(
            [workload(replicas=None), hpa(6, 12, target_name="gone")],
            ["hpa-target-missing"],
            id="no-target",
        ),
        pytest.param(
            [workload(replicas=None), hpa(6, 12, target_kind="Deployment")],
            ["hpa-target-missing"],
            id="wrong-kind",
        ),
    ],
)
def test_hpa_findings(objects: list[dict[str, Any]], expected: list[str]) -> None:
    assert rules_of(hpa_findings(objects)) == expected


# --- Containers and images -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("objects", "expected"),
    [
        pytest.param([workload()], [], id="ok"),
        pytest.param(
            [workload(containers=[container(limits={"memory": "64Mi"})])],
            ["limits-missing"],
            id="no-cpu-limit",
        ),
        pytest.param(
            [workload(containers=[container(limits={})])], ["limits-missing"], id="no-limits"
        ),
        pytest.param(
            [workload(containers=[container(probes=False)])], ["probes-missing"], id="no-probes"
        ),
        pytest.param(
            [workload(init_containers=[container("init", probes=False)])],
            [],
            id="init-needs-no-probes",
        ),
        pytest.param(
            [workload(init_containers=[container("init", limits={})])],
            ["limits-missing"],
            id="init-needs-limits",
        ),
        pytest.param(
            [workload(kind="Job", containers=[container(probes=False)])],
            [],
            id="job-needs-no-probes",
        ),
    ],
)
def test_container_findings(objects: list[dict[str, Any]], expected: list[str]) -> None:
    assert rules_of(container_findings(objects)) == expected


def test_container_finding_names_the_missing_parts() -> None:
    sts = workload(containers=[container("web", limits={"memory": "1Gi"}, probes=False)])
    limits, probes = container_findings([sts])
    assert limits.message.startswith("container 'web' has no cpu limit")
    assert limits.fix == "set resources.limits.cpu on container 'web'"
    assert "no livenessProbe and no readinessProbe" in probes.message


@pytest.mark.parametrize(
    ("image", "floats"),
    [
        ("repo/app:1.0", False),
        ("repo/app", True),
        ("repo/app:latest", True),
        ("repo/app:", True),
        ("registry:5000/app", True),  # the colon belongs to the registry port
        ("registry:5000/app:1.2.3", False),
        ("repo/app@sha256:" + "a" * 64, False),
        ("repo/app:latest@sha256:" + "a" * 64, False),  # the digest pins it
    ],
)
def test_floating_tag_problem(image: str, floats: bool) -> None:
    assert bool(floating_tag_problem(image)) is floats


def test_image_findings_cover_init_containers_and_missing_images() -> None:
    sts = workload(
        containers=[container(image="")], init_containers=[container("init", image="x:latest")]
    )
    messages = [f.message for f in image_findings([sts])]
    assert len(messages) == 2
    assert "'init' image 'x:latest' uses the floating tag 'latest'" in messages[0]
    assert "has no image at all" in messages[1]


# --- Selectors and the whole set -----------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ({}, {"a": "1"}, True),  # empty selects everything
        (None, {"a": "1"}, False),  # null selects nothing
        ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "2"}}, {"a": "1"}, False),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]},
            {"a": "1"},
            True,
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]},
            {"a": "1"},
            False,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {}, True),
    ],
)
def test_selector_matches(selector: Any, labels: dict[str, str], matches: bool) -> None:
    assert selector_matches(selector, labels) is matches


def test_run_rules_is_clean_on_a_resilient_stack() -> None:
    objects = [workload(replicas=None), hpa(6, 12), pdb(max_unavailable="33%")]
    assert run_rules(objects) == []

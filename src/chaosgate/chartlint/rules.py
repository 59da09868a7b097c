"""Resilience rules over rendered objects. Pure functions: objects in, findings out.

Each rule takes the list of rendered objects and returns findings; none of
them reads files or runs commands, so they are tested table-style on small
hand-built dicts. Kubernetes semantics are followed where they matter:
percentages in a PodDisruptionBudget round up (as the disruption controller
does), a missing `replicas` means 1, an HPA's missing minReplicas means 1.

The HPA/PDB consistency rule "minReplicas > minAvailable" is checked by
pdb_disruption_findings, which evaluates the budget at the HPA's minReplicas;
reporting it twice would only repeat the same fact.

The zone bound assumes pods were placed by the scheduler under the zone
constraint. Scaling in can leave a larger skew (Kubernetes does not rebalance),
which is a known limit of topology spread, not of this check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from chaosgate.chartlint.finding import Finding
from chaosgate.chartlint.objects import (
    Manifest,
    as_dict,
    as_list,
    containers,
    dig,
    pod_labels,
    ref,
    selector_matches,
    workloads,
)

DEFAULT_ZONES = 3
ZONE_KEY = "topology.kubernetes.io/zone"
LONG_RUNNING_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"})
FLOATING_TAGS = frozenset({"", "latest"})


# --- Disruption budgets --------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """What a PodDisruptionBudget asks for: field is minAvailable or maxUnavailable."""

    field: str
    value: int | str

    def describe(self) -> str:
        return f"{self.field} {self.value}"


def scaled_value(value: int | str, total: int) -> int | None:
    """An int-or-percent against total, rounding percentages up as Kubernetes does.

    None when value is neither an integer nor a string like "33%".
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    digits = value.removesuffix("%")
    if not value.endswith("%") or not digits.isdigit():
        return None
    return -(-int(digits) * total // 100)  # ceil without floats


def parse_budget(pdb: Manifest) -> Budget | str:
    """The budget of a PDB, or a sentence saying why it is not a valid one."""
    present = [f for f in ("minAvailable", "maxUnavailable") if dig(pdb, "spec", f) is not None]
    if len(present) != 1:
        return "sets both minAvailable and maxUnavailable" if present else "sets neither"
    value = dig(pdb, "spec", present[0])
    if scaled_value(value, 100) is None:
        return f'{present[0]} {value!r} is neither an integer nor a percentage like "33%"'
    return Budget(present[0], value)


def required_healthy(budget: Budget, replicas: int) -> int:
    """How many pods must stay healthy at this replica count."""
    amount = scaled_value(budget.value, replicas) or 0
    if budget.field == "minAvailable":
        return amount
    return max(0, replicas - amount)


@dataclass(frozen=True)
class ReplicaRange:
    """The replica counts a workload can run at, and what decides them."""

    low: int
    high: int
    source: str


def hpa_for(workload: Manifest, objects: Sequence[Manifest]) -> Manifest | None:
    """The HorizontalPodAutoscaler that scales workload, if any."""
    for obj in objects:
        target = as_dict(dig(obj, "spec", "scaleTargetRef"))
        if (
            obj.get("kind") == "HorizontalPodAutoscaler"
            and target.get("kind") == workload.get("kind")
            and target.get("name") == dig(workload, "metadata", "name")
        ):
            return obj
    return None


def replica_range(workload: Manifest, objects: Sequence[Manifest]) -> ReplicaRange:
    """From HPA minReplicas to maxReplicas if an HPA scales workload, else spec.replicas."""
    hpa = hpa_for(workload, objects)
    if hpa is not None:
        low = _int_or(dig(hpa, "spec", "minReplicas"), 1)
        high = max(low, _int_or(dig(hpa, "spec", "maxReplicas"), low))
        return ReplicaRange(low, high, f"HPA minReplicas of {ref(hpa)}")
    replicas = _int_or(dig(workload, "spec", "replicas"), 1)
    return ReplicaRange(replicas, replicas, "spec.replicas")


def count(number: int, noun: str) -> str:
    """ "1 pod", "2 pods": findings are read by people."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _int_or(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def protected_workloads(pdb: Manifest, objects: Sequence[Manifest]) -> list[Manifest]:
    """The workloads whose pods the PDB selects."""
    selector = dig(pdb, "spec", "selector")
    return [
        w
        for w, template in workloads(list(objects))
        if selector_matches(selector, pod_labels(template))
    ]


def pdb_disruption_findings(objects: Sequence[Manifest]) -> list[Finding]:
    """Each PDB must select a workload and allow one eviction at its minimum replica count."""
    findings = []
    for pdb in (o for o in objects if o.get("kind") == "PodDisruptionBudget"):
        budget = parse_budget(pdb)
        if isinstance(budget, str):
            findings.append(_invalid_budget(pdb, budget))
            continue
        protected = protected_workloads(pdb, objects)
        if not protected:
            findings.append(_selects_nothing(pdb))
        for workload in protected:
            span = replica_range(workload, objects)
            required = required_healthy(budget, span.low)
            if span.low - required < 1:
                findings.append(_blocks_disruption(pdb, workload, budget, span, required))
    return findings


def _invalid_budget(pdb: Manifest, problem: str) -> Finding:
    return Finding(
        "pdb-invalid-budget",
        ref(pdb),
        f"the budget {problem}",
        "set exactly one of spec.minAvailable and spec.maxUnavailable, as an integer or a "
        "percentage (podDisruptionBudget.* in the chart values)",
    )


def _selects_nothing(pdb: Manifest) -> Finding:
    return Finding(
        "pdb-selects-nothing",
        ref(pdb),
        "its selector matches the pods of no workload in the chart, so it protects nothing",
        "make spec.selector match the pod template labels of the workload it should protect",
    )


def _blocks_disruption(
    pdb: Manifest, workload: Manifest, budget: Budget, span: ReplicaRange, required: int
) -> Finding:
    return Finding(
        "pdb-blocks-disruption",
        ref(pdb),
        f"at {count(span.low, 'replica')} of {ref(workload)} ({span.source}) the budget "
        f"({budget.describe()}) keeps {count(required, 'pod')} healthy, so no pod may ever be "
        "evicted and every node or zone drain hangs",
        f"allow at least one disruption: minAvailable at most {span.low - 1} or maxUnavailable "
        "of at least 1 (podDisruptionBudget.*), or raise the minimum replica count "
        "(autoscaling.minReplicas / replicaCount)",
    )


# --- Zones ---------------------------------------------------------------------------------


def max_pods_in_one_zone(replicas: int, zones: int, max_skew: int) -> int:
    """The most pods one zone can hold when replicas are spread with maxSkew over zones.

    The scheduler keeps (largest zone - smallest zone) <= max_skew. If one zone holds m
    pods, each of the other zones - 1 holds at least m - max_skew, so
    m + (zones - 1) * (m - max_skew) <= replicas, i.e.
    m <= (replicas + max_skew * (zones - 1)) / zones. The largest such m is reachable
    (fill the other zones between m - max_skew and m), and m never exceeds replicas.
    """
    if replicas <= 0:
        return 0
    return min(replicas, (replicas + max_skew * (zones - 1)) // zones)


def zone_constraint(template: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template's topology spread constraint over zones, preferring a hard one."""
    constraints = [
        as_dict(c)
        for c in as_list(dig(template, "spec", "topologySpreadConstraints"))
        if dig(c, "topologyKey") == ZONE_KEY
    ]
    hard = [c for c in constraints if c.get("whenUnsatisfiable") == "DoNotSchedule"]
    preferred = hard or constraints
    return preferred[0] if preferred else None


def zone_findings(objects: Sequence[Manifest], zones: int = DEFAULT_ZONES) -> list[Finding]:
    """Losing any one zone must leave at least the pods each PDB keeps healthy.

    Checked for StatefulSets and for every workload a PDB protects: the zone
    constraint must be hard and select the pods, and at every replica count the
    workload can run at (the HPA range), the pods outside the fullest possible
    zone must cover the PDB's required healthy pods.
    """
    findings = []
    budgets = _budgets_by_workload(objects)
    for workload, template in workloads(list(objects)):
        pdbs = budgets.get(ref(workload), [])
        if workload.get("kind") != "StatefulSet" and not pdbs:
            continue
        constraint = zone_constraint(template)
        problem = _zone_constraint_problem(constraint, pod_labels(template))
        if constraint is None or problem:
            findings.append(_zone_spread_missing(workload, problem))
            continue
        max_skew = _int_or(constraint.get("maxSkew"), 1)
        span = replica_range(workload, objects)
        for pdb, budget in pdbs:
            replicas = first_zone_loss(budget, span, zones, max_skew)
            if replicas is not None:
                findings.append(
                    _zone_loss(
                        workload, pdb, budget, replicas=replicas, zones=zones, max_skew=max_skew
                    )
                )
    return findings


def _budgets_by_workload(objects: Sequence[Manifest]) -> dict[str, list[tuple[Manifest, Budget]]]:
    budgets: dict[str, list[tuple[Manifest, Budget]]] = {}
    for pdb in (o for o in objects if o.get("kind") == "PodDisruptionBudget"):
        budget = parse_budget(pdb)
        if isinstance(budget, Budget):
            for workload in protected_workloads(pdb, objects):
                budgets.setdefault(ref(workload), []).append((pdb, budget))
    return budgets


def _zone_constraint_problem(constraint: dict[str, Any] | None, labels: dict[str, str]) -> str:
    if constraint is None:
        return f"its pods have no topologySpreadConstraint on {ZONE_KEY}, so one zone may hold all"
    if constraint.get("whenUnsatisfiable") != "DoNotSchedule":
        return (
            f"its only {ZONE_KEY} spread constraint is ScheduleAnyway, a preference that does "
            "not bound how many pods one zone holds"
        )
    if not selector_matches(constraint.get("labelSelector"), labels):
        return "its zone spread constraint's labelSelector does not match its own pods"
    return ""


def _zone_spread_missing(workload: Manifest, problem: str) -> Finding:
    return Finding(
        "zone-spread-missing",
        ref(workload),
        problem,
        f"add a topologySpreadConstraint with topologyKey {ZONE_KEY}, maxSkew 1, "
        "whenUnsatisfiable DoNotSchedule and a labelSelector matching the pod labels",
    )


def first_zone_loss(budget: Budget, span: ReplicaRange, zones: int, max_skew: int) -> int | None:
    """The smallest replica count in span at which losing the fullest zone breaks the budget."""
    for replicas in range(span.low, span.high + 1):
        if replicas - max_pods_in_one_zone(replicas, zones, max_skew) < required_healthy(
            budget, replicas
        ):
            return replicas
    return None


def _zone_loss(
    workload: Manifest, pdb: Manifest, budget: Budget, *, replicas: int, zones: int, max_skew: int
) -> Finding:
    fullest = max_pods_in_one_zone(replicas, zones, max_skew)
    required = required_healthy(budget, replicas)
    fixes = ["set maxSkew to 1 (topologySpread.maxSkew)"] if max_skew > 1 else []
    if budget.field == "minAvailable":
        fixes.append(f"lower minAvailable to at most {replicas - fullest}")
    percent = zone_share_percent(fullest, replicas, zones)
    fixes.append(
        f"let the budget lose one zone's share: maxUnavailable of at least {fullest} at "
        f'{count(replicas, "replica")} (as a percentage: "{percent}%")'
    )
    return Finding(
        "zone-loss",
        ref(workload),
        f"with {count(replicas, 'replica')} over {zones} zones and maxSkew {max_skew} one zone "
        f"can hold {count(fullest, 'pod')}; losing it leaves {replicas - fullest}, fewer than the "
        f"{required} that {ref(pdb)} keeps healthy ({budget.describe()})",
        ", or ".join(fixes),
    )


def zone_share_percent(fullest: int, replicas: int, zones: int) -> int:
    """A maxUnavailable percentage that lets `fullest` of `replicas` pods go.

    One zone's share (100 / zones, rounded down) when it is enough, because that keeps
    pace with the HPA; otherwise the smallest percentage that rounds up to `fullest`.
    """
    share = 100 // zones
    if (scaled_value(f"{share}%", replicas) or 0) >= fullest:
        return share
    return 100 * (fullest - 1) // replicas + 1


# --- Autoscaling ---------------------------------------------------------------------------


def hpa_findings(objects: Sequence[Manifest]) -> list[Finding]:
    """HPAs must target a rendered workload, keep 2+ replicas, and have max >= min."""
    findings = []
    names = {(o.get("kind"), dig(o, "metadata", "name")) for o in objects}
    for hpa in (o for o in objects if o.get("kind") == "HorizontalPodAutoscaler"):
        target = as_dict(dig(hpa, "spec", "scaleTargetRef"))
        low = _int_or(dig(hpa, "spec", "minReplicas"), 1)
        high = _int_or(dig(hpa, "spec", "maxReplicas"), 0)
        if (target.get("kind"), target.get("name")) not in names:
            findings.append(_hpa_target_missing(hpa, target))
        if low < 2:
            findings.append(_hpa_min_replicas(hpa, low))
        if high < low:
            findings.append(_hpa_max_below_min(hpa, low, high))
    return findings


def _hpa_target_missing(hpa: Manifest, target: dict[str, Any]) -> Finding:
    return Finding(
        "hpa-target-missing",
        ref(hpa),
        f"spec.scaleTargetRef {target.get('kind')}/{target.get('name')} is not rendered by the "
        "chart, so the HPA scales nothing",
        "point spec.scaleTargetRef at the kind and name of a workload the chart renders",
    )


def _hpa_min_replicas(hpa: Manifest, low: int) -> Finding:
    return Finding(
        "hpa-min-replicas",
        ref(hpa),
        f"minReplicas is {low}: at the minimum one pod serves everything, so a single eviction "
        "or crash is an outage",
        "set autoscaling.minReplicas to at least 2 (at least one per zone is better)",
    )


def _hpa_max_below_min(hpa: Manifest, low: int, high: int) -> Finding:
    return Finding(
        "hpa-max-below-min",
        ref(hpa),
        f"maxReplicas {high} is below minReplicas {low}",
        "set autoscaling.maxReplicas to at least autoscaling.minReplicas",
    )


# --- Containers ----------------------------------------------------------------------------


def container_findings(objects: Sequence[Manifest]) -> list[Finding]:
    """CPU and memory limits on every container; liveness and readiness on main containers."""
    findings = []
    for workload, template in workloads(list(objects)):
        for field, label in (("initContainers", "init container"), ("containers", "container")):
            for container in containers(template, field):
                findings += _limit_findings(workload, container, label)
                if field == "containers" and workload.get("kind") in LONG_RUNNING_KINDS:
                    findings += _probe_findings(workload, container)
    return findings


def _limit_findings(workload: Manifest, container: dict[str, Any], label: str) -> list[Finding]:
    limits = as_dict(dig(container, "resources", "limits"))
    missing = [r for r in ("cpu", "memory") if limits.get(r) in (None, "")]
    if not missing:
        return []
    name = container.get("name")
    return [
        Finding(
            "limits-missing",
            ref(workload),
            f"{label} {name!r} has no {' or '.join(missing)} limit, so one pod can starve its node",
            f"set {' and '.join(f'resources.limits.{r}' for r in missing)} on {label} {name!r}",
        )
    ]


def _probe_findings(workload: Manifest, container: dict[str, Any]) -> list[Finding]:
    missing = [p for p in ("livenessProbe", "readinessProbe") if not container.get(p)]
    if not missing:
        return []
    name = container.get("name")
    return [
        Finding(
            "probes-missing",
            ref(workload),
            f"container {name!r} has no {' and no '.join(missing)}, so Kubernetes cannot tell a "
            "hung or unready pod from a healthy one",
            f"add {' and '.join(missing)} to container {name!r}",
        )
    ]


# --- Images --------------------------------------------------------------------------------


def floating_tag_problem(image: str) -> str:
    """Why an image reference floats ("" when it is pinned by a tag or a digest)."""
    name, _, digest = image.partition("@")
    if digest:
        return ""
    last_part = name.rsplit("/", 1)[-1]
    if ":" not in last_part:
        return "has no tag, so Kubernetes pulls :latest"
    tag = last_part.partition(":")[2]
    return f"uses the floating tag {tag!r}" if tag in FLOATING_TAGS else ""


def image_findings(objects: Sequence[Manifest]) -> list[Finding]:
    """Every container image must be pinned by a version tag or a digest."""
    findings = []
    for workload, template in workloads(list(objects)):
        for field in ("initContainers", "containers"):
            for container in containers(template, field):
                image = str(container.get("image") or "")
                problem = floating_tag_problem(image) if image else "has no image at all"
                if problem:
                    findings.append(
                        Finding(
                            "floating-image-tag",
                            ref(workload),
                            f"container {container.get('name')!r} image {image!r} {problem}; "
                            "the same revision could run different code",
                            "pin a version tag or a digest, e.g. repo:1.2.3 or repo@sha256:... "
                            "(image.tag / redis.image.tag in this chart's values)",
                        )
                    )
    return findings


# --- All rules -----------------------------------------------------------------------------

Rule = Callable[[Sequence[Manifest]], list[Finding]]


def run_rules(objects: Sequence[Manifest], zones: int = DEFAULT_ZONES) -> list[Finding]:
    """Every rule over the rendered objects, in a fixed order."""
    rules: tuple[Rule, ...] = (
        pdb_disruption_findings,
        partial(zone_findings, zones=zones),
        hpa_findings,
        container_findings,
        image_findings,
    )
    return [finding for rule in rules for finding in rule(objects)]

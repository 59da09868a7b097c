"""Drain a whole availability zone the way an operator would, and always undo it.

Planning is pure: `plan_drain(nodes, pods, zone)` decides which nodes to
cordon and which pods to evict (and which to leave, with the reason, as
`kubectl drain` does), from plain object dicts. `drain_zone` does the I/O:

1. cordon the zone's nodes (marked with an annotation, so the rollback only
   uncordons nodes this harness cordoned, never one an admin cordoned);
2. evict each pod through the Eviction API (policy/v1), with the pod's uid
   as a precondition so a replacement that reuses the name (StatefulSets do)
   is never evicted by mistake. The API server enforces the
   PodDisruptionBudgets: a 429 is recorded as a FAULT "refused" and retried
   after the server's Retry-After, else with exponential backoff, within a
   bounded total time;
3. wait until the evicted pods are gone from the zone's nodes;
4. hold the zone drained for a while (the cluster shows how it copes), then
   uncordon — in a `finally`, so an exception, a timeout or SIGTERM (which
   the runners turn into an exception) uncordons too. `uncordon_zone` is
   also the Chaos Toolkit rollback, and is idempotent.

FAULT records (chaosgate.verdicts.records): "start" with `zone` and `nodes`;
per eviction "landed" (evidence "evicted") or "refused" (status 429,
reason), each naming the pod's uid and the PDBs that cover it (`pdbs`); "end" with
`completed` and `evicted`; and "uncordon" just before the nodes are
uncordoned, so a scenario can end its drain window there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chaosgate.errors import ChaosgateError, UsageError
from chaosgate.fault_records import Emit, discard, fault
from chaosgate.kube.client import KubeApi, ObjectConflict, ObjectNotFound, TooManyRequests
from chaosgate.kube.object_data import ZONE_LABEL, node_zone
from chaosgate.safety import require_chaos_allowed
from chaosgate.termination import signals_deferred
from chaosgate.undo import UndoRecorder
from chaosgate.waiting import Clock, SystemClock

log = logging.getLogger(__name__)

ACTION = "zone_drain"
CORDONED_BY = "chaosgate.io/cordoned-by"  # on nodes this harness cordoned
UNCORDON_UNDO = "uncordon_zone"  # the undo ledger's name for uncordon_zone (chaosgate.recovery)
CORDONED_BY_VALUE = "zone-drain"
MIRROR_POD = "kubernetes.io/config.mirror"

Obj = Mapping[str, Any]


# --- pure planning -----------------------------------------------------------------


def _meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


@dataclass(frozen=True, order=True)
class PodRef:
    namespace: str
    name: str
    uid: str
    node: str
    pdbs: tuple[str, ...] = ()  # the PodDisruptionBudgets that cover it

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    def fault_fields(self) -> dict[str, Any]:
        """What every eviction record says about the pod."""
        return {
            "target": self.name,
            "uid": self.uid,
            "namespace": self.namespace,
            "node": self.node,
            "pdbs": list(self.pdbs),
        }


@dataclass(frozen=True)
class SkippedPod:
    pod: PodRef
    reason: str


@dataclass(frozen=True)
class DrainPlan:
    """What draining `zone` means right now."""

    zone: str
    nodes: tuple[str, ...]  # every node of the zone, to cordon
    already_cordoned: tuple[str, ...]  # cordoned by someone else: left as they are
    evict: tuple[PodRef, ...]
    skipped: tuple[SkippedPod, ...] = ()

    def describe(self) -> list[str]:
        """The plan as the dry-run lines "would cordon node X" / "would evict pod Y"."""
        lines = [f"would cordon node {n}" for n in self.nodes if n not in self.already_cordoned]
        lines += [f"would leave node {n} cordoned as it is" for n in self.already_cordoned]
        lines += [f"would evict pod {p} (on node {p.node})" for p in self.evict]
        lines += [f"would leave pod {s.pod} alone: {s.reason}" for s in self.skipped]
        return lines


def selector_matches(selector: Obj, labels: Mapping[str, str]) -> bool:
    """A metav1.LabelSelector against a pod's labels (an empty selector matches all)."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, values = expression.get("key"), expression.get("values") or []
        present = key in labels
        matched = {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }.get(str(expression.get("operator")), False)
        if not matched:
            return False
    return True


def covering_pdbs(pod: Obj, pdbs: Sequence[Obj]) -> tuple[str, ...]:
    """Names of the PodDisruptionBudgets (same namespace, matching selector) over a pod."""
    meta = _meta(pod)
    labels = meta.get("labels") or {}
    return tuple(
        sorted(
            str(_meta(pdb).get("name"))
            for pdb in pdbs
            if _meta(pdb).get("namespace") == meta.get("namespace")
            and (pdb.get("spec") or {}).get("selector") is not None
            and selector_matches((pdb.get("spec") or {})["selector"], labels)
        )
    )


def pod_ref(pod: Obj, pdbs: Sequence[Obj] = ()) -> PodRef:
    meta = _meta(pod)
    return PodRef(
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        uid=str(meta.get("uid") or ""),
        node=str((pod.get("spec") or {}).get("nodeName") or ""),
        pdbs=covering_pdbs(pod, pdbs),
    )


def _controller_kind(pod: Obj) -> str | None:
    owners = _meta(pod).get("ownerReferences") or []
    return next((str(o.get("kind")) for o in owners if o.get("controller")), None)


# kubectl drain's rules for pods it leaves alone, in the order it checks them.
_SKIP_RULES: tuple[tuple[Callable[[Obj], bool], str], ...] = (
    (lambda pod: bool(_meta(pod).get("deletionTimestamp")), "already terminating"),
    (
        lambda pod: MIRROR_POD in (_meta(pod).get("annotations") or {}),
        "a static (mirror) pod: the kubelet owns it",
    ),
    (
        lambda pod: (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"),
        "already finished",
    ),
    (
        lambda pod: _controller_kind(pod) == "DaemonSet",
        "a DaemonSet pod: its controller would put it straight back",
    ),
    (
        lambda pod: _controller_kind(pod) is None,
        "no controller would recreate it (kubectl drain needs --force for such pods)",
    ),
)


def skip_reason(pod: Obj, namespaces: Collection[str] | None) -> str | None:
    """Why a pod on a drained node is not evicted (None: evict it)."""
    if namespaces is not None and _meta(pod).get("namespace") not in namespaces:
        return "outside the namespaces this drain may touch"
    return next((reason for applies, reason in _SKIP_RULES if applies(pod)), None)


def plan_drain(
    nodes: Sequence[Obj],
    pods: Sequence[Obj],
    zone: str,
    namespaces: Collection[str] | None = None,
    pdbs: Sequence[Obj] = (),
) -> DrainPlan:
    """Which nodes to cordon and pods to evict to drain `zone`; UsageError if it cannot be.

    `pdbs` only annotates each pod with the budgets covering it (the API server
    enforces them; the records say which budget an eviction concerned).
    """
    zones = sorted({z for n in nodes if (z := node_zone(n))})
    in_zone = [n for n in nodes if node_zone(n) == zone]
    if not in_zone:
        known = ", ".join(zones) or "none (no node has the label)"
        raise UsageError(
            f"No node is in zone {zone!r} (label {ZONE_LABEL}); the cluster's zones: {known}."
        )
    if len(in_zone) == len(nodes):
        raise UsageError(
            f"Every node of the cluster is in zone {zone!r}: draining it would leave nowhere "
            "to run anything. Use a cluster with nodes in several zones."
        )
    names = {str(n["metadata"]["name"]) for n in in_zone}
    cordoned = sorted(str(n["metadata"]["name"]) for n in in_zone if _cordoned_by_others(n))
    on_zone = sorted(
        (p for p in pods if (p.get("spec") or {}).get("nodeName") in names), key=pod_ref
    )
    evict, skipped = [], []
    for pod in on_zone:
        reason = skip_reason(pod, namespaces)
        if reason is None:
            evict.append(pod_ref(pod, pdbs))
        else:
            skipped.append(SkippedPod(pod_ref(pod, pdbs), reason))
    return DrainPlan(zone, tuple(sorted(names)), tuple(cordoned), tuple(evict), tuple(skipped))


def _cordoned_by_others(node: Obj) -> bool:
    annotations = (node.get("metadata") or {}).get("annotations") or {}
    return bool((node.get("spec") or {}).get("unschedulable")) and CORDONED_BY not in annotations


def retry_delay(attempt: int, retry_after: float | None, first: float, cap: float) -> float:
    """Seconds before retrying a refused eviction: the server's Retry-After, else backoff."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, cap)
    return min(first * 2.0 ** max(attempt - 1, 0), cap)


# --- I/O ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DrainSettings:
    """Time limits of one drain. Every wait is bounded: a stuck drain ends, and uncordons."""

    eviction_deadline_s: float = 120.0  # all evictions, retries included
    completion_timeout_s: float = 120.0  # evicted pods gone from the zone's nodes
    hold_s: float = 0.0  # the zone stays drained this long after completing
    first_retry_s: float = 1.0
    max_retry_s: float = 5.0
    poll_s: float = 0.25
    namespaces: tuple[str, ...] | None = None  # None: every namespace, as a real drain


@dataclass
class DrainResult:
    plan: DrainPlan
    dry_run: bool = False
    evicted: list[str] = field(default_factory=list)
    refused: int = 0
    completed: bool = False
    reason: str = ""
    drain_s: float | None = None
    uncordoned: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary (the Chaos Toolkit action's output)."""
        return {
            "zone": self.plan.zone,
            "dry_run": self.dry_run,
            "nodes": list(self.plan.nodes),
            "planned": [str(p) for p in self.plan.evict],
            "skipped": {str(s.pod): s.reason for s in self.plan.skipped},
            "evicted": self.evicted,
            "refused": self.refused,
            "completed": self.completed,
            "reason": self.reason,
            "drain_s": self.drain_s,
            "uncordoned": self.uncordoned,
            "would": self.plan.describe() if self.dry_run else [],
        }


def list_nodes(api: KubeApi) -> list[dict[str, Any]]:
    return list(api.call(api.core.list_node, doing="listing nodes").get("items") or [])


def pods_on_nodes(api: KubeApi, nodes: Collection[str]) -> list[dict[str, Any]]:
    """Pods of every namespace on `nodes` (one field-selected list per node)."""
    found: list[dict[str, Any]] = []
    for node in sorted(nodes):
        body = api.call(
            api.core.list_pod_for_all_namespaces,
            doing=f"listing the pods on node {node}",
            field_selector=f"spec.nodeName={node}",
        )
        found.extend(body.get("items") or [])
    return found


def current_plan(api: KubeApi, zone: str, namespaces: Collection[str] | None) -> DrainPlan:
    nodes = list_nodes(api)
    names = [str(n["metadata"]["name"]) for n in nodes if node_zone(n) == zone]
    pdbs = api.call(
        api.policy.list_pod_disruption_budget_for_all_namespaces,
        doing="listing PodDisruptionBudgets",
    ).get("items")
    return plan_drain(nodes, pods_on_nodes(api, names), zone, namespaces, pdbs or [])


def cordon(api: KubeApi, node: str) -> None:
    patch = {
        "spec": {"unschedulable": True},
        "metadata": {"annotations": {CORDONED_BY: CORDONED_BY_VALUE}},
    }
    api.merge_patch(api.core.patch_node, node, body=patch, doing=f"cordoning node {node}")


def uncordon(api: KubeApi, node: str) -> None:
    # null removes a field in a merge patch: unschedulable back to its default (false).
    patch = {"spec": {"unschedulable": None}, "metadata": {"annotations": {CORDONED_BY: None}}}
    api.merge_patch(api.core.patch_node, node, body=patch, doing=f"uncordoning node {node}")


def cordoned_by_us(api: KubeApi, zone: str) -> list[str]:
    """Nodes of `zone` this harness cordoned (and has not uncordoned yet)."""
    return sorted(
        str(n["metadata"]["name"])
        for n in list_nodes(api)
        if node_zone(n) == zone and CORDONED_BY in (n["metadata"].get("annotations") or {})
    )


def uncordon_zone(
    api: KubeApi,
    zone: str,
    *,
    dry_run: bool = False,
    emit: Emit = discard,
    wall_clock: Callable[[], float] = time.time,
    say: Callable[[str], None] = print,
) -> list[str]:
    """Uncordon every node of `zone` this harness cordoned; idempotent. Returns their names.

    Nodes cordoned by someone else carry no chaosgate annotation and stay cordoned.
    """
    nodes = cordoned_by_us(api, zone)
    if dry_run:
        for node in nodes:
            say(f"would uncordon node {node}")
        return nodes
    if nodes:
        emit(fault(wall_clock(), ACTION, "uncordon", zone=zone, nodes=nodes, target=nodes))
    for node in nodes:
        uncordon(api, node)
        log.info("uncordoned node %s", node)
    return nodes


class _Drain:
    """One drain in progress: its plan, settings, clocks and what happened so far."""

    def __init__(
        self,
        api: KubeApi,
        plan: DrainPlan,
        *,
        settings: DrainSettings,
        emit: Emit,
        clock: Clock,
        wall_clock: Callable[[], float],
    ) -> None:
        self.api, self.plan, self.settings = api, plan, settings
        self.emit, self.clock, self.wall_clock = emit, clock, wall_clock
        self.result = DrainResult(plan)

    def record(self, phase: str, **fields: Any) -> None:
        self.emit(fault(self.wall_clock(), ACTION, phase, **fields))

    def cordon_zone(self) -> None:
        for node in self.plan.nodes:
            if node not in self.plan.already_cordoned:
                cordon(self.api, node)
                log.info("cordoned node %s", node)

    def evict_all(self) -> bool:
        """Evict every planned pod, retrying refusals until the deadline; True if all went."""
        pending = {pod: 0.0 for pod in self.plan.evict}  # pod -> when to try next
        attempts = dict.fromkeys(self.plan.evict, 0)
        deadline = self.clock.now() + self.settings.eviction_deadline_s
        while pending:
            pod, due = min(pending.items(), key=lambda item: (item[1], item[0]))
            if due > deadline:
                self.result.reason = self._still_refused(sorted(pending))
                return False
            self.clock.sleep(max(0.0, due - self.clock.now()))
            attempts[pod] += 1
            retry_after = self.evict(pod, attempts[pod])
            if retry_after is None:
                del pending[pod]
            else:
                pending[pod] = self.clock.now() + retry_after
        return True

    def _still_refused(self, pods: Sequence[PodRef]) -> str:
        names = ", ".join(str(p) for p in pods)
        return (
            f"{len(pods)} eviction(s) still refused after "
            f"{self.settings.eviction_deadline_s:g} s: {names}"
        )

    def evict(self, pod: PodRef, attempt: int) -> float | None:
        """One eviction attempt; None when the pod is done with, else seconds to wait."""
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": pod.name, "namespace": pod.namespace},
            "deleteOptions": {"preconditions": {"uid": pod.uid}},
        }
        try:
            self.api.call(
                self.api.core.create_namespaced_pod_eviction,
                pod.name,
                pod.namespace,
                body,
                doing=f"evicting pod {pod}",
            )
        except TooManyRequests as refusal:
            self.result.refused += 1
            self.record(
                "refused",
                **pod.fault_fields(),
                status=refusal.status or 429,
                reason=str(refusal),
                attempt=attempt,
            )
            settings = self.settings
            return retry_delay(
                attempt, refusal.retry_after, settings.first_retry_s, settings.max_retry_s
            )
        except (ObjectNotFound, ObjectConflict):
            # Gone already, or the name now belongs to a replacement (another uid).
            log.info("pod %s (uid %s) is already gone; nothing to evict", pod, pod.uid)
            return None
        self.result.evicted.append(pod.name)
        self.record(
            "landed",
            **pod.fault_fields(),
            evidence="evicted",
            attempt=attempt,
        )
        return None

    def wait_gone(self) -> bool:
        """True once no evicted pod (by uid) is left on the zone's nodes."""
        evicted = {p.uid for p in self.plan.evict if p.name in self.result.evicted}
        deadline = self.clock.now() + self.settings.completion_timeout_s
        while True:
            left = [
                p
                for p in pods_on_nodes(self.api, self.plan.nodes)
                if p["metadata"].get("uid") in evicted
            ]
            if not left:
                return True
            if self.clock.now() >= deadline:
                names = ", ".join(sorted(p["metadata"]["name"] for p in left))
                self.result.reason = (
                    f"evicted pods still on zone {self.plan.zone}'s nodes after "
                    f"{self.settings.completion_timeout_s:g} s: {names}"
                )
                return False
            self.clock.sleep(self.settings.poll_s)


def drain_zone(
    api: KubeApi,
    zone: str,
    *,
    dry_run: bool = False,
    settings: DrainSettings | None = None,
    emit: Emit = discard,
    clock: Clock | None = None,
    wall_clock: Callable[[], float] = time.time,
    say: Callable[[str], None] = print,
    undo: UndoRecorder | None = None,
) -> DrainResult:
    """Cordon `zone`, evict its pods honouring PDBs, wait, hold, and always uncordon.

    In a dry run it only says what it would do ("would cordon node X", "would
    evict pod Y") and changes nothing; it needs no permission, as it only reads.
    Otherwise the cluster must allow chaos (chaosgate.safety), else UnsafeTarget.
    With `undo`, the uncordon is in the undo ledger before the first cordon and
    leaves it only once the zone is uncordoned: a SIGKILLed harness leaves it
    there for `chaosgate recover`.
    """
    settings = settings or DrainSettings()
    plan = current_plan(api, zone, settings.namespaces)
    if dry_run:
        for line in plan.describe():
            say(line)
        return DrainResult(plan, dry_run=True)
    require_chaos_allowed(api.cluster)
    drain = _Drain(
        api, plan, settings=settings, emit=emit, clock=clock or SystemClock(), wall_clock=wall_clock
    )
    entry = undo.before_change(*uncordon_undo(api, zone)) if undo else None

    def settled() -> None:
        if undo and entry:
            undo.undone(entry)

    with _uncordoned_afterwards(drain, settled):
        _run(drain)
    return drain.result


def uncordon_undo(api: KubeApi, zone: str) -> tuple[str, dict[str, Any], str]:
    """The ledger entry that undoes a drain: uncordon `zone`, in this kubeconfig and context."""
    args = {"kubeconfig": str(api.cluster.kubeconfig), "context": api.cluster.name, "zone": zone}
    return UNCORDON_UNDO, args, f"zone {zone} of context {api.cluster.name} is cordoned"


def _run(drain: _Drain) -> None:
    plan, started = drain.plan, drain.wall_clock()
    targets = [p.name for p in plan.evict]
    drain.record("start", zone=plan.zone, nodes=list(plan.nodes), target=targets)
    try:
        drain.cordon_zone()
        drain.result.completed = drain.evict_all() and drain.wait_gone()
    except BaseException as exc:  # also SIGTERM/Ctrl-C: record why, then unwind
        drain.result.reason = f"interrupted: {exc!r}"
        raise
    finally:
        drain.result.drain_s = round(drain.wall_clock() - started, 3)
        _record_end(drain)
    if drain.result.completed:
        drain.clock.sleep(drain.settings.hold_s)


def _record_end(drain: _Drain) -> None:
    result = drain.result
    extra = {} if result.completed else {"reason": result.reason}
    drain.record(
        "end",
        zone=drain.plan.zone,
        completed=result.completed,
        evicted=len(result.evicted),
        refused=result.refused,
        **extra,
    )


@contextmanager
def _uncordoned_afterwards(drain: _Drain, settled: Callable[[], None]) -> Iterator[None]:
    """Uncordon on every way out, with SIGINT/SIGTERM held off until it is done.

    When the drain itself failed, a failing uncordon is logged and the drain's
    error is the one raised: it is what the user needs to see first.
    """
    api, zone, emit, wall_clock = drain.api, drain.plan.zone, drain.emit, drain.wall_clock
    try:
        yield
    except BaseException:
        with signals_deferred():
            try:
                drain.result.uncordoned = uncordon_zone(api, zone, emit=emit, wall_clock=wall_clock)
                settled()
            except ChaosgateError:
                log.exception(
                    "could not uncordon zone %s; it stays in the undo ledger: run "
                    "`chaosgate recover` (or `kubectl uncordon` on its nodes)",
                    zone,
                )
        raise
    with signals_deferred():
        drain.result.uncordoned = uncordon_zone(api, zone, emit=emit, wall_clock=wall_clock)
        settled()

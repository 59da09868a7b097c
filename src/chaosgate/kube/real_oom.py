"""A real OOM kill on a cluster with real kubelets (kind).

heart-display's chaos endpoint allocates memory (and touches every page) in
steps until its container passes the memory limit and the kernel kills it.
The evidence is what the kubelet then reports in the pod's status: the
container's lastState.terminated.reason OOMKilled and a restart. chaosgate
writes nothing into the pod; a kill the kubelet does not report never lands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chaosgate.errors import UsageError
from chaosgate.fault_records import Emit, discard, fault
from chaosgate.kube.client import KubeApi
from chaosgate.kube.pod_faults import (
    OOM_REASON,
    AllocateTrigger,
    FaultResult,
    oom_landed,
    read_pod,
    restart_count,
    target_container,
)
from chaosgate.kube.port_forward import forwarded
from chaosgate.safety import require_chaos_allowed
from chaosgate.waiting import wait_until

HEART_PORT = 8080  # heart-display's container port (/metrics, /chaos/allocate)


@dataclass(frozen=True)
class AllocationPlan:
    """How hard to push: MiB per call, and how many calls before giving up."""

    step_mib: int = 16
    max_calls: int = 64
    landing_timeout_s: float = 90.0
    poll_s: float = 0.5


def last_termination(pod: dict[str, Any], container: str) -> dict[str, Any]:
    """The kubelet's record of the container's previous termination ({} if none)."""
    for status in pod.get("status", {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return dict(status.get("lastState", {}).get("terminated") or {})
    return {}


def kubelet_reported_oom(pod: dict[str, Any], container: str, restarts_before: int) -> bool:
    """True once the kubelet reports an OOM kill of container after restarts_before."""
    terminated = last_termination(pod, container)
    restarted = restart_count(pod, container) > restarts_before
    return restarted and terminated.get("reason") == OOM_REASON


def allocate_until_cut_off(trigger: AllocateTrigger, plan: AllocationPlan) -> int:
    """POST allocations until the answer is cut off (the process died); return the calls made."""
    for call in range(1, plan.max_calls + 1):
        try:
            trigger.trigger()
        except OSError:
            return call
    return plan.max_calls


def oom_kill_by_allocation(
    api: KubeApi,
    namespace: str,
    name: str,
    *,
    kubectl: Path,
    container: str | None = None,
    plan: AllocationPlan | None = None,
    dry_run: bool = False,
    emit: Emit = discard,
    wall_clock: Callable[[], float] = time.time,
    say: Callable[[str], None] = print,
) -> FaultResult:
    """Make one heart-display replica allocate past its limit; landed when the kubelet says so."""
    plan = plan or AllocationPlan()
    pod = read_pod(api, namespace, name)
    chosen = target_container(pod, container)
    result = FaultResult("oom_kill", name, dry_run=dry_run, details={"simulated": False})
    if dry_run:
        say(f"would make {namespace}/{name} allocate past its memory limit")
        return result
    require_chaos_allowed(api.cluster)
    before = restart_count(pod, chosen)
    record = {"target": name, "namespace": namespace, "container": chosen, "simulated": False}
    emit(fault(wall_clock(), "oom_kill", "start", mechanism="allocate", **record))
    try:
        with forwarded(
            kubectl,
            api.cluster.kubeconfig,
            namespace=namespace,
            target=f"pod/{name}",
            port=HEART_PORT,
        ) as forward:
            trigger = AllocateTrigger(forward.url, mib=plan.step_mib)
            result.details["allocate_calls"] = allocate_until_cut_off(trigger, plan)
        if not wait_until(
            lambda: kubelet_reported_oom(read_pod(api, namespace, name), chosen, before),
            timeout=plan.landing_timeout_s,
            interval=plan.poll_s,
        ):
            raise UsageError(
                f"{namespace}/{name} allocated {result.details['allocate_calls']} x "
                f"{plan.step_mib} MiB but the kubelet reported no OOM kill within "
                f"{plan.landing_timeout_s:g} s; is its memory limit set and chaosEndpoints on?"
            )
        terminated = last_termination(read_pod(api, namespace, name), chosen)
        result.details["exit_code"] = terminated.get("exitCode")
        oom_landed(
            result,
            emit,
            wall_clock(),
            mechanism="allocate",
            exitCode=terminated.get("exitCode"),
            finishedAt=terminated.get("finishedAt"),
            **record,
        )
    finally:
        emit(fault(wall_clock(), "oom_kill", "end", landed=result.landed, **record))
    return result

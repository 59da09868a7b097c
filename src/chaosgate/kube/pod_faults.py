"""Pod faults: kill a pod outright, or OOM-kill its container.

kill_pod deletes a pod with grace period 0 (a crash, as far as the
workload is concerned) and calls it landed once the old pod is gone or a
new uid holds its name. Real on every cluster: the API server deletes it
and the StatefulSet controller recreates it (kwok then plays its kubelet).

OOM kills need a kernel, which the local provider does not have. There the
kill is simulated by writing the pod status a kubelet writes after an OOM
kill: the container terminated with reason OOMKilled and exit code 137
(not ready), then, after a restart delay, running again with restartCount
+1 and that termination in lastState. Two writers can produce it:
- "kwok-stage": annotate the pod and let kwok's OOM Stages write it (needs
  the Stages from kwok_oom_stages in the provider's kwok configuration);
- "status-patch": chaosgate writes the same status itself.
"auto" annotates, and writes the status itself only if kwok did not react
within a few seconds. Every record of a simulated OOM says simulated=True
and which writer produced it.

On clusters with real kubelets (kind) the kill is real instead: see
real_oom.py, which drives AllocateTrigger through a port-forward.
"""

from __future__ import annotations

import copy
import logging
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from chaosgate.errors import UsageError
from chaosgate.fault_records import Emit, discard, fault
from chaosgate.kube.client import KubeApi, ObjectNotFound
from chaosgate.providers.kwok_nodes import FAKE_NODE_KEY
from chaosgate.providers.kwok_oom_stages import (
    CONTAINER_ANNOTATION,
    TRIGGER_ANNOTATION,
    TRIGGER_KILL,
)
from chaosgate.safety import require_chaos_allowed
from chaosgate.waiting import Clock, SystemClock, wait_until

log = logging.getLogger(__name__)

OOM_REASON = "OOMKilled"
OOM_EXIT_CODE = 137  # 128 + SIGKILL, what the runtime reports for an OOM kill
Mechanism = Literal["auto", "kwok-stage", "status-patch"]
MECHANISMS: dict[str, Mechanism] = {m: m for m in ("auto", "kwok-stage", "status-patch")}

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class FaultTiming:
    """Bounds on how long a pod fault waits to see its effect."""

    landing_timeout_s: float = 30.0
    poll_s: float = 0.1
    restart_after_s: float = 2.0  # simulated OOM: the kubelet's restart delay
    stage_wait_s: float = 3.0  # "auto": how long kwok gets to react to the annotation


@dataclass
class FaultResult:
    action: str
    target: str
    dry_run: bool = False
    landed: bool = False
    evidence: str | None = None
    landed_at: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target,
            "dry_run": self.dry_run,
            "landed": self.landed,
            "evidence": self.evidence,
            "landed_at": self.landed_at,
            **self.details,
        }


def read_pod(api: KubeApi, namespace: str, name: str) -> dict[str, Any]:
    """The pod, or UsageError naming it when it does not exist."""
    try:
        return api.call(
            api.core.read_namespaced_pod, name, namespace, doing=f"reading pod {namespace}/{name}"
        )
    except ObjectNotFound as exc:
        raise UsageError(f"There is no pod {name} in namespace {namespace} to act on.") from exc


def _uid(pod: Obj) -> str:
    return str((pod.get("metadata") or {}).get("uid") or "")


# --- kill --------------------------------------------------------------------------


def kill_pod(
    api: KubeApi,
    namespace: str,
    name: str,
    *,
    dry_run: bool = False,
    emit: Emit = discard,
    timing: FaultTiming | None = None,
    clock: Clock | None = None,
    wall_clock: Callable[[], float] = time.time,
    say: Callable[[str], None] = print,
) -> FaultResult:
    """Delete the pod with grace period 0; landed when it is gone or replaced (new uid)."""
    timing = timing or FaultTiming()
    pod = read_pod(api, namespace, name)
    result = FaultResult("pod_kill", name, dry_run=dry_run)
    if dry_run:
        say(f"would delete pod {namespace}/{name} (uid {_uid(pod)}) with grace period 0")
        return result
    require_chaos_allowed(api.cluster)
    old_uid = _uid(pod)
    emit(fault(wall_clock(), "pod_kill", "start", target=name, namespace=namespace, uid=old_uid))
    try:
        _delete_now(api, namespace, name, old_uid)
        evidence = _wait_replaced(
            api, namespace, name, old_uid, timing=timing, clock=clock or SystemClock()
        )
        if evidence is not None:
            result.landed, result.evidence, result.landed_at = True, evidence, wall_clock()
            emit(fault(result.landed_at, "pod_kill", "landed", target=name, evidence=evidence))
    finally:
        emit(fault(wall_clock(), "pod_kill", "end", target=name, landed=result.landed))
    return result


def _delete_now(api: KubeApi, namespace: str, name: str, uid: str) -> None:
    body = {"gracePeriodSeconds": 0, "preconditions": {"uid": uid}}
    try:
        api.call(
            api.core.delete_namespaced_pod,
            name,
            namespace,
            body=body,
            doing=f"deleting pod {namespace}/{name}",
        )
    except ObjectNotFound:
        log.info("pod %s/%s was already gone", namespace, name)


def _wait_replaced(
    api: KubeApi, namespace: str, name: str, old_uid: str, *, timing: FaultTiming, clock: Clock
) -> str | None:
    """ "replaced" once a new uid holds the name, "deleted" once it is free; None on timeout."""
    seen: list[str] = []

    def changed() -> bool:
        try:
            uid = _uid(read_pod(api, namespace, name))
        except UsageError:
            seen.append("deleted")
            return True
        if uid != old_uid:
            seen.append("replaced")
            return True
        return False

    wait_until(changed, timeout=timing.landing_timeout_s, interval=timing.poll_s, clock=clock)
    return seen[-1] if seen else None


# --- simulated OOM kill: the status a kubelet writes ----------------------------------


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def target_container(pod: Obj, container: str | None) -> str:
    """The container to kill: the named one, else the pod's first; UsageError if absent."""
    names = [str(c.get("name")) for c in (pod.get("spec") or {}).get("containers") or []]
    if container is None and names:
        return names[0]
    if container in names:
        return str(container)
    raise UsageError(
        f"Pod {(pod.get('metadata') or {}).get('name')} has no container {container!r}; "
        f"it has: {', '.join(names) or 'none'}."
    )


def _with_conditions(pod: Obj, ready: bool, now: str) -> list[dict[str, Any]]:
    """All the pod's conditions, Ready and ContainersReady set (a merge patch replaces lists)."""
    wanted = {"Ready": ready, "ContainersReady": ready}
    conditions = [dict(c) for c in (pod.get("status") or {}).get("conditions") or []]
    for condition in conditions:
        if condition.get("type") in wanted:
            state = "True" if wanted.pop(str(condition["type"])) else "False"
            if condition.get("status") != state:
                condition.update(status=state, lastTransitionTime=now)
    conditions += [
        {"type": kind, "status": "True" if is_ready else "False", "lastTransitionTime": now}
        for kind, is_ready in wanted.items()
    ]
    return conditions


def oom_killed_status(pod: Obj, container: str, now: float) -> dict[str, Any]:
    """The status a kubelet reports right after `container` was OOM-killed (not restarted yet)."""
    stamp = rfc3339(now)
    statuses = copy.deepcopy((pod.get("status") or {}).get("containerStatuses") or [])
    for status in statuses:
        if status.get("name") == container:
            started = ((status.get("state") or {}).get("running") or {}).get("startedAt", stamp)
            status.update(ready=False, started=False)
            status["state"] = {"terminated": _oom_termination(started, stamp)}
    return {"conditions": _with_conditions(pod, False, stamp), "containerStatuses": statuses}


def oom_restarted_status(pod: Obj, container: str, now: float) -> dict[str, Any]:
    """The status once the kubelet restarted the OOM-killed container: running, restarts +1."""
    stamp = rfc3339(now)
    statuses = copy.deepcopy((pod.get("status") or {}).get("containerStatuses") or [])
    for status in statuses:
        if status.get("name") == container:
            terminated = (status.get("state") or {}).get("terminated") or _oom_termination(
                stamp, stamp
            )
            status.update(ready=True, started=True)
            status["restartCount"] = int(status.get("restartCount") or 0) + 1
            status["lastState"] = {"terminated": terminated}
            status["state"] = {"running": {"startedAt": stamp}}
    return {"conditions": _with_conditions(pod, True, stamp), "containerStatuses": statuses}


def _oom_termination(started: str, finished: str) -> dict[str, Any]:
    return {
        "exitCode": OOM_EXIT_CODE,
        "reason": OOM_REASON,
        "startedAt": started,
        "finishedAt": finished,
    }


def shows_oom_kill(pod: Obj, container: str, restarts_before: int) -> bool:
    """True once the container is (or was, before its latest restart) OOM-killed."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") != container:
            continue
        current = (status.get("state") or {}).get("terminated") or {}
        last = (status.get("lastState") or {}).get("terminated") or {}
        restarted = int(status.get("restartCount") or 0) > restarts_before
        return current.get("reason") == OOM_REASON or (
            restarted and last.get("reason") == OOM_REASON
        )
    return False


def container_running(pod: Obj, container: str) -> bool:
    """Only a running container can be OOM-killed."""
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return "running" in (status.get("state") or {})
    return False


def restart_count(pod: Obj, container: str) -> int:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        if status.get("name") == container:
            return int(status.get("restartCount") or 0)
    return 0


# --- simulated OOM kill: the writers ------------------------------------------------


def _patch_status(api: KubeApi, namespace: str, name: str, status: Mapping[str, Any]) -> None:
    api.merge_patch(
        api.core.patch_namespaced_pod_status,
        name,
        namespace,
        body={"status": dict(status)},
        doing=f"writing the simulated OOM status of pod {namespace}/{name}",
    )


def _annotate(api: KubeApi, namespace: str, name: str, annotations: Mapping[str, Any]) -> None:
    api.merge_patch(
        api.core.patch_namespaced_pod,
        name,
        namespace,
        body={"metadata": {"annotations": dict(annotations)}},
        doing=f"annotating pod {namespace}/{name}",
    )


@dataclass
class _Oom:
    """One simulated OOM kill in progress."""

    api: KubeApi
    namespace: str
    name: str
    container: str
    timing: FaultTiming
    clock: Clock
    wall_clock: Callable[[], float]

    def pod(self) -> dict[str, Any]:
        return read_pod(self.api, self.namespace, self.name)

    def by_kwok(self, restarts_before: int) -> bool:
        """Annotate for kwok's OOM Stage; True if kwok wrote the OOM status in time."""
        trigger = {TRIGGER_ANNOTATION: TRIGGER_KILL, CONTAINER_ANNOTATION: self.container}
        _annotate(self.api, self.namespace, self.name, trigger)
        reacted = wait_until(
            lambda: shows_oom_kill(self.pod(), self.container, restarts_before),
            timeout=self.timing.stage_wait_s,
            interval=self.timing.poll_s,
            clock=self.clock,
        )
        if not reacted:
            # Take the trigger back so a late Stage cannot kill the container a second time.
            _annotate(self.api, self.namespace, self.name, dict.fromkeys(trigger))
        return reacted

    def by_status_patch(self) -> None:
        """Write the kubelet's OOM status: killed now, restarted after the restart delay."""
        killed = oom_killed_status(self.pod(), self.container, self.wall_clock())
        _patch_status(self.api, self.namespace, self.name, killed)

    def restart_by_status_patch(self) -> None:
        self.clock.sleep(self.timing.restart_after_s)
        restarted = oom_restarted_status(self.pod(), self.container, self.wall_clock())
        _patch_status(self.api, self.namespace, self.name, restarted)

    def wait_restarted(self, restarts_before: int) -> bool:
        return wait_until(
            lambda: restart_count(self.pod(), self.container) > restarts_before,
            timeout=self.timing.landing_timeout_s,
            interval=self.timing.poll_s,
            clock=self.clock,
        )


def oom_kill_simulated(
    api: KubeApi,
    namespace: str,
    name: str,
    *,
    container: str | None = None,
    mechanism: Mechanism = "auto",
    dry_run: bool = False,
    emit: Emit = discard,
    timing: FaultTiming | None = None,
    clock: Clock | None = None,
    wall_clock: Callable[[], float] = time.time,
    say: Callable[[str], None] = print,
) -> FaultResult:
    """Simulate an OOM kill of one container of a kwok pod (see the module docstring)."""
    pod = read_pod(api, namespace, name)
    _refuse_real_kubelet(api, pod, namespace, name)
    chosen = target_container(pod, container)
    result = FaultResult("oom_kill", name, dry_run=dry_run, details={"simulated": True})
    if dry_run:
        say(f"would simulate an OOM kill of container {chosen} in pod {namespace}/{name}")
        return result
    if not container_running(pod, chosen):
        raise UsageError(
            f"Container {chosen} of pod {namespace}/{name} is not running, so there is "
            "nothing to OOM-kill; wait until the pod is Ready."
        )
    require_chaos_allowed(api.cluster)
    oom = _Oom(
        api, namespace, name, chosen, timing or FaultTiming(), clock or SystemClock(), wall_clock
    )
    record = {"target": name, "namespace": namespace, "container": chosen, "simulated": True}
    emit(fault(wall_clock(), "oom_kill", "start", mechanism=mechanism, **record))
    try:
        writer = choose_oom_writer(oom, mechanism, restart_count(pod, chosen))
        result.details["mechanism"] = writer
        oom_landed(result, emit, wall_clock(), mechanism=writer, exitCode=OOM_EXIT_CODE, **record)
        if writer == "status-patch":
            oom.restart_by_status_patch()  # kwok's restart Stage does this itself
        result.details["restarted"] = oom.wait_restarted(restart_count(pod, chosen))
    finally:
        emit(fault(wall_clock(), "oom_kill", "end", landed=result.landed, **record))
    return result


def runs_on_real_kubelet(api: KubeApi, pod: Obj) -> bool:
    """True when the pod's node is not one of kwok's fake nodes (False while unscheduled)."""
    node_name = str(pod.get("spec", {}).get("nodeName") or "")
    if not node_name:
        return False
    node = api.call(api.core.read_node, node_name, doing=f"reading node {node_name}")
    return bool(node.get("metadata", {}).get("annotations", {}).get(FAKE_NODE_KEY) != "fake")


def _refuse_real_kubelet(api: KubeApi, pod: Obj, namespace: str, name: str) -> None:
    """Simulate only on kwok nodes: a real kubelet owns its pods' status."""
    if runs_on_real_kubelet(api, pod):
        node_name = pod["spec"]["nodeName"]
        raise UsageError(
            f"Pod {namespace}/{name} runs on {node_name}, a real kubelet; chaosgate does not "
            "write an OOM status there. Provoke a real OOM kill instead (heart-display's "
            "/chaos/allocate past the memory limit)."
        )


def oom_landed(result: FaultResult, emit: Emit, at: float, **data: Any) -> None:
    """Mark result landed by an OOM kill at `at` and emit its FAULT "landed" record."""
    result.landed, result.evidence, result.landed_at = True, OOM_REASON, at
    emit(fault(at, "oom_kill", "landed", evidence=OOM_REASON, **data))


class OomWriters(Protocol):
    """What choosing the writer of a simulated OOM kill needs (an _Oom, or a test's script)."""

    namespace: str
    name: str
    timing: FaultTiming

    def by_kwok(self, restarts_before: int) -> bool: ...

    def by_status_patch(self) -> None: ...


def choose_oom_writer(oom: OomWriters, mechanism: Mechanism, restarts_before: int) -> str:
    """Make the OOM-killed status appear; returns which writer produced it."""
    if mechanism in ("auto", "kwok-stage") and oom.by_kwok(restarts_before):
        return "kwok-stage"
    if mechanism == "kwok-stage":
        raise UsageError(
            f"kwok did not simulate the OOM kill of pod {oom.namespace}/{oom.name} within "
            f"{oom.timing.stage_wait_s:g} s: the cluster's kwok has no chaosgate OOM Stage. "
            "Use mechanism 'status-patch' or 'auto'."
        )
    oom.by_status_patch()
    return "status-patch"


# --- real OOM kill (clusters with containers) --------------------------------------


@dataclass(frozen=True)
class AllocateTrigger:
    """Make heart-display allocate past its memory limit: a real OOM kill.

    For clusters with real containers (kind) and the chart's chaosEndpoints
    enabled. `base_url` must be a loopback URL of a port-forward (real_oom.py
    opens one to the target pod): never a pod IP, never `kubectl exec`.
    """

    base_url: str
    mib: int = 128
    timeout_s: float = 30.0

    def __post_init__(self) -> None:
        host = urlsplit(self.base_url).hostname or ""
        if host not in ("127.0.0.1", "localhost"):
            raise UsageError(
                f"{self.base_url} is not a loopback port-forward; OOM traffic goes only "
                "through a local port-forward to the Service."
            )

    def trigger(self) -> int:
        """POST /chaos/allocate; returns the HTTP status (the kill may cut the answer off)."""
        url = f"{self.base_url.rstrip('/')}/chaos/allocate?mib={self.mib}"
        request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback only
        with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:  # noqa: S310
            return int(answer.status)

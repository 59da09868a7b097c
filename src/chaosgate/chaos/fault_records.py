"""FAULT records from a Chaos Toolkit run: what each action did to the stack, and when.

A chaoslib RunEventHandler. For each action of the method and the rollbacks:
phase "start" when it begins, "landed" when its output says the fault took
effect (stamped with the engine's time of the fault, not ours), "refused"
when it declined its target, "end" when it finished. Actions of
chaosgate.chaos.kube_actions are left out: they record their own faults. Records
follow the FAULT contract in chaosgate.verdicts.records: name "chaos", action
"pod_kill" | "oom_kill" | "redis_outage" | ..., target the pod name.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chaoslib import substitute
from chaoslib.run import RunEventHandler

from chaosgate.chaos.configuration import is_dry_run
from chaosgate.timeline import FAULT, Record

Emit = Callable[[Record], None]


@dataclass(frozen=True)
class FaultRole:
    """Which fault an action function stands for and which phases of it it marks."""

    action: str  # the FAULT record's action, as verdicts name it
    marks_start: bool = True
    marks_end: bool = True


# Provider function → fault. A Redis outage starts with stop_redis and ends with start_redis.
FAULT_ROLES = {
    "kill_container": FaultRole("pod_kill"),
    "oom_container": FaultRole("oom_kill"),
    "stop_redis": FaultRole("redis_outage", marks_end=False),
    "start_redis": FaultRole("redis_outage", marks_start=False),
}
INJECTOR = "chaos"  # the name of every FAULT record this runner writes
# Modules whose actions write their own FAULT records (the Kubernetes injectors, into
# the run's fault-records file); recorded here as well, each fault would show twice.
SELF_RECORDING_MODULES = frozenset({"chaosgate.chaos.kube_actions"})


class FaultRecorder(RunEventHandler):  # type: ignore[misc]  # chaoslib is untyped
    """Emits FAULT records for the actions of a run (method and rollbacks).

    pod_names maps container names (what actions are given) to the pod names
    POD records use, so a verdict can find the target's pod records.
    """

    def __init__(
        self,
        emit: Emit,
        pod_names: Mapping[str, str] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._emit = emit
        self._pod_names = dict(pod_names or {})
        self._clock = wall_clock
        self._configuration: Mapping[str, Any] = {}
        self._stage = "method"

    # chaoslib calls these (names and signatures are its own).
    def running(self, experiment: Any, journal: Any, configuration: Any, *args: Any) -> None:
        self._configuration = configuration or {}

    def start_rollbacks(self, experiment: Any) -> None:
        self._stage = "rollback"

    def start_activity(self, activity: Mapping[str, Any]) -> None:
        if _recorded_here(activity) and self._role(activity).marks_start:
            self._fault(self._clock(), activity, "start", {})

    def activity_completed(self, activity: Mapping[str, Any], run: Mapping[str, Any]) -> None:
        if not _recorded_here(activity):
            return
        raw_output = run.get("output")
        output: dict[str, Any] = raw_output if isinstance(raw_output, dict) else {}
        exception = "".join(run.get("exception") or []).strip()
        if "RefusedTarget" in exception:
            self._fault(self._clock(), activity, "refused", {"reason": exception})
        if output.get("landed"):
            landed_at = output.get("landed_at") or self._clock()
            self._fault(float(landed_at), activity, "landed", output)
        if self._role(activity).marks_end:
            status = {"status": run.get("status"), "landed": bool(output.get("landed"))}
            self._fault(self._clock(), activity, "end", status)

    def _role(self, activity: Mapping[str, Any]) -> FaultRole:
        function = str(activity.get("provider", {}).get("func"))
        return FAULT_ROLES.get(function, FaultRole(function))

    def _target(self, activity: Mapping[str, Any]) -> Any:
        arguments = substitute(
            dict(activity.get("provider", {}).get("arguments", {})), self._configuration, {}
        )
        target = arguments.get("name") or arguments.get("url") or arguments.get("urls")
        return self._pod_names.get(str(target), target)

    def _fault(
        self, t: float, activity: Mapping[str, Any], phase: str, extra: Mapping[str, Any]
    ) -> None:
        data = {
            **extra,  # first: an action's output must not rename the action or phase
            "action": self._role(activity).action,
            "activity": activity.get("name"),
            "phase": phase,
            "target": self._target(activity),
            "stage": self._stage,
            "dry_run": is_dry_run(self._configuration),
        }
        self._emit(Record(t, FAULT, INJECTOR, data))


def _recorded_here(activity: Mapping[str, Any]) -> bool:
    """An action whose faults this recorder writes (not one that records itself)."""
    module = activity.get("provider", {}).get("module")
    return activity.get("type") == "action" and module not in SELF_RECORDING_MODULES

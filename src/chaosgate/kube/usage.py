"""Simulated CPU usage that follows a load profile, so the real HPA has something to act on.

On the local provider nothing runs in a pod, so its CPU usage is whatever
kwok is told: the provider's ClusterResourceUsage reads each pod's
`kwok.x-k8s.io/usage-cpu` annotation, kwok's kubelet metrics report it,
the real metrics-server scrapes them and the real HPA controller scales on
them. This module writes those annotations.

The model is a Service spreading load evenly: `users` of load cost
`millicores_per_user` each, shared by the Ready pods, on top of each pod's
idle usage. So when the HPA adds pods, usage per pod falls, as it would
under real traffic, and the HPA settles instead of running to its maximum.

UsageDriver plays a LoadProfile (ramp up, hold, ramp down, then a cooldown
at the baseline) and marks the HPA scenario's windows: "load" from the
start of the ramp up to the end of the ramp down, "cooldown" from there to
the end of the cooldown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chaosgate.fault_records import Emit, discard
from chaosgate.kube.client import KubeApi, ObjectNotFound
from chaosgate.kube.object_data import condition_true
from chaosgate.providers.kwok_nodes import USAGE_CPU_ANNOTATION
from chaosgate.timeline import WINDOW, Record
from chaosgate.waiting import Clock, SystemClock

log = logging.getLogger(__name__)

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class UsageModel:
    """CPU per pod as a function of load: idle + users * cost per user / Ready pods."""

    idle_millicores: float = 5.0
    millicores_per_user: float = 10.0

    def per_pod(self, users: float, ready_pods: int) -> int:
        """Millicores each pod uses while `ready_pods` share `users` of load."""
        share = users * self.millicores_per_user / max(ready_pods, 1)
        return max(1, round(self.idle_millicores + share))


@dataclass(frozen=True)
class LoadProfile:
    """Users over time: baseline → ramp up → hold at peak → ramp down → cooldown at baseline."""

    peak_users: float
    ramp_up_s: float = 5.0
    hold_s: float = 60.0
    ramp_down_s: float = 5.0
    cooldown_s: float = 90.0
    baseline_users: float = 0.0

    @property
    def load_s(self) -> float:
        """Length of the "load" window: ramp up, hold and ramp down."""
        return self.ramp_up_s + self.hold_s + self.ramp_down_s

    @property
    def total_s(self) -> float:
        return self.load_s + self.cooldown_s

    def users_at(self, elapsed: float) -> float:
        """Users `elapsed` seconds after the ramp up began (piecewise linear)."""
        base, peak = self.baseline_users, self.peak_users
        if elapsed <= 0:
            return base
        if elapsed < self.ramp_up_s:
            return base + (peak - base) * elapsed / self.ramp_up_s
        if elapsed <= self.ramp_up_s + self.hold_s:
            return peak
        down = elapsed - self.ramp_up_s - self.hold_s
        if down < self.ramp_down_s:
            return peak - (peak - base) * down / self.ramp_down_s
        return base


def cpu_annotation(millicores: int) -> str:
    return f"{millicores}m"


def usage_patches(pods: Sequence[Obj], model: UsageModel, users: float) -> dict[str, str]:
    """Pod name → the usage annotation it should carry, for pods whose value must change.

    Ready pods share the load; pods that are not Ready (starting, being
    replaced) take no traffic and sit at idle usage.
    """
    live = [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
    ready = [p for p in live if condition_true(p, "Ready")]
    busy = cpu_annotation(model.per_pod(users, len(ready)))
    idle = cpu_annotation(model.per_pod(0.0, 1))
    wanted = {str(p["metadata"]["name"]): busy if p in ready else idle for p in live}
    return {name: value for name, value in wanted.items() if _current(live, name) != value}


def _current(pods: Sequence[Obj], name: str) -> str | None:
    for pod in pods:
        if pod["metadata"]["name"] == name:
            return (pod["metadata"].get("annotations") or {}).get(USAGE_CPU_ANNOTATION)
    return None


class UsageDriver:
    """Writes simulated CPU usage on the pods matching `selector` in `namespace`."""

    def __init__(
        self,
        api: KubeApi,
        namespace: str,
        selector: str,
        model: UsageModel | None = None,
        *,
        emit: Emit = discard,
        clock: Clock | None = None,
        wall_clock: Callable[[], float] = time.time,
        tick_s: float = 1.0,
    ) -> None:
        self.api, self.namespace, self.selector = api, namespace, selector
        self.model = model or UsageModel()
        self.emit = emit
        self.clock = clock or SystemClock()
        self.wall_clock = wall_clock
        self.tick_s = tick_s

    def pods(self) -> list[dict[str, Any]]:
        body = self.api.call(
            self.api.core.list_namespaced_pod,
            self.namespace,
            doing=f"listing pods {self.selector} in {self.namespace}",
            label_selector=self.selector,
        )
        return list(body.get("items") or [])

    def apply(self, users: float) -> int:
        """Set every matching pod's usage for `users` of load; returns how many changed."""
        changes = usage_patches(self.pods(), self.model, users)
        for name, value in changes.items():
            self._annotate(name, value)
        return len(changes)

    def _annotate(self, name: str, value: str) -> None:
        try:
            self.api.merge_patch(
                self.api.core.patch_namespaced_pod,
                name,
                self.namespace,
                body={"metadata": {"annotations": {USAGE_CPU_ANNOTATION: value}}},
                doing=f"setting the simulated CPU usage of pod {self.namespace}/{name}",
            )
        except ObjectNotFound:
            log.info("pod %s went away before its usage was set", name)

    def play(
        self,
        profile: LoadProfile,
        *,
        settled: Callable[[], bool] | None = None,
        settle_s: float = 5.0,
    ) -> None:
        """Play the profile from now, marking the "load" and "cooldown" windows.

        The cooldown lasts profile.cooldown_s at most; with `settled` (e.g. "the
        HPA is back at its minimum") it ends settle_s after settled() first holds.
        """
        start = self.clock.now()
        self._window("load", "start", profile.users_at(0.0))
        self._follow(profile, start, until=profile.load_s)
        self._window("load", "end", profile.baseline_users)
        self._window("cooldown", "start", profile.baseline_users)
        self._follow(profile, start, until=profile.total_s, settled=settled, settle_s=settle_s)
        self._window("cooldown", "end", profile.baseline_users)

    def _follow(
        self,
        profile: LoadProfile,
        start: float,
        until: float,
        *,
        settled: Callable[[], bool] | None = None,
        settle_s: float = 0.0,
    ) -> None:
        """Apply the profile each tick until `until` s after start (or settle_s after settled)."""
        settled_at: float | None = None
        while (elapsed := self.clock.now() - start) < until:
            self.apply(profile.users_at(elapsed))
            if settled is not None and settled_at is None and settled():
                settled_at = elapsed
                until = min(until, elapsed + settle_s)
            self.clock.sleep(min(self.tick_s, max(until - (self.clock.now() - start), 0.0)))
        self.apply(profile.users_at(until))

    def _window(self, window: str, edge: str, users: float) -> None:
        data = {"window": window, "edge": edge, "users": users, "simulated": True}
        self.emit(Record(self.wall_clock(), WINDOW, window, data))

"""The stack runtime's observer: one background thread that samples the stack into records.

Record shapes follow the contract in chaosgate.verdicts.records.

Every readiness_interval (0.1 s by default; a killed replica is back in about
half a second, so a slower probe would miss the dip) a readiness thread asks
each replica's /readyz and writes a PROBE record named after the workload
("heart-display") with ready / desired: the stack runtime's stand-in for a
StatefulSet's status.

Every interval (0.5 s by default) the sampling thread:
- scrapes each replica's /metrics → a METRICS record per replica, named by its
  container (breaker state and transitions, beat counters, last readiness);
- reads `docker inspect` of every container → a POD record per container, named
  by the pod it stands for, whenever something changed (like a watch event):
  uid (the container id), phase, ready, deleted, restartCount,
  lastTerminationReason ("OOMKilled", "Error", "Completed"), lastExitCode,
  lastTerminatedAt, startedAt.

restartCount is the engine's RestartCount plus the restarts it forgot: the
engine resets its count on a manual `docker start` (see carried_restarts).
lastTerminatedAt is the engine's FinishedAt, so the time a kill landed is the
engine's, not the sampling time; record.t - lastTerminatedAt is the detection
latency. Record timestamps come from wall_clock (a seam for tests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chaosgate.errors import CommandError
from chaosgate.prometheus.metrics_text import MetricsFormatError, heart_metrics
from chaosgate.stack import docker_cli
from chaosgate.stack.docker_cli import ContainerState
from chaosgate.stack.http_probe import http_call
from chaosgate.stack.runtime import REDIS_POD, StackRuntime
from chaosgate.timeline import METRICS, POD, PROBE, Record

logger = logging.getLogger("chaosgate.stack")
Emit = Callable[[Record], None]
Inspect = Callable[[list[str]], Mapping[str, ContainerState]]
ExitCodeLookup = Callable[[str, float, float], int | None]
OOM_EXIT_CODE = 137  # a cgroup OOM kill is a SIGKILL: 128 + 9
SCRAPE_TIMEOUT = 0.5
WORKLOAD = "heart-display"  # the name readiness PROBE records carry


@dataclass(frozen=True)
class PodTarget:
    """A container the observer watches, the pod name it stands for, and its URL if it serves."""

    container: str
    pod_name: str
    url: str | None = None


@dataclass
class PodTrack:
    """What the observer remembers about one container between samples."""

    last: ContainerState | None = None
    carried: int = 0  # restarts not in the engine's RestartCount (see carried_restarts)
    termination: dict[str, Any] = field(default_factory=dict)
    emitted: dict[str, Any] | None = None


def carried_restarts(previous: ContainerState | None, current: ContainerState, carried: int) -> int:
    """Restarts the engine's RestartCount no longer shows, given the last and current state.

    The engine counts the restarts its policy makes, and resets that count to 0
    when someone starts the container by hand (`docker start`: our supervisor,
    or `start_redis`). A new StartedAt with a count of 0 is such a start: it is
    one restart, and the count the engine dropped is carried over.
    """
    if previous is None:
        return carried
    started_by_hand = current.started_at != previous.started_at and current.restart_count == 0
    if started_by_hand:
        return carried + previous.restart_count + 1
    if current.restart_count < previous.restart_count:
        return carried + previous.restart_count  # reset without a start we saw
    return carried


def termination_reason(oom_killed: bool, exit_code: int | None) -> str:
    """The Kubernetes name of why a container last terminated."""
    if oom_killed:
        return "OOMKilled"
    return "Completed" if exit_code == 0 else "Error"


def new_termination(previous: ContainerState | None, current: ContainerState) -> bool:
    """Whether the container terminated (again) since the previous sample."""
    if previous is None or current.finished_at is None:
        return False
    return current.finished_at != previous.finished_at


def pod_phase(status: str) -> str:
    if status == "running":
        return "Running"
    if status in ("created", "restarting"):
        return "Pending"
    return "Failed"


def pod_view(
    target: PodTarget, state: ContainerState, track: PodTrack, ready: bool
) -> dict[str, Any]:
    """The data of a POD record: the container's state as a pod status would show it."""
    return {
        "uid": state.id,
        "phase": pod_phase(state.status),
        "ready": ready,
        "deleted": False,
        "restartCount": track.carried + state.restart_count,
        "containerState": state.status,
        "container": target.container,
        "startedAt": state.started_at,
        **track.termination,
        "backend": "stack",
    }


class Observer:
    """Samples the stack from two background threads (context manager; see module doc)."""

    def __init__(
        self,
        targets: Sequence[PodTarget],
        emit: Emit,
        *,
        interval: float = 0.5,
        readiness_interval: float = 0.1,
        inspect: Inspect = docker_cli.inspect,
        exit_code_lookup: ExitCodeLookup = docker_cli.last_exit_code,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.targets = list(targets)
        self._emit = emit
        self._inspect = inspect
        self._exit_code_lookup = exit_code_lookup
        self._clock = wall_clock
        self._tracks = {t.container: PodTrack() for t in self.targets}
        self._stopping = threading.Event()
        self._ready: dict[str, bool] = {}
        self._ready_lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._every, args=(interval, self.sample), daemon=True),
            threading.Thread(
                target=self._every, args=(readiness_interval, self.probe_readiness), daemon=True
            ),
        ]

    @property
    def replicas(self) -> list[PodTarget]:
        return [t for t in self.targets if t.url is not None]

    def start(self) -> None:
        self.probe_readiness()  # so the first METRICS records already know readiness
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop sampling (idempotent) after the samples in progress."""
        self._stopping.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=30)

    def __enter__(self) -> Observer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _every(self, interval: float, work: Callable[[], None]) -> None:
        while not self._stopping.is_set():
            began = time.monotonic()
            try:
                work()
            except Exception:  # one failed sample must not end the observation
                logger.exception("stack observer: a sample failed; sampling goes on")
            self._stopping.wait(max(0.0, interval - (time.monotonic() - began)))

    def sample_once(self) -> None:
        """One readiness round and one sample, in order (what tests drive by hand)."""
        self.probe_readiness()
        self.sample()

    def probe_readiness(self) -> None:
        """Ask every replica's /readyz; emit the PROBE record and remember the answers."""
        ready = {
            t.pod_name: http_call(f"{t.url}/readyz", timeout=SCRAPE_TIMEOUT).ok
            for t in self.replicas
        }
        t = self._clock()
        with self._ready_lock:
            self._ready = ready
        ready_pods = sorted(name for name, ok in ready.items() if ok)
        data = {"ready": len(ready_pods), "desired": len(ready), "ready_pods": ready_pods}
        self._emit(Record(t, PROBE, WORKLOAD, data))

    def sample(self) -> None:
        """Scrape every replica's /metrics and inspect every container; emit their records."""
        with self._ready_lock:
            ready = dict(self._ready)
        for target in self.replicas:
            self._scrape(target, ready.get(target.pod_name, False))
        self._observe_containers(ready)

    def _scrape(self, target: PodTarget, ready: bool) -> None:
        """Scrape one replica and emit its METRICS record (none when it does not answer)."""
        answer = http_call(f"{target.url}/metrics", timeout=SCRAPE_TIMEOUT)
        t = self._clock()
        if not answer.ok:
            return
        try:
            figures = heart_metrics(answer.body)
        except MetricsFormatError:
            return
        data = {**figures, "ready": ready, "pod": target.pod_name}
        self._emit(Record(t, METRICS, target.container, data))

    def _observe_containers(self, ready: Mapping[str, bool]) -> None:
        try:
            states = self._inspect([t.container for t in self.targets])
        except CommandError:
            return  # the engine did not answer this time; the next sample will
        t = self._clock()
        for target in self.targets:
            state = states.get(target.container)
            if state is None:
                self._observe_gone(target, t)
            else:
                pod_ready = ready.get(target.pod_name, state.running)
                self._observe_pod(target, state, pod_ready, t)

    def _observe_gone(self, target: PodTarget, t: float) -> None:
        """A container that disappeared is a deleted pod (once, like a DELETED event)."""
        track = self._tracks[target.container]
        if track.emitted is not None and not track.emitted.get("deleted"):
            track.emitted = {**track.emitted, "deleted": True, "ready": False}
            self._emit(Record(t, POD, target.pod_name, track.emitted))

    def _observe_pod(self, target: PodTarget, state: ContainerState, ready: bool, t: float) -> None:
        track = self._tracks[target.container]
        track.carried = carried_restarts(track.last, state, track.carried)
        if new_termination(track.last, state):
            track.termination = self._termination(state)
        track.last = state
        view = pod_view(target, state, track, ready)
        if view != track.emitted:
            track.emitted = view
            self._emit(Record(t, POD, target.pod_name, view))

    def _termination(self, state: ContainerState) -> dict[str, Any]:
        finished = state.finished_at
        assert finished is not None
        if state.oom_killed:
            exit_code: int | None = OOM_EXIT_CODE
        elif state.running:
            # The engine already restarted it and reset ExitCode: ask its event log.
            exit_code = self._exit_code_lookup(state.id, finished - 1, self._clock() + 1)
        else:
            exit_code = state.exit_code
        return {
            "lastTerminationReason": termination_reason(state.oom_killed, exit_code),
            "lastExitCode": exit_code,
            "lastTerminatedAt": finished,
        }


def targets_of(stack: StackRuntime) -> list[PodTarget]:
    """The replicas of a running stack (scraped and inspected) plus Redis (inspected)."""
    targets = [PodTarget(r.container, r.pod_name, r.url) for r in stack.replicas]
    return [*targets, PodTarget(stack.redis.container, REDIS_POD)]

"""The Kubernetes backend (kind, local, existing): the shape every cluster scenario runs in.

    recorder starts → workload steady → baseline window → chaos experiment
    (fault window) → recovery window → recorder stops → timeline written

A scenario module (chaosgate.scenarios.<name>) makes a ClusterRun and hands
it to run_fault with its experiment's configuration: the experiment
(chaos/<name>.kube.json) runs through the Chaos Toolkit runner
(chaosgate.chaos.runner: rollbacks on every exit path, journal kept). hpa
plays a load profile instead, with the same ClusterRun. Where the cluster
carries traffic (kind: real pods behind a published node port) locust loads
the Service through every window; on kwok pods nothing could answer. Each
run leaves in its run directory timeline.jsonl (every record, in time
order), journal.json, fault-records.jsonl (what the injectors recorded) and
load/ (locust's files), written on every exit path.

Windows: the fault window opens just before the experiment starts. It
closes when the experiment ends, except for a zone drain, where it closes
at the drain's "uncordon" record: the drain window must end before the
zone is given back (zone_drain_ok checks that it was empty then). The
recovery window runs from there until every desired replica is Ready
again (or recovery_timeout_s passes), plus settle_s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaosgate.chaos.runner import run_chaos
from chaosgate.fault_records import read_fault_records
from chaosgate.kube.client import current_context
from chaosgate.kube.observe import ClusterRecorder
from chaosgate.load.run import LoadConfig, LoadError, LoadRun
from chaosgate.prometheus.api import PrometheusApi
from chaosgate.prometheus.evaluate import answers_or_note
from chaosgate.providers.base import Capability, ClusterInfo
from chaosgate.safety import require_chaos_allowed
from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.termination import sigterm_raises
from chaosgate.timeline import (
    HPA,
    POD,
    STATEFULSET,
    WINDOW,
    Record,
    RunFiles,
    Timeline,
    write_jsonl,
)
from chaosgate.undo import scope_of
from chaosgate.waiting import Clock, SystemClock, wait_until

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TargetWorkload:
    """The heart-display objects a scenario acts on and judges."""

    namespace: str = "heart"
    statefulset: str = "heart-display"
    pdb: str = "heart-display"
    hpa: str = "heart-display"
    selector: str = "app.kubernetes.io/name=heart-display,app.kubernetes.io/component=display"
    redis_service: str = "heart-redis"


@dataclass(frozen=True)
class Windows:
    """How long each phase of a scenario lasts (or may last)."""

    steady_timeout_s: float = 120.0  # before the baseline: every replica Ready
    baseline_s: float = 5.0
    recovery_timeout_s: float = 90.0  # after the fault: every replica Ready again
    settle_s: float = 3.0  # recording goes on this long after recovery
    # Under load the fault window lasts at least this long: a kill takes a few
    # milliseconds, and the seconds of load right after it are the fault's to judge.
    fault_min_s: float = 10.0


@dataclass(frozen=True)
class Traffic:
    """The locust load a scenario runs where the cluster carries traffic (Capability.TRAFFIC)."""

    users: int = 10
    spawn_rate: float = 10.0


@dataclass(frozen=True)
class RunSettings(RunFiles):
    """Where a run leaves its files, what it acts on, and its phases and clocks."""

    run_dir: Path
    windows: Windows = Windows()
    workload: TargetWorkload = TargetWorkload()
    traffic: Traffic = Traffic()
    clock: Clock = field(default_factory=SystemClock)
    wall_clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class Artifacts(RunFiles):
    """Where one run's files are, and what the report must say about it."""

    scenario: str
    run_dir: Path
    backend: str  # the provider that produced the timeline
    notes: tuple[str, ...]
    journal_status: str | None = None


@dataclass
class ClusterRun:
    """The state of one scenario run, so each step stays a short method."""

    scenario: Scenario
    cluster: ClusterInfo
    settings: RunSettings
    recorder: ClusterRecorder = field(init=False)
    journal: Mapping[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    load: LoadRun | None = None

    def __post_init__(self) -> None:
        require_chaos_allowed(self.cluster)
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        # The actions append to it: a run directory used before must not lend its faults.
        self.settings.fault_records_path.unlink(missing_ok=True)
        self.recorder = ClusterRecorder(
            self.cluster.kubeconfig,
            self.settings.workload.namespace,
            clock=self.settings.wall_clock,
        )

    # -- windows and waiting ------------------------------------------------------

    def mark(self, window: str, edge: str, t: float | None = None) -> None:
        data = {"window": window, "edge": edge, "scenario": self.scenario.name}
        self.recorder.emit(
            Record(self.settings.wall_clock() if t is None else t, WINDOW, window, data)
        )

    def fully_ready(self) -> bool:
        """The StatefulSet counts every replica Ready, and so does each of its pods.

        Both, because the StatefulSet's status trails its pods: right after a
        kill it still says all Ready, while the pod watch has seen the pod go.
        """
        name = self.settings.workload.statefulset
        latest = self.recorder.latest(STATEFULSET, name)
        if latest is None:
            return False
        replicas, ready = latest.data.get("replicas", 0), latest.data.get("readyReplicas", 0)
        if not replicas or ready < replicas:
            return False
        pods = self.recorder.latest_of_kind(POD)
        members = [pods.get(f"{name}-{ordinal}") for ordinal in range(int(replicas))]
        return all(
            pod is not None and pod.data.get("ready") and not pod.data.get("deleted")
            for pod in members
        )

    def hpa_back_at_minimum(self) -> bool:
        """The HPA wants, and has, no more than its minimum replicas."""
        latest = self.recorder.latest(HPA, self.settings.workload.hpa)
        if latest is None:
            return False
        floor = latest.data.get("minReplicas", 1)
        return bool(
            latest.data.get("desiredReplicas", 0) <= floor
            and latest.data.get("currentReplicas", 0) <= floor
        )

    def hpa_measuring(self) -> bool:
        """The HPA reports a current CPU utilization: pod metrics reach it."""
        latest = self.recorder.latest(HPA, self.settings.workload.hpa)
        return latest is not None and latest.data.get("currentCPUUtilizationPercentage") is not None

    def wait_hpa_measuring(self) -> None:
        # Right after pods turn Ready the HPA ignores their CPU for a metrics
        # window or two; load started before then is judged on a blind HPA.
        if not self.recorder.wait_for(self.hpa_measuring, self.settings.windows.steady_timeout_s):
            self.notes.append(
                f"HPA {self.settings.workload.hpa} reported no CPU utilization within "
                f"{self.settings.windows.steady_timeout_s:g} s before the baseline"
            )

    def wait_steady(self) -> None:
        if not self.recorder.wait_for(self.fully_ready, self.settings.windows.steady_timeout_s):
            self.notes.append(
                f"StatefulSet {self.settings.workload.statefulset} was not fully Ready within "
                f"{self.settings.windows.steady_timeout_s:g} s before the baseline"
            )

    def baseline(self) -> None:
        self.mark("baseline", "start")
        self.settings.clock.sleep(self.settings.windows.baseline_s)
        self.mark("baseline", "end")

    def hold_until(self, t: float) -> float:
        """Sleep until wall-clock time t (not at all if it has passed); the time then."""
        self.settings.clock.sleep(max(0.0, t - self.settings.wall_clock()))
        return self.settings.wall_clock()

    def recover(self, since: float) -> None:
        """The recovery window from `since`: until fully Ready again, then settle_s more."""
        self.mark("recovery", "start", since)
        if not self.recorder.wait_for(self.fully_ready, self.settings.windows.recovery_timeout_s):
            self.notes.append(
                f"StatefulSet {self.settings.workload.statefulset} not fully Ready "
                f"{self.settings.windows.recovery_timeout_s:g} s after the fault"
            )
        self.settings.clock.sleep(self.settings.windows.settle_s)
        self.mark("recovery", "end")

    # -- load -----------------------------------------------------------------------

    def carries_traffic(self) -> bool:
        """Whether the cluster's Service takes load from here (real pods, published port)."""
        return self.cluster.carries_traffic

    def load_config(self) -> LoadConfig:
        """Steady locust load on the Service's published port."""
        return LoadConfig(
            targets=(str(self.cluster.traffic_url),),
            work_dir=self.settings.run_dir / "load",
            users=self.settings.traffic.users,
            spawn_rate=self.settings.traffic.spawn_rate,
            fresh_connections=True,  # through a Service, every replica must see requests
        )

    def start_load(self, config: LoadConfig | None = None) -> None:
        """Locust on the Service, where the cluster carries traffic; wait for its first answers.

        Started before the baseline and stopped in close(), on every path.
        Where pods are simulated (kwok) nothing could answer, so nothing runs.
        """
        if not self.carries_traffic():
            return
        self.load = LoadRun(config or self.load_config()).start()
        self.load.wait_for_traffic(clock=self.settings.clock)

    def wait_load_second(self, wanted: Callable[[Record], bool], timeout: float) -> Record:
        """The first per-second LOAD record that is `wanted`, waiting up to `timeout` for it."""
        found: list[Record] = []

        def seen() -> bool:
            records = self.load.records() if self.load is not None else []
            found[:] = [r for r in records if wanted(r)][:1]
            return bool(found)

        if not wait_until(seen, timeout=timeout, interval=0.5, clock=self.settings.clock):
            raise LoadError(
                f"locust's per-second records never showed the expected load within "
                f"{timeout:g} s; see {self.settings.run_dir / 'load'}"
            )
        return found[0]

    # -- chaos ----------------------------------------------------------------------

    def chaos(self, overrides: Mapping[str, Any], *, dry_run: bool) -> None:
        configuration = {
            "kubeconfig_path": str(self.cluster.kubeconfig),
            # require_chaos_allowed passed for this cluster: hand the permission on.
            "allow_context": current_context(self.cluster.kubeconfig),
            "namespace": self.settings.workload.namespace,
            "statefulset": self.settings.workload.statefulset,
            "fault_records": str(self.settings.fault_records_path),
            "undo_scope": scope_of(self.cluster.provider, self.cluster.name),
            "recovery_timeout_seconds": self.settings.windows.recovery_timeout_s,
            **overrides,
        }
        self.journal = run_chaos(
            self.scenario.experiment(Family.KUBE),
            journal_path=self.settings.journal_path,
            overrides=configuration,
            dry_run=dry_run,
        )

    def fault_records(self) -> list[Record]:
        return read_fault_records(self.settings.fault_records_path)

    # -- closing --------------------------------------------------------------------

    def close(self) -> Timeline:
        """Stop load and watching, merge the injectors' and locust's records, write the timeline.

        On every path.
        """
        if self.load is not None:
            self.load.stop()
            for record in self.load.records():
                self.recorder.emit(record)
        self._ask_prometheus()
        self.recorder.stop()
        for record in self.fault_records():
            self.recorder.emit(record)
        self.notes.extend(self.recorder.problems())
        timeline = self.recorder.timeline()
        write_jsonl(timeline, self.settings.timeline_path)
        return timeline

    def _ask_prometheus(self) -> None:
        """Where the cluster runs a Prometheus: the SLO answers over each window, and plots.

        A Prometheus that cannot answer is a note; the PromQL verdicts, finding
        no answers, are then errors.
        """
        if self.cluster.prometheus_url is None:
            return
        timeline = self.recorder.timeline()
        lead = self.settings.windows.baseline_s
        api = PrometheusApi(self.cluster.prometheus_url)
        records, note = answers_or_note(api, timeline, self.settings.wall_clock, lead)
        self.notes.extend([note] if note else [])
        for record in records:
            self.recorder.emit(record)

    def artifacts(self) -> Artifacts:
        # What kwok simulates is said only where kwok plays the kubelet.
        simulated = (
            ()
            if Capability.REAL_PODS in self.cluster.capabilities
            else (self.scenario.kwok_simulates,)
        )
        notes = (*self.cluster.notes, *simulated, *self.notes)
        status = self.journal.get("status") if self.journal else None
        return Artifacts(
            self.scenario.name,
            self.settings.run_dir,
            self.cluster.provider,
            notes,
            str(status) if status else None,
        )


def run_fault(
    run: ClusterRun,
    overrides: Mapping[str, Any],
    *,
    dry_run: bool = False,
    fault_end: Callable[[ClusterRun], float | None] = lambda _: None,
) -> tuple[Timeline, Artifacts]:
    """The shared shape of the fault scenarios (see the module docstring)."""
    with sigterm_raises():
        run.recorder.start()
        try:
            run.wait_steady()
            run.start_load()
            run.baseline()
            began = run.settings.wall_clock()
            run.mark("fault", "start", began)
            run.chaos(overrides, dry_run=dry_run)
            end = fault_end(run) or run.settings.wall_clock()
            if run.load is not None:
                end = max(end, run.hold_until(began + run.settings.windows.fault_min_s))
            run.mark("fault", "end", end)
            run.recover(end)
        finally:
            timeline = run.close()
    return timeline, run.artifacts()

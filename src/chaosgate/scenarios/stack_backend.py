"""The stack-runtime backend: one call runs one scenario and leaves its artefacts.

    stack up → observer + Prometheus → load → baseline window → chaos
    experiment (fault window) → recovery window → PromQL over each window →
    load stops → timeline closed

It runs any scenario with a stack experiment (chaos/<name>.stack.json:
breaker, pod_kill, oom). Each run leaves in its run directory: timeline.jsonl
(every record, in time order), journal.json (the Chaos Toolkit journal), load/
(locust's CSVs, its JSON summary, the per-second file, its log), stack/ (the
heart config and each container's log) and prometheus/ (its config, log and
TSDB, which can be queried again after the run). The timeline and journal are
written on every exit path, so a failed or interrupted run can still be
diagnosed. Verdicts are not judged here: each scenario's module judges the
returned timeline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaosgate.chaos.runner import run_chaos
from chaosgate.containers.images import ImageRefs, build_images
from chaosgate.fault_records import read_fault_records
from chaosgate.load.locust_summary import Totals
from chaosgate.load.run import LoadConfig, LoadRun
from chaosgate.prometheus.evaluate import answers_or_note
from chaosgate.prometheus.server import LocalPrometheus, ScrapeTarget
from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.stack.config import HeartSettings, StackConfig
from chaosgate.stack.observe import Observer, targets_of
from chaosgate.stack.recorder import Recorder
from chaosgate.stack.runtime import StackRuntime
from chaosgate.termination import sigterm_raises
from chaosgate.timeline import WINDOW, Record, RunFiles, Timeline
from chaosgate.undo import scope_of
from chaosgate.verdicts.breaker import breaker_instances
from chaosgate.waiting import Clock, SystemClock

logger = logging.getLogger("chaosgate.stack")
BACKEND = "stack"
# Scenarios run with windows of 12 s (scenario_config): enough for the baseline comparison
# to have >= 8 per-second samples a side. That includes the fault window: the breaker is
# compared from the moment it opens (up to a second into the outage) to the outage's end,
# and an 8 s outage left it 7 samples.
SCENARIO_WINDOW_S = 12.0


@dataclass(frozen=True)
class ScenarioConfig(RunFiles):
    """How long each window lasts and how big the stack and the load are."""

    run_dir: Path
    replicas: int = 3
    users: int = 10
    spawn_rate: float = 20.0
    baseline_s: float = 8.0
    fault_s: float = 8.0  # the outage's length; after a kill, time left to recover in
    recovery_s: float = 10.0
    recovery_timeout_s: float = 30.0  # the experiment's own limit for replicas to be ready
    heart_memory: str = "64m"
    sample_interval_s: float = 0.5
    dry_run: bool = False
    heart: HeartSettings = field(default_factory=HeartSettings)
    images: ImageRefs | None = None  # None: build (or reuse) the local images


def scenario_config(run_dir: Path) -> ScenarioConfig:
    """How scenarios run on the stack: windows of SCENARIO_WINDOW_S each (see above)."""
    window = SCENARIO_WINDOW_S
    return ScenarioConfig(run_dir=run_dir, baseline_s=window, fault_s=window, recovery_s=window)


@dataclass(frozen=True)
class ScenarioResult(RunFiles):
    """What one run produced: the timeline to judge and where its artefacts are."""

    scenario: str
    run_dir: Path
    run_id: str  # the stack runtime's run id (label chaosgate.run on its containers)
    timeline: Timeline
    journal: Mapping[str, Any]
    load_totals: Totals | None
    backend: str = BACKEND
    notes: tuple[str, ...] = ()

    @property
    def instances(self) -> list[str]:
        """Names of the replicas' METRICS records (container names), for breaker verdicts."""
        return breaker_instances(self.timeline)


def run_scenario(
    scenario: Scenario,
    config: ScenarioConfig,
    clock: Clock | None = None,
    wall_clock: Callable[[], float] = time.time,
) -> ScenarioResult:
    """Run one scenario end to end (see the module docstring); SIGTERM unwinds cleanly."""
    experiment = scenario.experiment(Family.STACK)  # a UsageError for one the stack cannot run
    run = _Run(scenario.name, experiment, config, clock or SystemClock(), wall_clock)
    with sigterm_raises():
        return run.execute()


class _Run:
    """The state of one scenario run, so each step stays a short method."""

    def __init__(
        self,
        scenario: str,
        experiment: Path,
        config: ScenarioConfig,
        clock: Clock,
        wall_clock: Callable[[], float],
    ) -> None:
        self.scenario = scenario
        self.experiment = experiment
        self.config = config
        self.clock = clock
        self.wall_clock = wall_clock
        self.recorder = Recorder()
        self.journal: Mapping[str, Any] = {}
        self.notes: list[str] = []  # ScenarioResult.notes: what the report must say
        self.load: LoadRun | None = None
        self.run_id = ""

    def execute(self) -> ScenarioResult:
        self.config.run_dir.mkdir(parents=True, exist_ok=True)
        # The actions append to it: a run directory used before must not lend its faults.
        self.config.fault_records_path.unlink(missing_ok=True)
        try:
            with (
                self._stack() as stack,
                Observer(
                    targets_of(stack), self.recorder.emit, interval=self.config.sample_interval_s
                ),
                self._prometheus(stack) as prometheus,
            ):
                self._under_load(stack)
                self._ask_prometheus(prometheus)
        finally:
            timeline = self._close_timeline()
        totals = self.load.totals() if self.load else None
        return ScenarioResult(
            self.scenario,
            self.config.run_dir,
            self.run_id,
            timeline,
            self.journal,
            totals,
            notes=tuple(self.notes),
        )

    @contextmanager
    def _stack(self) -> Iterator[StackRuntime]:
        images = self.config.images or build_images(log=logger.info)
        stack_config = StackConfig(
            work_dir=self.config.run_dir / "stack",
            replicas=self.config.replicas,
            heart_memory=self.config.heart_memory,
            heart=self.config.heart,
            images=images,
        )
        stack = StackRuntime(stack_config, emit=self.recorder.emit, wall_clock=self.wall_clock)
        self.run_id = stack.run_id
        with stack:
            yield stack

    def _prometheus(self, stack: StackRuntime) -> LocalPrometheus:
        targets = [ScrapeTarget(f"{r.host}:{r.port}", {"pod": r.pod_name}) for r in stack.replicas]
        return LocalPrometheus(targets, self.config.run_dir / "prometheus")

    def _ask_prometheus(self, prometheus: LocalPrometheus) -> None:
        """The SLO queries over every window, and the plotted series, into the timeline."""
        timeline = self.recorder.timeline()
        lead = self.config.baseline_s
        records, note = answers_or_note(prometheus.api, timeline, self.wall_clock, lead)
        self.recorder.extend(records)
        self.notes.extend([note] if note else [])

    def _under_load(self, stack: StackRuntime) -> None:
        load_config = LoadConfig(
            targets=tuple(stack.endpoints),
            work_dir=self.config.run_dir / "load",
            users=self.config.users,
            spawn_rate=self.config.spawn_rate,
        )
        self.load = LoadRun(load_config)
        with self.load:
            self.load.wait_for_traffic()
            with self._window("baseline"):
                self.clock.sleep(self.config.baseline_s)
            with self._window("fault"):
                self.journal = self._chaos(stack)
            with self._window("recovery"):
                self.clock.sleep(self.config.recovery_s)

    def _chaos(self, stack: StackRuntime) -> Mapping[str, Any]:
        return run_chaos(
            self.experiment,
            journal_path=self.config.journal_path,
            overrides=self._chaos_configuration(stack),
            dry_run=self.config.dry_run,
        )

    def _chaos_configuration(self, stack: StackRuntime) -> dict[str, Any]:
        """Values for every experiment's configuration keys (unused ones are ignored)."""
        target = stack.replicas[0]
        return {
            "redis_container": stack.redis.container,
            "redis_addr": stack.redis.addr,
            "heart_urls": ",".join(stack.endpoints),
            "target_container": target.container,
            "target_url": target.url,
            "outage_seconds": self.config.fault_s,
            "fault_seconds": self.config.fault_s,
            "recovery_timeout_seconds": self.config.recovery_timeout_s,
            "undo_scope": scope_of("stack", stack.run_id),
            "fault_records": str(self.config.fault_records_path),
        }

    @contextmanager
    def _window(self, name: str) -> Iterator[None]:
        self._mark(name, "start")
        try:
            yield
        finally:
            self._mark(name, "end")

    def _mark(self, window: str, edge: str) -> None:
        data = {"window": window, "edge": edge, "scenario": self.scenario, "backend": BACKEND}
        self.recorder.emit(Record(self.wall_clock(), WINDOW, window, data))

    def _close_timeline(self) -> Timeline:
        """Stop load (if still running), add its seconds, write the timeline: on every path."""
        if self.load is not None:
            self.load.stop()
            self.recorder.extend(self.load.records())
        self.recorder.extend(read_fault_records(self.config.fault_records_path))
        return self.recorder.write(self.config.timeline_path)

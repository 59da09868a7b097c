"""hpa: load rises, holds and falls; the real HPA scales the StatefulSet out within its
budget, never past its maximum, and back in after the load, without flapping.

Cluster only, no experiment: the load is the fault. On kind it is locust's, through
the Service, and the CPU is what the pods really burn, as metrics-server measures it.
On the local provider (kwok pods) CPU usage is simulated by usage annotations
(UsageDriver); the metrics pipeline and the HPA controller are real. Windows: "load"
while locust ran more than the base users, then "cooldown". Budget: gate.yaml's hpa
hpa_scale_out_s.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from chaosgate.harness import HeartStack
from chaosgate.kube.client import connect
from chaosgate.kube.usage import LoadProfile, UsageDriver, UsageModel
from chaosgate.load.run import LoadConfig, LoadError
from chaosgate.providers.base import ClusterInfo
from chaosgate.scenario_book import ScenarioBook, ScenarioRun
from chaosgate.scenarios.cluster_backend import Artifacts, ClusterRun, RunSettings, TargetWorkload
from chaosgate.scenarios.definition import Family, Scenario
from chaosgate.scenarios.recording import record, run_dir, start_on_cluster
from chaosgate.termination import sigterm_raises
from chaosgate.timeline import Record, Timeline, Verdict
from chaosgate.verdicts import hpa_behaved

SCENARIO = Scenario(
    "hpa",
    (Family.KUBE,),
    kwok_simulates=(
        "real: metrics-server, the HPA controller and its behaviour windows, StatefulSet "
        "scaling, scheduling; simulated: CPU usage (pod annotations from the load profile)"
    ),
    experiment_free=True,
)
MAX_REPLICAS = 12  # the chart's autoscaling.maxReplicas
# Measured on kind here (6 pods, 50m CPU requests, target 70 %): 10 users ~96 req/s ~20 %,
# 40 users ~380 req/s ~50 %, 100 users ~910 req/s ~90 % and a scale-out 6 -> 10 in 30 s.
BASE_USERS = 5
PEAK_USERS = 100
# Locust needs a couple of seconds to answer; the pulse's lead covers them and the baseline.
PULSE_LEAD_MARGIN_S = 5.0


def scale_out_budget_s() -> float:
    return SCENARIO.budget_s("hpa_scale_out_s")


def profile_for(cluster: ClusterInfo) -> LoadProfile:
    """The load lasts as long as the budget, or a slow HPA could not be told from a short run."""
    if not cluster.carries_traffic:
        # Simulated: users of the usage model (10 millicores each, spread over the Ready pods).
        return LoadProfile(
            peak_users=30, ramp_up_s=2, hold_s=scale_out_budget_s(), ramp_down_s=2, cooldown_s=90
        )
    # Real: locust users. BASE keeps the pods well under the CPU target, PEAK well over it.
    return LoadProfile(
        peak_users=PEAK_USERS,
        baseline_users=BASE_USERS,
        ramp_up_s=0,
        hold_s=scale_out_budget_s(),
        ramp_down_s=0,
        cooldown_s=120,
    )


def on_cluster(book: ScenarioBook, stack: HeartStack, report_dir: Path) -> ScenarioRun:
    """The scenario on the stack's cluster, judged and recorded in the book."""
    run = start_on_cluster(book, SCENARIO, stack)
    cluster = stack.cluster
    settings = RunSettings(run_dir(report_dir, SCENARIO, "cluster"))
    timeline, artifacts = play(cluster, profile_for(cluster), settings)
    verdicts = judge(timeline, scale_out_budget_s(), MAX_REPLICAS)
    record(run, timeline, artifacts.kept(), verdicts, artifacts.notes)
    latency = run.figures.get("scale_out_latency_s")
    if latency is not None:  # the figure the gate bounds, under the policy's name
        run.figures["hpa_scale_out_s"] = latency
    return run


def judge(
    timeline: Timeline,
    scale_out_within_s: float,
    max_replicas: int,
    workload: TargetWorkload | None = None,
) -> list[Verdict]:
    w = workload or TargetWorkload()
    return [hpa_behaved(timeline, w.hpa, scale_out_within_s, max_replicas)]


def play(
    cluster: ClusterInfo,
    profile: LoadProfile,
    settings: RunSettings,
    *,
    model: UsageModel | None = None,
) -> tuple[Timeline, Artifacts]:
    """Load rises, holds and falls: the real HPA must scale out and back in.

    Where the cluster carries traffic the load is locust's, on real pods, and
    their CPU is what metrics-server measures; on kwok pods it is simulated
    CPU usage following the profile (UsageDriver, `model`).
    """
    run = ClusterRun(SCENARIO, cluster, settings)
    if run.carries_traffic():
        return _under_real_load(run, profile)
    return _on_simulated_usage(run, profile, model)


def _on_simulated_usage(
    run: ClusterRun, profile: LoadProfile, model: UsageModel | None
) -> tuple[Timeline, Artifacts]:
    with sigterm_raises(), connect(run.cluster) as api:
        driver = UsageDriver(
            api,
            run.settings.workload.namespace,
            run.settings.workload.selector,
            model,
            emit=run.recorder.emit,
            clock=run.settings.clock,
            wall_clock=run.settings.wall_clock,
        )
        run.recorder.start()
        try:
            driver.apply(profile.baseline_users)
            run.wait_steady()
            run.wait_hpa_measuring()
            run.baseline()
            driver.play(profile, settled=run.hpa_back_at_minimum)
        finally:
            driver.apply(profile.baseline_users)  # leave the pods idle, whatever happened
            timeline = run.close()
    return timeline, run.artifacts()


def pulse_load(run: ClusterRun, profile: LoadProfile) -> LoadConfig:
    """One locust run for the whole scenario: base users, the peak for the load window, base."""
    base, peak = round(profile.baseline_users), round(profile.peak_users)
    if base < 1 or peak <= base:
        raise LoadError(
            f"An HPA load profile on real pods needs 1 <= baseline users < peak users; "
            f"got {base} and {peak}."
        )
    lead = run.settings.windows.baseline_s + PULSE_LEAD_MARGIN_S
    duration = lead + profile.load_s + profile.cooldown_s
    return replace(
        run.load_config(),
        users=base,
        shape="pulse",
        peak_users=peak,
        pulse_lead_s=lead,
        pulse_peak_s=profile.load_s,
        shape_duration_s=duration,
        max_run_time_s=int(duration) + 60,
    )


def _under_real_load(run: ClusterRun, profile: LoadProfile) -> tuple[Timeline, Artifacts]:
    config = pulse_load(run, profile)
    with sigterm_raises():
        run.recorder.start()
        try:
            run.wait_steady()
            run.wait_hpa_measuring()
            run.start_load(config)
            run.baseline()
            mark_surge(run, config, profile)
        finally:
            timeline = run.close()
    return timeline, run.artifacts()


def mark_surge(run: ClusterRun, config: LoadConfig, profile: LoadProfile) -> None:
    """Windows from what locust really ran: "load" while it ran more than the base users.

    Then "cooldown" until the HPA is back at its minimum (plus settle_s), or
    profile.cooldown_s at most. A LOAD record covers the second before its t.
    """

    def users(record: Record) -> int:
        return int(record.data.get("users", 0))

    surge = run.wait_load_second(
        lambda r: users(r) > config.users, timeout=config.pulse_lead_s + 30.0
    )
    run.mark("load", "start", surge.t - 1.0)
    calm = run.wait_load_second(
        lambda r: r.t > surge.t and users(r) <= config.users, timeout=profile.load_s + 30.0
    )
    run.mark("load", "end", calm.t - 1.0)
    run.mark("cooldown", "start", calm.t - 1.0)
    if run.recorder.wait_for(run.hpa_back_at_minimum, profile.cooldown_s):
        run.settings.clock.sleep(run.settings.windows.settle_s)
    run.mark("cooldown", "end")

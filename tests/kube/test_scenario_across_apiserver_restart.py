"""A whole scenario while its cluster's kube-apiserver restarts (the local provider).

The pod_kill scenario runs on a real control plane; during its baseline the
API server is SIGKILLed and started again. The recorder's watches must resume,
the kill must still be seen and judged, and the blind interval must make the
scenario an error that names it: a window nobody watched is not evidence.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.providers.local import LocalSettings
from chaosgate.scenarios.cluster_backend import RunSettings, Windows
from chaosgate.scenarios.pod_kill import POD_KILL
from chaosgate.timeline import GAP, Outcome, Timeline
from chaosgate.verdicts import observed_throughout
from chaosgate.verdicts.combine import combine
from chaosgate.waiting import wait_until
from helpers.apiserver_restart import restart_apiserver
from helpers.heart_cluster import HeartCluster, heart_cluster

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(600)]

BASELINE_S = 25.0  # long enough for the restart and the watches' relist inside it
WINDOWS = Windows(baseline_s=BASELINE_S, settle_s=2, recovery_timeout_s=60)


class RestartDuringBaseline:
    """The scenario's clock: when the baseline's sleep begins, restart kube-apiserver,
    wait until it answers, then sleep what is left of the baseline."""

    def __init__(self, heart: HeartCluster, cluster_dir: Path, log: Path) -> None:
        self.heart, self.cluster_dir, self.log = heart, cluster_dir, log
        self.relaunched: subprocess.Popen[bytes] | None = None
        self.restart_began = self.restart_ended = 0.0

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds != BASELINE_S or self.relaunched is not None:
            time.sleep(seconds)
            return
        began = time.monotonic()
        self.restart_began = time.time()
        self.relaunched = restart_apiserver(self.cluster_dir, self.log)
        back = wait_until(self.heart.kubectl.api_ready, timeout=120, interval=0.5)
        assert back, f"kube-apiserver did not answer again; see {self.log}"
        self.restart_ended = time.time()
        time.sleep(max(0.0, seconds - (time.monotonic() - began)))

    def stop(self) -> None:
        if self.relaunched is not None:
            self.relaunched.kill()
            self.relaunched.wait(timeout=30)


@pytest.fixture
def heart(tmp_path: Path) -> Iterator[tuple[HeartCluster, Path]]:
    workdir = tmp_path / "kwok"
    with heart_cluster(workdir) as cluster:
        yield cluster, LocalSettings(workdir=workdir).cluster_dir(cluster.info.name)


def gaps_in(timeline: Timeline, window: str) -> list[str]:
    span = timeline.window(window)
    assert span is not None, f"no {window} window"
    return [
        g.name
        for g in timeline.of_kind(GAP)
        if float(g.data.get("from", g.t)) <= span.end and g.t >= span.start
    ]


def test_a_restart_in_the_baseline_is_named_and_the_kill_still_judged(
    heart: tuple[HeartCluster, Path], tmp_path: Path
) -> None:
    cluster, cluster_dir = heart
    clock = RestartDuringBaseline(cluster, cluster_dir, tmp_path / "apiserver.log")
    try:
        timeline, _ = POD_KILL.inject_on_cluster(
            cluster.info, "heart-display-0", RunSettings(tmp_path / "run", WINDOWS, clock=clock)
        )
    finally:
        clock.stop()
    assert clock.relaunched is not None, "the baseline never began, so nothing was restarted"
    print(f"\nAPI server restarted in {clock.restart_ended - clock.restart_began:.1f} s")

    observed = observed_throughout(timeline)
    print(f"{observed.outcome}: {observed.message}")
    assert observed.outcome is Outcome.ERROR
    assert "saw nothing" in observed.message and "in baseline" in observed.message
    assert gaps_in(timeline, "baseline"), "the restart left no GAP record in the baseline"

    kill = POD_KILL.judge(timeline, budget_s=30)
    for verdict in kill:
        print(f"{verdict.outcome}: {verdict.check}: {verdict.message}")
    if not gaps_in(timeline, "fault") and not gaps_in(timeline, "recovery"):
        # The watches were whole again before the kill: it is judged as on any day.
        assert all(v.passed for v in kill), [v.message for v in kill]
    # Whatever the kill's verdicts, the scenario is an error, never a pass.
    assert combine([*kill, observed]).outcome is Outcome.ERROR

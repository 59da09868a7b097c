"""The HPA scenario under real load: the locust pulse it asks for, and windows from what ran.

Where the cluster carries traffic the "load" window is when locust really ran
more than the base users, read from its per-second records; here those records
are written by hand and the cluster is a fake API server that is never started.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.kube.usage import LoadProfile
from chaosgate.load.run import LoadError, LoadRun
from chaosgate.providers.base import Capability, ClusterInfo
from chaosgate.scenarios.cluster_backend import ClusterRun, RunSettings, Windows
from chaosgate.scenarios.hpa import SCENARIO, mark_surge, pulse_load
from chaosgate.timeline import HPA, WINDOW, Record
from helpers.fake_apiserver import FakeApiServer

PROFILE = LoadProfile(
    peak_users=100, baseline_users=5, ramp_up_s=0, hold_s=30, ramp_down_s=0, cooldown_s=60
)


class Instant:
    """A clock whose sleeps pass at once (the records are all written already)."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def run(tmp_path: Path) -> Iterator[ClusterRun]:
    with FakeApiServer().running() as fake:
        capabilities = {Capability.REAL_PODS, Capability.TRAFFIC, Capability.CHAOS_ALLOWED}
        cluster = ClusterInfo(
            "k",
            "kind",
            fake.kubeconfig(tmp_path),
            frozenset(capabilities),
            (),
            "http://127.0.0.1:9",
        )
        settings = RunSettings(
            tmp_path / "hpa", Windows(baseline_s=10, settle_s=2), clock=Instant()
        )
        yield ClusterRun(SCENARIO, cluster, settings)


def write_seconds(load: LoadRun, users_by_second: list[tuple[int, int]]) -> None:
    load.config.work_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"second": s, "requests": 50, "failures": 0, "users": u})
        for s, u in users_by_second
    ]
    load.seconds_file.write_text("\n".join(lines) + "\n")


def test_the_pulse_keeps_base_users_through_the_baseline_then_peaks(run: ClusterRun) -> None:
    config = pulse_load(run, PROFILE)
    assert (config.users, config.peak_users, config.shape) == (5, 100, "pulse")
    assert config.pulse_lead_s >= run.settings.windows.baseline_s
    assert config.pulse_peak_s == PROFILE.load_s
    assert config.shape_duration_s == config.pulse_lead_s + PROFILE.load_s + PROFILE.cooldown_s
    assert config.max_run_time_s > config.shape_duration_s
    assert config.targets == ("http://127.0.0.1:9",)


def test_a_profile_without_base_users_cannot_run_on_real_pods(run: ClusterRun) -> None:
    with pytest.raises(LoadError, match="baseline users"):
        pulse_load(run, LoadProfile(peak_users=100))


def test_the_load_window_is_when_locust_really_ran_more_than_the_base_users(
    run: ClusterRun,
) -> None:
    config = pulse_load(run, PROFILE)
    run.load = LoadRun(config)
    seconds = [(s, 5) for s in range(100, 110)] + [(s, 60) for s in range(110, 112)]
    seconds += [(s, 100) for s in range(112, 140)] + [(s, 5) for s in range(140, 150)]
    write_seconds(run.load, seconds)
    at_minimum = {"minReplicas": 6, "desiredReplicas": 6, "currentReplicas": 6}
    run.recorder.emit(Record(150.0, HPA, "heart-display", at_minimum))
    mark_surge(run, config, PROFILE)
    edges = [(r.name, r.data["edge"], r.t) for r in run.recorder.records() if r.kind == WINDOW]
    # A LOAD record is stamped at the end of its second: second 110 is t=111.
    assert edges[:3] == [
        ("load", "start", 110.0),
        ("load", "end", 140.0),
        ("cooldown", "start", 140.0),
    ]
    assert edges[3][:2] == ("cooldown", "end")


def test_no_surge_in_the_records_is_an_error_not_a_window(run: ClusterRun) -> None:
    config = pulse_load(run, PROFILE)
    run.load = LoadRun(config)
    write_seconds(run.load, [(s, 5) for s in range(100, 130)])
    with pytest.raises(LoadError, match="never showed"):
        mark_surge(run, config, PROFILE)

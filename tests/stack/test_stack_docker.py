"""The stack runtime for real: containers on this machine, real kills, a real cgroup OOM kill,
a real Redis outage under real locust load. Assertions are on raw timeline facts.

Measured figures are printed (see them with -s) and kept as the test's user_properties
(JUnit properties when junit_family is xunit1).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chaosgate.containers.images import ImageRefs, build_images
from chaosgate.ports import free_ports
from chaosgate.scenarios import breaker, oom, pod_kill
from chaosgate.scenarios.stack_backend import (
    ScenarioConfig,
    ScenarioResult,
    run_scenario,
)
from chaosgate.stack import docker_cli
from chaosgate.stack.config import StackConfig
from chaosgate.stack.http_probe import http_call
from chaosgate.stack.runtime import StackRuntime
from chaosgate.timeline import EVENT, FAULT, LOAD, METRICS, POD, PROBE, Record, Timeline
from chaosgate.waiting import wait_until

pytestmark = [pytest.mark.needs_docker, pytest.mark.slow]
Figures = Callable[[str, object], None]


@pytest.fixture(scope="module")
def images() -> ImageRefs:
    # Fails (does not skip) when no Docker engine can be started or the images cannot be built.
    return build_images(log=print)


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Figures:
    # user_properties directly: the record_property fixture warns under junit xunit2.
    def note(name: str, value: object) -> None:
        print(f"FIGURE {name} = {value}")
        request.node.user_properties.append((name, value))

    return note


def run_containers(run_id: str) -> list[str]:
    label = f"label={docker_cli.RUN_LABEL}={run_id}"
    return docker_cli.docker(["ps", "-aq", "--filter", label]).split()


# -- the runtime ----------------------------------------------------------------
def beat_json(url: str) -> dict[str, Any]:
    answer = http_call(url + "/", timeout=5, headers={"Accept": "application/json"})
    return dict(json.loads(answer.body))


def test_runtime_runs_pods_and_always_removes_them(images: ImageRefs, tmp_path: Path) -> None:
    config = StackConfig(tmp_path, replicas=2, images=images)
    with StackRuntime(config) as stack:
        states = stack.states()
        assert all(s.running and s.managed for s in states.values())
        assert states[stack.replicas[1].container].memory_limit == 64 * 1024 * 1024
        identity = beat_json(stack.endpoints[1])
        assert (identity["pod"], identity["namespace"]) == ("heart-display-1", "stack")
        assert identity["degraded"] is False  # Redis is up and reachable
        assert len(run_containers(stack.run_id)) == 3
    assert run_containers(stack.run_id) == []
    stack.stop()  # idempotent
    assert (tmp_path / "logs" / f"{stack.replicas[0].container}.log").is_file()


@pytest.fixture
def plain_container(images: ImageRefs, tmp_path: Path) -> Iterator[str]:
    """A heart container with `--restart always` and nothing of ours around it."""
    name = f"cg-test-policy-{tmp_path.name[-8:]}"
    config = tmp_path / "config"
    config.mkdir(mode=0o755)
    (config / "love-level").write_text("7\n")
    (config / "love-level").chmod(0o644)
    (port,) = free_ports(1)
    argv = ["run", "-d", "--name", name, "--network", "host", "--restart", "always"]
    argv += ["-v", f"{config}:/etc/heart:ro", images.heart, "serve", "--listen"]
    docker_cli.docker([*argv, f"127.0.0.1:{port}", "--config-dir", "/etc/heart"])
    yield name
    docker_cli.remove([name])


def test_what_docker_restarts_and_what_it_does_not(plain_container: str) -> None:
    """The engine behaviour the runtime is built on (Docker 20.10, restart policy always)."""
    before = docker_cli.inspect_one(plain_container)
    docker_cli.kill_main_process(before)  # SIGKILL to the process: like a crash
    assert wait_until(
        lambda: docker_cli.inspect_one(plain_container).restart_count == 1, timeout=10, interval=0.1
    )
    docker_cli.docker_kill(plain_container)  # SIGKILL through the engine: a "manual stop"
    time.sleep(3)
    left = docker_cli.inspect_one(plain_container)
    assert (left.status, left.exit_code, left.restart_count) == ("exited", 137, 1)
    docker_cli.start(plain_container)
    assert docker_cli.inspect_one(plain_container).restart_count == 0  # start resets the count


def test_the_supervisor_restarts_a_replica_docker_left_exited(
    images: ImageRefs, tmp_path: Path, figure: Figures
) -> None:
    records: list[Record] = []
    with StackRuntime(StackConfig(tmp_path, replicas=1, images=images), emit=records.append) as s:
        name = s.replicas[0].container
        killed = time.monotonic()
        docker_cli.docker_kill(name)
        assert wait_until(s.all_ready, timeout=15, interval=0.05)
        figure("supervisor_restart_to_ready_s", round(time.monotonic() - killed, 3))
        assert docker_cli.inspect_one(name).restart_count == 0  # started by hand, not by policy
    assert [r.data["reason"] for r in records if r.kind == EVENT] == ["SupervisorRestarted"]


def test_sigterm_to_a_process_holding_the_stack_removes_its_containers(images: ImageRefs) -> None:
    argv = [sys.executable, "-m", "chaosgate.stack", "up", "--replicas", "1"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(7)]
        env = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines[:6])
        container = env["CHAOSGATE_REDIS_CONTAINER"]
        assert docker_cli.inspect_one(container).running
        process.terminate()
        assert process.wait(timeout=60) == 0
    assert docker_cli.inspect([container]) == {}


# -- the scenarios ----------------------------------------------------------------
def scenario_config(tmp_path: Path, images: ImageRefs) -> ScenarioConfig:
    return ScenarioConfig(
        run_dir=tmp_path / "run",
        replicas=3,
        users=10,
        baseline_s=8,
        fault_s=8,
        recovery_s=10,
        images=images,
    )


def faults(timeline: Timeline, action: str) -> dict[str, Record]:
    return {r.data["phase"]: r for r in timeline.of_kind(FAULT) if r.data["action"] == action}


def load_between(timeline: Timeline, start: float, end: float) -> dict[str, Any]:
    # A LOAD record covers the second before its t: keep seconds that end inside.
    seconds = [r.data for r in timeline.of_kind(LOAD) if start < r.t <= end + 1]
    requests = sum(s["requests"] for s in seconds)
    return {
        "requests": requests,
        "failures": sum(s["failures"] for s in seconds),
        "degraded": sum(s["degraded"] for s in seconds),
        "fail_ratio": sum(s["failures"] for s in seconds) / max(requests, 1),
        "p99_ms": max((s["p99_ms"] for s in seconds), default=None),
    }


def assert_artefacts(result: ScenarioResult) -> None:
    assert result.timeline_path.is_file() and result.journal_path.is_file()
    assert {w.name for w in result.timeline.windows()} == {"baseline", "fault", "recovery"}
    assert result.journal["status"] == "completed" and not result.journal["deviated"]
    totals = result.load_totals
    assert totals is not None
    # Every request locust made is in the per-second records.
    assert sum(r.data["requests"] for r in result.timeline.of_kind(LOAD)) == totals.requests
    assert run_containers(result.run_id) == []


def test_redis_outage_opens_and_closes_every_breaker_with_no_failed_request(
    images: ImageRefs, tmp_path: Path, figure: Figures
) -> None:
    result = run_scenario(breaker.SCENARIO, scenario_config(tmp_path, images))
    timeline = result.timeline
    assert_artefacts(result)
    outage = faults(timeline, "redis_outage")
    assert outage["landed"].data["landed"] is True
    down, back = outage["landed"].t, outage["end"].t

    replicas = result.instances
    assert len(replicas) == 3
    for replica in replicas:
        samples = timeline.of_kind(METRICS, replica)
        states = [r.data["breaker_state"] for r in samples]
        assert states[0] == 0 and states[-1] == 0
        assert 1 in [r.data["breaker_state"] for r in samples if down <= r.t <= back]
        last = samples[-1].data["breaker_transitions"]
        assert last["closed->open"] >= 1 and last["half-open->closed"] >= 1
        opened = next(r.t for r in samples if r.t > down and r.data["breaker_state"] != 0)
        closed = next(r.t for r in samples if r.t > back and r.data["breaker_state"] == 0)
        figure(f"breaker_open_observed_after_s[{replica[-6:]}]", round(opened - down, 3))
        figure(f"breaker_closed_observed_after_s[{replica[-6:]}]", round(closed - back, 3))

    during = load_between(timeline, down, back)
    assert during["requests"] > 0
    assert during["failures"] == 0  # the breaker's degraded path answered every beat
    assert during["degraded"] > 0.8 * during["requests"]
    figure("outage_requests", during["requests"])
    figure("outage_fail_ratio", during["fail_ratio"])
    figure("outage_degraded_ratio", round(during["degraded"] / during["requests"], 3))
    figure("outage_worst_second_p99_ms", during["p99_ms"])
    redis = [r.data["ready"] for r in timeline.of_kind(POD, "redis")]
    assert redis[0] and not all(redis) and redis[-1]


def kill_facts(result: ScenarioResult, action: str, reason: str, figure: Figures) -> None:
    timeline = result.timeline
    assert_artefacts(result)
    fault = faults(timeline, action)
    assert fault["landed"].data["target"] == "heart-display-0"
    killed_at = float(fault["landed"].data["landed_at"])

    pods = timeline.of_kind(POD, "heart-display-0")
    restarted = next(r for r in pods if r.data["restartCount"] >= 1)
    assert restarted.data["lastTerminationReason"] == reason
    assert restarted.data["lastExitCode"] == 137
    assert restarted.data["lastTerminatedAt"] == killed_at
    assert pods[-1].data["ready"] and pods[-1].data["phase"] == "Running"
    figure(f"{action}_observer_detection_latency_s", round(restarted.t - killed_at, 3))

    came_back = next(r for r in pods if r.data["startedAt"] > killed_at)
    figure(f"{action}_engine_restart_s", round(came_back.data["startedAt"] - killed_at, 3))
    probes = timeline.of_kind(PROBE, "heart-display")
    unready = next(r.t for r in probes if r.t > killed_at and r.data["ready"] < r.data["desired"])
    figure(f"{action}_readiness_detection_latency_s", round(unready - killed_at, 3))
    ready_again = next(
        r.t for r in probes if r.t > killed_at and r.data["ready"] == r.data["desired"]
    )
    figure(f"{action}_recovery_to_all_ready_s", round(ready_again - killed_at, 3))
    fault_window = timeline.window("fault")
    assert fault_window is not None
    during = load_between(timeline, fault_window.start, fault_window.end)
    figure(f"{action}_fault_window_fail_ratio", round(during["fail_ratio"], 4))
    figure(f"{action}_fault_window_worst_p99_ms", during["p99_ms"])
    assert during["fail_ratio"] < 0.05  # only requests on the killed replica's connections


def test_pod_kill_lands_and_the_engine_restarts_the_replica(
    images: ImageRefs, tmp_path: Path, figure: Figures
) -> None:
    result = run_scenario(pod_kill.SCENARIO, scenario_config(tmp_path, images))
    kill_facts(result, "pod_kill", "Error", figure)
    assert faults(result.timeline, "pod_kill")["landed"].data["method"] == "process"


def test_oom_kill_is_a_real_cgroup_oom_and_the_replica_comes_back(
    images: ImageRefs, tmp_path: Path, figure: Figures
) -> None:
    result = run_scenario(oom.SCENARIO, scenario_config(tmp_path, images))
    kill_facts(result, "oom_kill", "OOMKilled", figure)
    landed = faults(result.timeline, "oom_kill")["landed"].data
    assert landed["oom_killed"] is True and landed["evidence"] == "OOMKilled"
    assert landed["requested_mib"] == 64 + 32

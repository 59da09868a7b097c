"""The status a kubelet writes for an OOM kill (what the simulation writes), table-style."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.errors import UsageError
from chaosgate.kube.object_data import last_termination_reason, pod_data
from chaosgate.kube.pod_faults import (
    AllocateTrigger,
    FaultTiming,
    Mechanism,
    choose_oom_writer,
    container_running,
    oom_killed_status,
    oom_restarted_status,
    restart_count,
    shows_oom_kill,
    target_container,
)

T_KILL, T_RESTART = 1_800_000_000.0, 1_800_000_002.0


def running_pod() -> dict[str, Any]:
    return {
        "metadata": {"name": "heart-display-1", "uid": "u"},
        "spec": {"nodeName": "n", "containers": [{"name": "heart-display"}, {"name": "sidecar"}]},
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True", "lastTransitionTime": "earlier"},
                {"type": "ContainersReady", "status": "True"},
            ],
            "containerStatuses": [
                {
                    "name": "heart-display",
                    "ready": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-06-01T08:00:00Z"}},
                },
                {"name": "sidecar", "ready": True, "restartCount": 0, "state": {"running": {}}},
            ],
        },
    }


def with_status(pod: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {**pod, "status": {**pod["status"], **status}}


def conditions(pod: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in pod["status"]["conditions"]}


def test_killed_then_restarted() -> None:
    before = running_pod()
    killed = with_status(before, oom_killed_status(before, "heart-display", T_KILL))
    main, sidecar = killed["status"]["containerStatuses"]
    assert main["state"]["terminated"] == {
        "exitCode": 137,
        "reason": "OOMKilled",
        "startedAt": "2026-06-01T08:00:00Z",
        "finishedAt": "2027-01-15T08:00:00Z",  # T_KILL
    }
    assert main["ready"] is False and sidecar == before["status"]["containerStatuses"][1]
    assert conditions(killed) == {
        "Initialized": "True",
        "Ready": "False",
        "ContainersReady": "False",
    }
    assert shows_oom_kill(killed, "heart-display", restarts_before=0)
    assert pod_data(killed, {})["ready"] is False

    restarted = with_status(killed, oom_restarted_status(killed, "heart-display", T_RESTART))
    main = restarted["status"]["containerStatuses"][0]
    assert main["restartCount"] == 1
    assert main["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert "running" in main["state"]
    assert conditions(restarted)["Ready"] == "True"
    assert shows_oom_kill(restarted, "heart-display", restarts_before=0)
    assert not shows_oom_kill(restarted, "heart-display", restarts_before=1)
    assert restart_count(restarted, "heart-display") == 1
    assert last_termination_reason(restarted) == "OOMKilled"
    data = pod_data(restarted, {})
    assert (data["restartCount"], data["ready"]) == (1, True)


def test_a_running_pod_shows_no_oom_kill() -> None:
    assert not shows_oom_kill(running_pod(), "heart-display", restarts_before=0)


@pytest.mark.parametrize(
    ("asked", "chosen"),
    [(None, "heart-display"), ("sidecar", "sidecar"), ("heart-display", "heart-display")],
)
def test_target_container(asked: str | None, chosen: str) -> None:
    assert target_container(running_pod(), asked) == chosen


def test_unknown_container_is_refused_with_the_ones_there() -> None:
    with pytest.raises(UsageError, match="heart-display, sidecar"):
        target_container(running_pod(), "nope")


@pytest.mark.parametrize("url", ["http://10.0.0.7:8080", "http://heart-display:80"])
def test_real_oom_traffic_only_through_a_loopback_port_forward(url: str) -> None:
    with pytest.raises(UsageError, match="loopback"):
        AllocateTrigger(url)
    AllocateTrigger("http://127.0.0.1:18080")


def test_only_a_running_container_can_be_oom_killed() -> None:
    pod = running_pod()
    assert container_running(pod, "heart-display")
    killed = with_status(pod, oom_killed_status(pod, "heart-display", T_KILL))
    assert not container_running(killed, "heart-display")
    assert not container_running(pod, "nope")


class ScriptedOom:
    """Stands in for one OOM kill in progress: kwok reacts or not, as scripted."""

    def __init__(self, kwok_reacts: bool) -> None:
        self.kwok_reacts = kwok_reacts
        self.namespace, self.name = "heart", "heart-display-1"
        self.timing = FaultTiming(stage_wait_s=1.5)
        self.calls: list[str] = []

    def by_kwok(self, restarts_before: int) -> bool:
        self.calls.append("kwok")
        return self.kwok_reacts

    def by_status_patch(self) -> None:
        self.calls.append("patch")


@pytest.mark.parametrize(
    ("mechanism", "kwok_reacts", "writer", "calls"),
    [
        ("auto", True, "kwok-stage", ["kwok"]),
        ("auto", False, "status-patch", ["kwok", "patch"]),
        ("kwok-stage", True, "kwok-stage", ["kwok"]),
        ("status-patch", True, "status-patch", ["patch"]),
    ],
)
def test_the_oom_writer_is_kwok_when_it_reacts_else_chaosgate(
    mechanism: Mechanism, kwok_reacts: bool, writer: str, calls: list[str]
) -> None:
    oom = ScriptedOom(kwok_reacts)
    assert choose_oom_writer(oom, mechanism, restarts_before=0) == writer
    assert oom.calls == calls


def test_asking_for_kwoks_stage_where_kwok_has_none_is_refused_with_the_fix() -> None:
    oom = ScriptedOom(kwok_reacts=False)
    with pytest.raises(UsageError, match=r"no chaosgate OOM Stage.*'status-patch' or 'auto'"):
        choose_oom_writer(oom, "kwok-stage", restarts_before=0)
    assert oom.calls == ["kwok"]  # never falls back on its own

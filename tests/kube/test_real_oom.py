"""The real OOM path's judgement of kubelet status and its allocation loop (pure parts).

The kill itself runs on kind (tests/kind and `chaosgate run oom --provider kind`).
"""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.kube.pod_faults import AllocateTrigger
from chaosgate.kube.real_oom import (
    AllocationPlan,
    allocate_until_cut_off,
    kubelet_reported_oom,
    last_termination,
)


def pod(restarts: int, reason: str | None) -> dict[str, Any]:
    status: dict[str, Any] = {"name": "heart-display", "restartCount": restarts}
    if reason:
        status["lastState"] = {"terminated": {"reason": reason, "exitCode": 137}}
    return {"status": {"containerStatuses": [status]}}


@pytest.mark.parametrize(
    ("observed", "reported"),
    [
        (pod(0, None), False),  # nothing happened yet
        (pod(1, "OOMKilled"), True),
        (pod(1, "Error"), False),  # restarted, but not by the OOM killer
        (pod(0, "OOMKilled"), False),  # an old OOM kill, before the fault
    ],
)
def test_only_a_new_restart_after_an_oom_kill_counts(
    observed: dict[str, Any], reported: bool
) -> None:
    assert kubelet_reported_oom(observed, "heart-display", restarts_before=0) is reported


def test_last_termination_of_an_unknown_container_is_empty() -> None:
    assert last_termination(pod(1, "OOMKilled"), "other") == {}


class DiesAfter(AllocateTrigger):
    calls: int = 0

    def trigger(self) -> int:
        object.__setattr__(self, "calls", self.calls + 1)
        if self.calls >= 3:
            raise ConnectionResetError("the process was killed")
        return 200


def test_allocation_stops_when_the_answer_is_cut_off() -> None:
    trigger = DiesAfter("http://127.0.0.1:1")
    assert allocate_until_cut_off(trigger, AllocationPlan(max_calls=10)) == 3


def test_allocation_gives_up_after_max_calls() -> None:
    class NeverDies(AllocateTrigger):
        def trigger(self) -> int:
            return 200

    assert allocate_until_cut_off(NeverDies("http://127.0.0.1:1"), AllocationPlan(max_calls=4)) == 4


def test_allocation_is_sent_to_loopback_only() -> None:
    with pytest.raises(Exception, match="not a loopback port-forward"):
        AllocateTrigger("http://198.18.64.5:8080")

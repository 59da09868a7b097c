"""Pod kill and (simulated) OOM kill on a real control plane with kwok nodes.

One local cluster for the module. The pod kill is real (the API server
deletes the pod, the StatefulSet controller recreates it); the OOM kill is
simulated, and every record of it says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.kube.client import connect
from chaosgate.kube.pod_faults import oom_kill_simulated
from chaosgate.scenarios.cluster_backend import RunSettings, Windows
from chaosgate.scenarios.oom import OOM
from chaosgate.scenarios.pod_kill import POD_KILL
from chaosgate.timeline import FAULT, POD, Timeline, Verdict
from helpers.heart_cluster import NAMESPACE, HeartCluster, heart_cluster

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(600)]

RECOVERY_BUDGET_S = 30.0
WINDOWS = Windows(baseline_s=2, settle_s=2, recovery_timeout_s=60)


@pytest.fixture(scope="module")
def heart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeartCluster]:
    with heart_cluster(tmp_path_factory.mktemp("kwok")) as cluster:
        yield cluster


def show(verdicts: list[Verdict]) -> None:
    for verdict in verdicts:
        print(f"{verdict.outcome}: {verdict.check}: {verdict.message} {dict(verdict.figures)}")


def faults(timeline: Timeline, action: str) -> list[dict[str, object]]:
    return [dict(r.data) for r in timeline.of_kind(FAULT) if r.data["action"] == action]


def test_pod_kill_recovers_within_budget(heart: HeartCluster, tmp_path: Path) -> None:
    uid_before = heart.get("get", "pod", "heart-display-0")["metadata"]["uid"]
    timeline, artifacts = POD_KILL.inject_on_cluster(
        heart.info, "heart-display-0", RunSettings(tmp_path / "run", WINDOWS)
    )
    verdicts = POD_KILL.judge(timeline, budget_s=RECOVERY_BUDGET_S)
    show(verdicts)
    assert all(v.passed for v in verdicts), [v.message for v in verdicts]
    assert artifacts.journal_status == "completed"
    uids = {r.data["uid"] for r in timeline.of_kind(POD, "heart-display-0")}
    assert uid_before in uids and len(uids) == 2  # the old pod, then its replacement
    heart.wait_fully_ready()


def test_simulated_oom_kill_lands_and_recovers(heart: HeartCluster, tmp_path: Path) -> None:
    timeline, artifacts = OOM.inject_on_cluster(
        heart.info, "heart-display-1", RunSettings(tmp_path / "run", WINDOWS)
    )
    verdicts = OOM.judge(timeline, budget_s=RECOVERY_BUDGET_S)
    show(verdicts)
    assert all(v.passed for v in verdicts), [v.message for v in verdicts]
    landed = verdicts[0]
    assert landed.figures["evidence"] == "OOMKilled"
    records = faults(timeline, "oom_kill")
    assert [r["phase"] for r in records] == ["start", "landed", "end"]
    assert all(r["simulated"] is True for r in records)
    # The local provider ships chaosgate's OOM Stages, so kwok writes the kill.
    assert records[1]["mechanism"] == "kwok-stage"
    # The pod watch saw what a kubelet reports: same pod, a restart, OOMKilled last.
    last = timeline.of_kind(POD, "heart-display-1")[-1].data
    assert (last["restartCount"], last["lastTerminationReason"], last["ready"]) == (
        1,
        "OOMKilled",
        True,
    )
    assert any("simulated" in note for note in artifacts.notes)
    heart.wait_fully_ready()


def test_chaosgate_can_still_write_the_oom_status_itself(heart: HeartCluster) -> None:
    """The status-patch writer, for clusters whose kwok lacks chaosgate's Stages."""
    with connect(heart.info) as api:
        result = oom_kill_simulated(api, NAMESPACE, "heart-display-2", mechanism="status-patch")
    assert result.landed and result.details["mechanism"] == "status-patch"
    assert result.details["restarted"]
    pod = heart.get("get", "pod", "heart-display-2")
    (status,) = pod["status"]["containerStatuses"]
    assert status["restartCount"] == 1
    assert status["lastState"]["terminated"]["reason"] == "OOMKilled"
    annotations = heart.get("get", "pod", "heart-display-2")["metadata"].get("annotations", {})
    assert "chaosgate.io/simulate-oom" not in annotations  # no kwok trigger left behind
    heart.wait_fully_ready()

"""Zone drains on a real control plane with kwok nodes: PDBs, refusals, re-spread, rollbacks.

One local cluster for the module. Real here: cordon, the Eviction API and
its PDB enforcement, the disruption and StatefulSet controllers, the
scheduler; kwok plays the kubelet. Each test leaves the zone uncordoned and
the StatefulSet fully Ready for the next one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chaosgate.errors import UnsafeTarget
from chaosgate.fault_records import read_fault_records
from chaosgate.kube.client import connect, connect_kubeconfig, current_context
from chaosgate.kube.observe import ClusterRecorder
from chaosgate.kube.zone_drain import CORDONED_BY, DrainSettings, drain_zone
from chaosgate.scenarios import az_drain
from chaosgate.scenarios.cluster_backend import RunSettings, Windows
from chaosgate.timeline import EVENT, FAULT, POD, WINDOW, Record, Timeline
from chaosgate.undo import UndoLedger, UndoRecorder, refuse_unfinished_business, scope_of
from chaosgate.verdicts import evictions_refused_not_absent, evictions_within_budget, pdb_held
from chaosgate.waiting import wait_until
from helpers.heart_cluster import NAMESPACE, REPO, HeartCluster, heart_cluster

pytestmark = [pytest.mark.needs_tools, pytest.mark.slow, pytest.mark.timeout(600)]

ZONE = "zone-a"
ZONE_NODES = ["kwok-zone-a-1", "kwok-zone-a-2"]
ONLY_HEART = DrainSettings(namespaces=(NAMESPACE,), completion_timeout_s=30)


@pytest.fixture(scope="module")
def heart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HeartCluster]:
    with heart_cluster(tmp_path_factory.mktemp("kwok")) as cluster:
        yield cluster


@pytest.fixture
def leaves_zone_whole(heart: HeartCluster) -> Iterator[None]:
    """After each test: nothing cordoned by us, every replica Ready again."""
    yield
    assert cordoned(heart) == [], "a drain left nodes cordoned"
    heart.wait_fully_ready()


def cordoned(heart: HeartCluster) -> list[str]:
    return sorted(
        n["metadata"]["name"]
        for n in heart.nodes()
        if n["spec"].get("unschedulable") or CORDONED_BY in n["metadata"].get("annotations", {})
    )


def zone_pods(heart: HeartCluster) -> dict[str, str]:
    """name → uid of the heart-display pods on the drained zone's nodes."""
    return {
        p["metadata"]["name"]: p["metadata"]["uid"]
        for p in heart.pods()
        if p["spec"].get("nodeName") in ZONE_NODES
    }


def all_pods_on_zone(heart: HeartCluster) -> list[str]:
    """namespace/name of every pod on the zone's nodes: what a real drain evicts.

    Redis lands in any zone, so it is counted here when it sits in zone-a.
    """
    items = heart.kubectl.get_json("get", "pods", "--all-namespaces")["items"]
    return sorted(
        f"{p['metadata']['namespace']}/{p['metadata']['name']}"
        for p in items
        if p["spec"].get("nodeName") in ZONE_NODES
    )


def zone_spread_honours_taints(heart: HeartCluster) -> bool:
    """Whether the chart's zone spread ignores cordoned nodes (nodeTaintsPolicy: Honor)."""
    sts = next(m for m in heart.manifests if m["kind"] == "StatefulSet")
    constraints = sts["spec"]["template"]["spec"]["topologySpreadConstraints"]
    zone = next(c for c in constraints if c["topologyKey"] == "topology.kubernetes.io/zone")
    return bool(zone.get("nodeTaintsPolicy") == "Honor")


def faults(records: list[Record] | Timeline, phase: str) -> list[Record]:
    return [
        r
        for r in records
        if r.kind == FAULT and r.data["action"] == "zone_drain" and r.data["phase"] == phase
    ]


@pytest.mark.usefixtures("leaves_zone_whole")
def test_dry_run_says_what_it_would_do_and_changes_nothing(heart: HeartCluster) -> None:
    before = zone_pods(heart)
    lines: list[str] = []
    with connect(heart.info) as api:
        result = drain_zone(api, ZONE, dry_run=True, say=lines.append)
    assert result.dry_run and not result.evicted
    assert [f"would cordon node {n}" for n in ZONE_NODES] == lines[:2]
    evictions = {
        f"would evict pod heart/{p['metadata']['name']} (on node {p['spec']['nodeName']})"
        for p in heart.pods()
        if p["spec"].get("nodeName") in ZONE_NODES
    }
    assert len(evictions) == 2 and evictions <= set(lines)
    assert cordoned(heart) == []
    assert zone_pods(heart) == before


@pytest.mark.usefixtures("leaves_zone_whole")
def test_chaos_is_refused_where_it_was_not_allowed(heart: HeartCluster) -> None:
    with (
        connect_kubeconfig(heart.info.kubeconfig) as api,
        pytest.raises(UnsafeTarget, match="--allow-context"),
    ):
        drain_zone(api, ZONE)


@pytest.mark.usefixtures("leaves_zone_whole")
def test_zone_drain_scenario_holds_the_pdb_and_respreads(
    heart: HeartCluster, tmp_path: Path
) -> None:
    evicted_before = zone_pods(heart)
    on_zone_before = all_pods_on_zone(heart)
    timeline, artifacts = az_drain.drain(
        heart.info,
        ZONE,
        RunSettings(tmp_path / "run", Windows(baseline_s=2, settle_s=2, recovery_timeout_s=60)),
        hold_s=4,
    )
    verdicts = {v.check: v for v in az_drain.judge(timeline, ZONE)}
    for verdict in verdicts.values():
        print(f"{verdict.outcome}: {verdict.check}: {verdict.message} {dict(verdict.figures)}")
    assert all(v.passed for v in verdicts.values()), [v.message for v in verdicts.values()]
    drained = verdicts[f"zone_drain_ok[{ZONE}]"].figures
    within = verdicts["evictions_within_budget[heart-display]"].figures
    assert within["judged_evictions"] == 2  # the zone's two heart-display pods, each judged
    assert len(evicted_before) == 2
    assert drained["evicted"] == len(on_zone_before), on_zone_before
    assert artifacts.journal_status == "completed"
    assert artifacts.timeline_path.is_file() and artifacts.journal_path.is_file()
    assert any("simulated by kwok" in note for note in artifacts.notes)

    # Every evicted pod came back as a new pod (new uid), and is Ready at the end.
    after = {p["metadata"]["name"]: p["metadata"]["uid"] for p in heart.pods()}
    assert all(after[name] != uid for name, uid in evicted_before.items())
    heart.wait_fully_ready()
    fault_window = timeline.window("fault")
    assert fault_window is not None
    during = timeline.between(fault_window.start, fault_window.end)
    if zone_spread_honours_taints(heart):
        # The spread ignores the cordoned zone: replacements run in the others meanwhile.
        running = {
            r.name: r.data["zone"]
            for r in during.of_kind(POD)
            if r.name in evicted_before
            and r.data["phase"] == "Running"
            and not r.data["deleted"]
            and r.data["uid"] != evicted_before[r.name]
        }
        assert set(running) == set(evicted_before)
        assert ZONE not in running.values()
    else:
        # The hard zone spread still counts the cordoned zone (nodeTaintsPolicy Ignore), so
        # replacements wait Pending until it is uncordoned: the scheduler says why.
        waits = [
            r
            for r in during.of_kind(EVENT)
            if r.data["reason"] == "FailedScheduling" and r.data["involvedName"] in evicted_before
        ]
        assert any("topology spread constraints" in r.data["message"] for r in waits)


@pytest.mark.usefixtures("leaves_zone_whole")
def test_a_tight_budget_refuses_evictions_which_are_retried_then_rolled_back(
    heart: HeartCluster,
) -> None:
    heart.kubectl(
        "patch", "pdb", "heart-display", "-n", NAMESPACE, "--type", "merge",
        "-p", json.dumps({"spec": {"maxUnavailable": 1}}),
    )  # fmt: skip
    try:
        assert wait_until(lambda: pdb_allows(heart) == 1, timeout=30, interval=0.5)
        settings = DrainSettings(
            namespaces=(NAMESPACE,), eviction_deadline_s=8, completion_timeout_s=30
        )
        with (
            ClusterRecorder(heart.info.kubeconfig, NAMESPACE) as recorder,
            connect(heart.info) as api,
        ):
            mark(recorder, "start")
            started = time.monotonic()
            result = drain_zone(api, ZONE, settings=settings, emit=recorder.emit)
            mark(recorder, "end")
        print(f"\ntight budget: {result.summary()} in {time.monotonic() - started:.1f} s")
        timeline = recorder.timeline()
        refused = faults(timeline, "refused")
        assert refused and all(r.data["status"] == 429 for r in refused)
        assert "disruption budget" in refused[0].data["reason"]
        assert result.refused == len(refused) >= 2  # retried, with backoff
        attempts = [r.data["attempt"] for r in refused]
        assert attempts == sorted(attempts) and attempts[-1] >= 2
        if zone_spread_honours_taints(heart):
            assert result.completed  # the first replacement ran elsewhere, freeing the budget
        else:
            # Its replacement cannot run while the zone is cordoned: the budget never frees.
            assert not result.completed and "still refused" in result.reason
        assert result.uncordoned == ZONE_NODES
        assert pdb_held(timeline, "heart-display").passed
        enforced = evictions_refused_not_absent(timeline, "heart-display")
        assert enforced.passed and enforced.figures["refused_evictions"] == len(refused)
        # Only what the budget allowed was accepted, judged eviction by eviction.
        within = evictions_within_budget(timeline, "heart-display")
        assert within.passed and float(within.figures["min_healthy_left"]) >= 5, within.message
    finally:
        heart.kubectl(
            "patch", "pdb", "heart-display", "-n", NAMESPACE, "--type", "merge",
            "-p", json.dumps({"spec": {"maxUnavailable": "33%"}}),
        )  # fmt: skip


def pdb_allows(heart: HeartCluster) -> int:
    pdb = heart.get("get", "pdb", "heart-display")
    return int(pdb.get("status", {}).get("disruptionsAllowed", 0))


def mark(recorder: ClusterRecorder, edge: str) -> None:
    recorder.emit(Record(time.time(), WINDOW, "fault", {"window": "fault", "edge": edge}))


class Boom(RuntimeError):
    """A failure in the middle of a drain."""


@pytest.mark.usefixtures("leaves_zone_whole")
def test_an_exception_mid_drain_still_uncordons(heart: HeartCluster) -> None:
    seen: list[Record] = []
    undo = UndoRecorder(UndoLedger(), scope_of("local", heart.info.name))

    def emit(record: Record) -> None:
        seen.append(record)
        if record.data["phase"] == "landed":
            assert cordoned(heart) == ZONE_NODES  # really drained at this point
            assert [e.args["zone"] for e in undo.ledger.pending()] == [ZONE]
            raise Boom("the harness failed after the first eviction")

    with connect(heart.info) as api, pytest.raises(Boom):
        drain_zone(api, ZONE, settings=ONLY_HEART, emit=emit, undo=undo)
    assert [r.data["phase"] for r in seen] == ["start", "landed", "end", "uncordon"]
    assert undo.ledger.pending() == [], "uncordoned, so nothing is left to recover"
    assert seen[2].data["completed"] is False
    assert "Boom" in seen[2].data["reason"]


@pytest.mark.usefixtures("leaves_zone_whole")
def test_sigterm_during_a_plain_chaos_run_still_uncordons(
    heart: HeartCluster, tmp_path: Path
) -> None:
    records = tmp_path / "fault-records.jsonl"
    argv, env = plain_drain_run(heart, tmp_path, records)
    with subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True) as run:
        try:
            drained = wait_until(
                lambda: bool(faults(read_fault_records(records), "end")), timeout=90, interval=0.2
            )
            assert drained, "the drain did not complete"
            assert cordoned(heart) == ZONE_NODES  # holding the zone drained
            run.send_signal(signal.SIGTERM)
            output, _ = run.communicate(timeout=90)
        finally:
            if run.poll() is None:
                run.kill()
    phases = [r.data["phase"] for r in read_fault_records(records)]
    assert phases[-1] == "uncordon", output
    journal: dict[str, Any] = json.loads((tmp_path / "journal.json").read_text())
    assert [r["activity"]["name"] for r in journal["rollbacks"]] == ["uncordon-zone"]


@pytest.mark.usefixtures("leaves_zone_whole")
def test_sigkill_mid_drain_leaves_the_uncordon_to_chaosgate_recover(
    heart: HeartCluster, tmp_path: Path, undo_ledger: Path
) -> None:
    """No handler runs after SIGKILL: only the undo ledger knows the zone is cordoned."""
    scope = scope_of("local", heart.info.name)
    records = tmp_path / "fault-records.jsonl"
    argv, env = plain_drain_run(heart, tmp_path, records, CHAOSGATE_UNDO_SCOPE=scope)
    with subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL) as run:
        try:
            drained = wait_until(
                lambda: bool(faults(read_fault_records(records), "end")), timeout=90, interval=0.2
            )
            assert drained, "the drain did not complete"
            run.kill()
            run.wait(timeout=30)
        finally:
            if run.poll() is None:
                run.kill()
    assert cordoned(heart) == ZONE_NODES, "SIGKILL left the zone cordoned (what recover is for)"
    [entry] = UndoLedger(undo_ledger).pending(scope)
    assert entry.args["zone"] == ZONE
    with pytest.raises(UnsafeTarget, match="chaosgate recover --provider local"):
        refuse_unfinished_business("local", heart.info.name)

    recover = [str(Path(sys.executable).parent / "chaosgate"), "recover", "--provider", "local"]
    recover += ["--cluster-name", heart.info.name]
    first = run_command(recover, env)
    assert first.returncode == 0, first.stderr
    assert f"undone: zone {ZONE}" in first.stdout
    assert "uncordoned kwok-zone-a-1, kwok-zone-a-2" in first.stdout
    assert cordoned(heart) == []
    again = run_command(recover, env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("nothing to undo"), again.stdout
    refuse_unfinished_business("local", heart.info.name)  # the next run may start


def run_command(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it; its exit code is for the caller to judge."""
    return subprocess.run(argv, check=False, env=env, capture_output=True, text=True, timeout=120)


def plain_drain_run(
    heart: HeartCluster, tmp_path: Path, records: Path, **extra: str
) -> tuple[list[str], dict[str, str]]:
    """`chaos run chaos/az_drain.kube.json` as a user runs it, holding the zone 120 s
    (far longer than a test waits); its argv and environment."""
    env = {
        **os.environ,
        "CHAOSGATE_KUBECONFIG": str(heart.info.kubeconfig),
        "CHAOSGATE_ALLOW_CONTEXT": current_context(heart.info.kubeconfig),
        "CHAOSGATE_ZONE": ZONE,
        "CHAOSGATE_DRAIN_NAMESPACES": NAMESPACE,
        "CHAOSGATE_HOLD_SECONDS": "120",
        "CHAOSGATE_FAULT_RECORDS": str(records),
        **extra,
    }
    argv = [
        str(Path(sys.executable).parent / "chaos"), "--no-version-check", "--no-log-file", "run",
        "--journal-path", str(tmp_path / "journal.json"), "--rollback-strategy", "always",
        str(REPO / "chaos" / "az_drain.kube.json"),
    ]  # fmt: skip
    return argv, env

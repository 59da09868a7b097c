"""Dry runs of every experiment through the runner, against real heart-display and Redis
processes: probes really run, actions only say what they would do, nothing is touched.
Also the runner's replay of rollbacks that chaoslib did not get to play."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.chaos.runner import load_experiment, replay_missing_rollbacks, run_chaos
from chaosgate.fault_records import read_fault_records
from chaosgate.stack.http_probe import redis_answers
from chaosgate.timeline import FAULT
from helpers.process_stack import ProcessStack

CHAOS_DIR = Path(__file__).resolve().parents[2] / "chaos"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessStack]:
    with ProcessStack(tmp_path_factory.mktemp("stack"), replicas=2) as running:
        yield running


def configuration(stack: ProcessStack) -> dict[str, str]:
    return {
        "redis_container": "cg-dry-redis",
        "redis_addr": stack.redis_addr,
        "heart_urls": ",".join(stack.endpoints),
        "target_container": "cg-dry-heart-0",
        "target_url": stack.endpoints[0],
    }


@pytest.mark.parametrize("name", ["breaker.stack", "pod_kill.stack", "oom.stack"])
def test_dry_run_reports_and_touches_nothing(
    name: str, stack: ProcessStack, tmp_path: Path
) -> None:
    faults_file = tmp_path / "fault-records.jsonl"
    journal = run_chaos(
        CHAOS_DIR / f"{name}.json",
        journal_path=tmp_path / "journal.json",
        overrides={**configuration(stack), "fault_records": str(faults_file)},
        dry_run=True,
    )
    assert journal["status"] == "completed"
    assert not journal["deviated"]  # the steady-state probes ran for real, before and after
    assert (tmp_path / "journal.json").is_file()

    actions = [run for run in journal["run"] if run["activity"]["type"] == "action"]
    assert actions, "the method has actions"
    for run in actions:
        assert run["output"]["dry_run"] is True
        assert run["output"]["would"]
    faults = [r for r in read_fault_records(faults_file) if r.kind == FAULT]
    assert faults and all(r.data["dry_run"] for r in faults)
    assert not [r for r in faults if r.data["phase"] == "landed"]
    assert redis_answers(stack.redis_addr)  # the outage was not real


def test_rollbacks_without_a_successful_run_are_replayed(
    stack: ProcessStack, tmp_path: Path
) -> None:
    experiment = load_experiment(CHAOS_DIR / "oom.stack.json")
    config = configuration(stack)
    faults_file = tmp_path / "fault-records.jsonl"
    config = {**config, "fault_records": str(faults_file)}

    # chaoslib never returned a journal (interrupted before it could): replay them all.
    runs = replay_missing_rollbacks(experiment, None, config)
    assert [(r["activity"]["name"], r["status"]) for r in runs] == [
        ("release-held-memory", "succeeded")
    ]
    assert runs[0]["output"]["status"] == 200  # a real POST /chaos/release
    # release_memory undoes no fault of its own: it records none.
    assert read_fault_records(faults_file) == []

    # A rollback chaoslib already played is not played twice.
    journal = {"rollbacks": runs}
    assert replay_missing_rollbacks(experiment, journal, config) == []

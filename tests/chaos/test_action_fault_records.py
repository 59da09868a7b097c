"""The FAULT records a stack action writes about itself, read with the verdicts' own parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.chaos import stack_actions
from chaosgate.chaos.stack_actions import RefusedTarget, recorded_fault
from chaosgate.fault_records import read_fault_records
from chaosgate.timeline import FAULT
from chaosgate.verdicts.records import FaultMark, fault_mark


def configuration(tmp_path: Path, dry_run: str = "0") -> dict[str, str]:
    return {"fault_records": str(tmp_path / "faults.jsonl"), "dry_run": dry_run}


def marks(tmp_path: Path) -> list[FaultMark]:
    records = read_fault_records(tmp_path / "faults.jsonl")
    assert all(r.kind == FAULT and r.name == "chaos" for r in records)
    return [fault_mark(r) for r in records]


def test_a_kill_is_start_landed_at_the_engines_time_end_on_the_pod(tmp_path: Path) -> None:
    with recorded_fault(configuration(tmp_path), "pod_kill", "heart-display-0") as result:
        # What kill_container fills in: its own name and the container's, which the
        # records must not take over.
        result.update(action="kill_container", target="cg-1-heart-0", landed=True)
        result.update(landed_at=100.5, evidence="terminated")
    found = marks(tmp_path)
    assert [(m.action, m.phase) for m in found] == [
        ("pod_kill", "start"),
        ("pod_kill", "landed"),
        ("pod_kill", "end"),
    ]
    assert found[1].t == 100.5  # the engine's time of the kill, not the recorder's
    assert {m.targets for m in found} == {("heart-display-0",)}
    assert found[1].data["evidence"] == "terminated"
    assert found[2].data["landed"] is True
    assert not any(m.data["dry_run"] for m in found)  # "0" from the environment means no


def test_a_fault_that_did_not_land_has_no_landed_record(tmp_path: Path) -> None:
    with recorded_fault(configuration(tmp_path), "oom_kill", "heart-display-1") as result:
        result.update(landed=False, landed_at=None)
    found = marks(tmp_path)
    assert [m.phase for m in found] == ["start", "end"]
    assert found[1].data["landed"] is False


def test_a_refusal_is_recorded_with_its_reason_and_still_raised(tmp_path: Path) -> None:
    with (
        pytest.raises(RefusedTarget),
        recorded_fault(configuration(tmp_path), "pod_kill", "someone-elses"),
    ):
        raise RefusedTarget("Refusing to touch container someone-elses")
    phases = {m.phase: m for m in marks(tmp_path)}
    assert set(phases) == {"start", "refused", "end"}
    assert "Refusing" in phases["refused"].data["reason"]
    assert phases["end"].data["landed"] is False


def test_an_outage_starts_at_the_stop_and_ends_at_the_start(tmp_path: Path) -> None:
    config = configuration(tmp_path)
    with recorded_fault(config, "redis_outage", "redis", ends=False) as stopped:
        stopped.update(landed=True, landed_at=200.0)
    with recorded_fault(config, "redis_outage", "redis", starts=False):
        pass
    assert [(m.action, m.phase) for m in marks(tmp_path)] == [
        ("redis_outage", "start"),
        ("redis_outage", "landed"),
        ("redis_outage", "end"),
    ]


def test_a_dry_run_records_that_it_was_one_and_lands_nothing(tmp_path: Path) -> None:
    answer = stack_actions.kill_container(
        "cg-1-heart-0", configuration=configuration(tmp_path, "1")
    )
    assert answer["dry_run"] is True
    found = marks(tmp_path)
    assert [m.phase for m in found] == ["start", "end"]
    assert all(m.data["dry_run"] for m in found)
    assert {m.targets for m in found} == {("cg-1-heart-0",)}  # nothing inspected in a dry run


def test_without_a_records_file_the_records_are_only_logged(tmp_path: Path) -> None:
    with recorded_fault({"dry_run": "0"}, "pod_kill", "heart-display-0") as result:
        result.update(landed=True, landed_at=1.0)
    assert list(tmp_path.iterdir()) == []

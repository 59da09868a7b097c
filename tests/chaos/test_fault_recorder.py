"""FAULT records from chaoslib's activity events, checked with the verdicts' own parser."""

from __future__ import annotations

from typing import Any

from chaosgate.chaos.fault_records import FaultRecorder
from chaosgate.timeline import FAULT, Record
from chaosgate.verdicts.records import fault_mark


def action(func: str, **arguments: str) -> dict[str, Any]:
    provider = {"type": "python", "module": "m", "func": func, "arguments": arguments}
    return {"type": "action", "name": func.replace("_", "-"), "provider": provider}


def recorder(records: list[Record]) -> FaultRecorder:
    clock = iter(float(t) for t in range(100, 200))
    rec = FaultRecorder(records.append, {"cg-1-heart-0": "heart-display-0"}, lambda: next(clock))
    rec.running({}, {}, {"target": "cg-1-heart-0", "dry_run": "0"})
    return rec


def test_a_kill_is_start_landed_end_on_the_pod_name() -> None:
    records: list[Record] = []
    rec = recorder(records)
    kill = action("kill_container", name="${target}")
    rec.start_activity(kill)
    output = {"action": "kill_container", "landed": True, "landed_at": 100.5, "evidence": "x"}
    rec.activity_completed(kill, {"status": "succeeded", "output": output})

    marks = [fault_mark(r) for r in records]
    assert all(r.kind == FAULT and r.name == "chaos" for r in records)
    assert [(m.action, m.phase, m.t) for m in marks] == [
        ("pod_kill", "start", 100.0),
        ("pod_kill", "landed", 100.5),  # the engine's time of the kill, not ours
        ("pod_kill", "end", 101.0),
    ]
    assert {m.targets for m in marks} == {("heart-display-0",)}
    assert marks[1].data["evidence"] == "x"
    assert not marks[0].data["dry_run"]  # "0" from the environment means no


def test_a_redis_outage_starts_at_stop_and_ends_at_start() -> None:
    records: list[Record] = []
    rec = recorder(records)
    stop, start = action("stop_redis", name="r"), action("start_redis", name="r")
    for activity in (stop, start):
        rec.start_activity(activity)
        rec.activity_completed(activity, {"status": "succeeded", "output": {"landed": False}})
    assert [(m.action, m.phase) for m in map(fault_mark, records)] == [
        ("redis_outage", "start"),
        ("redis_outage", "end"),
    ]


def test_a_refusal_is_recorded_with_its_reason() -> None:
    records: list[Record] = []
    rec = recorder(records)
    kill = action("kill_container", name="someone-elses")
    rec.start_activity(kill)
    failure = ["chaosgate.chaos.stack_actions.RefusedTarget: Refusing to touch container x"]
    rec.activity_completed(kill, {"status": "failed", "output": None, "exception": failure})
    phases = {m.phase: m for m in map(fault_mark, records)}
    assert set(phases) == {"start", "refused", "end"}
    assert "Refusing" in phases["refused"].data["reason"]
    assert phases["end"].data["landed"] is False


def test_probes_and_rollback_stage() -> None:
    records: list[Record] = []
    rec = recorder(records)
    rec.start_activity({"type": "probe", "name": "p", "provider": {"func": "all_ready"}})
    rec.start_rollbacks({})
    rec.activity_completed(action("start_redis", name="r"), {"status": "succeeded", "output": {}})
    (end,) = records
    assert (end.data["phase"], end.data["stage"]) == ("end", "rollback")


def test_actions_that_record_their_own_faults_are_left_alone() -> None:
    records: list[Record] = []
    rec = recorder(records)
    kill = action("kill_pod", name="heart-display-0")
    kill["provider"]["module"] = "chaosgate.chaos.kube_actions"
    rec.start_activity(kill)
    output = {"action": "pod_kill", "landed": True, "landed_at": 100.5}
    rec.activity_completed(kill, {"status": "succeeded", "output": output})
    assert records == []


def test_an_unknown_action_is_marked_under_its_function_name() -> None:
    records: list[Record] = []
    rec = recorder(records)
    terminate = action("terminate_pods", name="heart-display-0")
    rec.start_activity(terminate)
    rec.activity_completed(terminate, {"status": "succeeded", "output": ["heart-display-0"]})
    marks = [fault_mark(r) for r in records]
    assert [(m.action, m.phase) for m in marks] == [
        ("terminate_pods", "start"),
        ("terminate_pods", "end"),
    ]

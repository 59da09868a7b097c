"""The record contract: strict readers, so a producer's bug is an ERROR and not a pass."""

from __future__ import annotations

from typing import Any

import pytest

from chaosgate.timeline import FAULT, LOAD, METRICS, POD, Record
from chaosgate.verdicts.records import (
    MalformedRecord,
    PodData,
    belongs_to_statefulset,
    breaker_sample,
    fault_mark,
    latest_per_name,
    load_sample,
    pod_sample,
)

from .builders import pod


@pytest.mark.parametrize(
    ("name", "belongs"),
    [
        ("heart-display-0", True),
        ("heart-display-12", True),
        ("heart-display-redis-0", False),  # another StatefulSet with a longer name
        ("heart-display-", False),
        ("heart-display-0-x", False),
        ("heart-displayx-0", False),
    ],
)
def test_statefulset_pods_are_named_by_ordinal(name: str, belongs: bool) -> None:
    assert belongs_to_statefulset(name, "heart-display") is belongs


def test_pod_record_parses_from_the_documented_shape() -> None:
    data: PodData = {
        "uid": "u1",
        "phase": "Running",
        "ready": True,
        "deleted": False,
        "restartCount": 2,
        "lastTerminationReason": "OOMKilled",
    }
    sample = pod_sample(Record(5.0, POD, "heart-display-0", data))
    assert (sample.restart_count, sample.last_termination_reason) == (2, "OOMKilled")
    assert (sample.zone, sample.node) == (None, None)  # optional fields
    assert sample.running


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"restartCount": True}, "'restartCount' must be an integer, got True"),
        ({"restartCount": 1.0}, "'restartCount' must be an integer, got 1.0"),
        ({"ready": "true"}, "'ready' must be true or false, got 'true'"),
        ({"zone": 3}, "'zone' must be a string, got 3"),
    ],
)
def test_pod_record_with_a_wrong_type_is_malformed(change: dict[str, Any], error: str) -> None:
    record = pod(0)
    with pytest.raises(MalformedRecord, match=error):
        pod_sample(Record(record.t, POD, record.name, {**record.data, **change}))


def test_missing_field_names_the_record_and_the_field() -> None:
    with pytest.raises(MalformedRecord, match=r"pod record 'p-0' at t=3.0 lacks 'uid'"):
        pod_sample(Record(3.0, POD, "p-0", {"phase": "Running"}))


@pytest.mark.parametrize(
    ("extra", "degraded"),
    [
        ({}, None),
        ({"degraded": 40}, 40),
        ({"degraded_ratio": 0.25}, 25),  # accepted instead of a count
    ],
)
def test_load_degraded_count(extra: dict[str, Any], degraded: int | None) -> None:
    data = {"requests": 100, "failures": 0, "p50_ms": 1, "p95_ms": 2, "p99_ms": None, **extra}
    sample = load_sample(Record(0.0, LOAD, "locust", data))
    assert sample.degraded == degraded
    assert (sample.p95_ms, sample.p99_ms) == (2.0, None)


@pytest.mark.parametrize(
    ("target", "targets"),
    [(None, ()), ("p-1", ("p-1",)), (["p-1", "p-2"], ("p-1", "p-2"))],
)
def test_fault_target_is_one_name_or_a_list(target: Any, targets: tuple[str, ...]) -> None:
    data = {"action": "pod_kill", "phase": "start"}
    if target is not None:
        data["target"] = target
    assert fault_mark(Record(0.0, FAULT, "chaos", data)).targets == targets


def test_fault_target_of_another_type_is_malformed() -> None:
    record = Record(0.0, FAULT, "chaos", {"action": "pod_kill", "phase": "start", "target": 3})
    with pytest.raises(MalformedRecord, match="'target' must be a string or a list of strings"):
        fault_mark(record)


def test_breaker_transitions_are_read_by_from_to() -> None:
    data = {"breaker_state": 1, "breaker_transitions": {"closed->open": 2}}
    sample = breaker_sample(Record(0.0, METRICS, "heart-display-0", data))
    assert (sample.state_name, sample.transitions) == ("open", {"closed->open": 2.0})


def test_latest_state_of_each_pod_at_a_moment() -> None:
    samples = [pod_sample(r) for r in (pod(0, "a"), pod(5, "b"), pod(10, "a", uid="u2"))]
    latest = latest_per_name(samples, at=10.0 + 1_700_000_000)
    assert {name: s.uid for name, s in latest.items()} == {"a": "u2", "b": "uid-1"}
    earlier = latest_per_name(samples, at=9.0 + 1_700_000_000)
    assert earlier["a"].uid == "uid-1"

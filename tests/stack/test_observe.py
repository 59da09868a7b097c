"""The observer: restart counting and termination reasons (pure), and one sample of a real
heart-display process whose container states come from captured `docker inspect` output.

Records are checked with the verdicts' own record parsers, so a shape that breaks
the contract in chaosgate.verdicts.records fails here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from chaosgate.stack.docker_cli import ContainerState, parse_inspect
from chaosgate.stack.observe import (
    Observer,
    PodTarget,
    carried_restarts,
    new_termination,
    termination_reason,
)
from chaosgate.timeline import METRICS, POD, PROBE, Record
from chaosgate.verdicts.records import breaker_sample, pod_sample, probe_ready
from helpers.process_stack import ProcessStack

DATA = Path(__file__).parent / "data"
RUNNING = parse_inspect(json.loads((DATA / "inspect_running.json").read_text())[0])
T0 = RUNNING.started_at or 0.0


def later(state: ContainerState, **changes: Any) -> ContainerState:
    return dataclasses.replace(state, **changes)


KILLED_RESTARTING = later(RUNNING, status="restarting", restart_count=1, finished_at=T0 + 10)
KILLED_BACK = later(KILLED_RESTARTING, status="running", started_at=T0 + 10.4)
STARTED_BY_HAND = later(KILLED_BACK, restart_count=0, started_at=T0 + 20, finished_at=T0 + 19)


@pytest.mark.parametrize(
    ("previous", "current", "carried", "expected"),
    [
        (None, RUNNING, 0, 0),
        (RUNNING, RUNNING, 0, 0),
        # The engine counts its restart while the container is still "restarting"...
        (RUNNING, KILLED_RESTARTING, 0, 0),
        # ...and the new StartedAt that follows is that same restart, not a second one.
        (KILLED_RESTARTING, KILLED_BACK, 0, 0),
        # `docker start` resets RestartCount to 0: one restart, and the old 1 is carried.
        (KILLED_BACK, STARTED_BY_HAND, 0, 2),
        (STARTED_BY_HAND, STARTED_BY_HAND, 2, 2),
    ],
)
def test_carried_restarts(
    previous: ContainerState | None, current: ContainerState, carried: int, expected: int
) -> None:
    assert carried_restarts(previous, current, carried) == expected


def test_restart_count_over_a_kill_then_a_start_by_hand() -> None:
    carried, counts, previous = 0, [], None
    for state in (RUNNING, KILLED_RESTARTING, KILLED_BACK, STARTED_BY_HAND):
        carried = carried_restarts(previous, state, carried)
        counts.append(carried + state.restart_count)
        previous = state
    assert counts == [0, 1, 1, 2]


@pytest.mark.parametrize(
    ("oom", "code", "reason"),
    [
        (True, 137, "OOMKilled"),
        (False, 137, "Error"),
        (False, 0, "Completed"),
        (False, None, "Error"),
    ],
)
def test_termination_reason(oom: bool, code: int | None, reason: str) -> None:
    assert termination_reason(oom, code) == reason


def test_new_termination_needs_a_moved_finish_time() -> None:
    assert not new_termination(None, KILLED_BACK)
    assert not new_termination(RUNNING, RUNNING)
    assert new_termination(RUNNING, KILLED_RESTARTING)
    assert not new_termination(KILLED_RESTARTING, KILLED_BACK)


class ScriptedEngine:
    """Answers inspect calls from a list of states, one per call (the last one repeats)."""

    def __init__(self, container: str, states: list[ContainerState]) -> None:
        self.container = container
        self.states = states
        self.exit_code_queries: list[tuple[str, float, float]] = []

    def inspect(self, names: list[str]) -> Mapping[str, ContainerState]:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {self.container: state}

    def exit_code(self, container_id: str, since: float, until: float) -> int | None:
        self.exit_code_queries.append((container_id, since, until))
        return 137


@pytest.fixture
def heart(tmp_path: Path) -> Iterator[str]:
    with ProcessStack(tmp_path, replicas=1, with_redis=False) as stack:
        yield stack.endpoints[0]


def test_samples_of_a_real_replica_follow_the_record_contract(heart: str) -> None:
    engine = ScriptedEngine("cg-test-heart-0", [RUNNING, KILLED_BACK, KILLED_BACK])
    records: list[Record] = []
    clock = iter(float(t) for t in range(1000, 2000))
    observer = Observer(
        [PodTarget("cg-test-heart-0", "heart-display-0", heart)],
        records.append,
        inspect=engine.inspect,
        exit_code_lookup=engine.exit_code,
        wall_clock=lambda: next(clock),
    )
    for _ in range(3):
        observer.sample_once()

    metrics = [breaker_sample(r) for r in records if r.kind == METRICS]
    assert [m.state for m in metrics] == [0, 0, 0]
    assert all(r.name == "cg-test-heart-0" for r in records if r.kind == METRICS)
    probes = [probe_ready(r) for r in records if r.kind == PROBE]
    assert [(p.ready, p.desired) for p in probes] == [(1, 1)] * 3

    # POD records only when something changed: the first sample, then the restart.
    pods = [r for r in records if r.kind == POD]
    assert [pod_sample(r).restart_count for r in pods] == [0, 1]
    restarted = pods[1].data
    assert restarted["lastTerminationReason"] == "Error"
    assert restarted["lastExitCode"] == 137  # asked of the engine's events: it was running
    assert restarted["lastTerminatedAt"] == KILLED_BACK.finished_at
    assert engine.exit_code_queries[0][0] == RUNNING.id


def test_an_oom_kill_needs_no_event_lookup(heart: str) -> None:
    oom_back = later(KILLED_BACK, oom_killed=True)
    engine = ScriptedEngine("cg-test-heart-0", [RUNNING, oom_back])
    records: list[Record] = []
    observer = Observer(
        [PodTarget("cg-test-heart-0", "heart-display-0", heart)],
        records.append,
        inspect=engine.inspect,
        exit_code_lookup=engine.exit_code,
    )
    observer.sample_once()
    observer.sample_once()
    last = [r for r in records if r.kind == POD][-1]
    assert pod_sample(last).last_termination_reason == "OOMKilled"
    assert last.data["lastExitCode"] == 137
    assert engine.exit_code_queries == []


def test_a_container_that_disappears_is_a_deleted_pod(heart: str) -> None:
    states: list[Mapping[str, ContainerState]] = [{"c": RUNNING}, {}]
    records: list[Record] = []
    observer = Observer(
        [PodTarget("c", "heart-display-0", heart)],
        records.append,
        inspect=lambda names: states.pop(0) if len(states) > 1 else states[0],
    )
    observer.sample_once()
    observer.sample_once()
    observer.sample_once()
    pods = [pod_sample(r) for r in records if r.kind == POD]
    assert [(p.deleted, p.ready) for p in pods] == [(False, True), (True, False)]

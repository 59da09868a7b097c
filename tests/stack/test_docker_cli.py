"""What we read from the engine, on `docker inspect` and `docker events` output captured
from Docker 20.10 here (a running replica; one restarted after a cgroup OOM kill)."""

from __future__ import annotations

import json
from pathlib import Path

from chaosgate.stack.docker_cli import die_exit_code, docker_time, parse_inspect

DATA = Path(__file__).parent / "data"


def inspect_data(name: str) -> dict[str, object]:
    return dict(json.loads((DATA / name).read_text())[0])


def test_running_container() -> None:
    state = parse_inspect(inspect_data("inspect_running.json"))
    assert state.running
    assert state.managed
    assert state.pid > 0
    assert state.finished_at is None  # "0001-01-01T00:00:00Z" means never
    assert state.started_at is not None
    assert (state.restart_count, state.oom_killed) == (0, False)


def test_container_restarted_after_an_oom_kill() -> None:
    state = parse_inspect(inspect_data("inspect_oom_restarted.json"))
    # The engine restarted it: running again, OOMKilled kept, ExitCode reset to 0.
    assert state.running and state.oom_killed
    assert state.exit_code == 0
    assert state.restart_count == 1
    assert state.memory_limit == 64 * 1024 * 1024
    assert state.finished_at is not None and state.started_at is not None
    assert 0 < state.started_at - state.finished_at < 5


def test_docker_time_keeps_sub_second_precision() -> None:
    assert docker_time("2026-11-22T15:43:03.582406645Z") == 1795362183.582406
    assert docker_time("0001-01-01T00:00:00Z") is None
    assert docker_time("") is None


def test_exit_code_comes_from_the_die_event() -> None:
    lines = (DATA / "event_die_oom.jsonl").read_text().splitlines()
    assert die_exit_code(lines) == 137
    assert die_exit_code([]) is None

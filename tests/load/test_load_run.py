"""Real locust, in its subprocess, against real heart-display processes (no containers).

Without Redis every beat is a degraded 200: a success that must be tallied as
degraded. The per-second records must add up to locust's own final totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.load.locust_summary import requests_by_name
from chaosgate.load.run import LoadConfig, LoadRun
from chaosgate.stack.processes import ProcessStack
from chaosgate.waiting import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def degraded_hearts(tmp_path: Path) -> Iterator[list[str]]:
    # Redis is configured but never started: every Redis call fails, answers are degraded.
    with ProcessStack(tmp_path / "stack", replicas=2, with_redis=False) as stack:
        yield stack.endpoints


def test_degraded_answers_are_successes_counted_as_degraded(
    degraded_hearts: list[str], tmp_path: Path
) -> None:
    config = LoadConfig(targets=tuple(degraded_hearts), work_dir=tmp_path / "load", users=4)
    with LoadRun(config) as load:
        load.wait_for_traffic(timeout=30)
        assert wait_until(lambda: len(load.records()) >= 3, timeout=10, interval=0.2)
    assert load.exit_code == 0

    records = load.records()
    totals = load.totals()
    assert totals is not None and totals.requests > 0
    assert sum(r.data["requests"] for r in records) == totals.requests  # nothing lost
    assert sum(r.data["failures"] for r in records) == totals.failures == 0
    assert all(r.data["degraded_ratio"] == 1.0 for r in records)
    names = set(requests_by_name(load.summary_json))
    assert names == {"text (degraded)", "json (degraded)", "svg (degraded)"}
    assert Path(f"{load.csv_prefix}_stats_history.csv").is_file()


def test_a_shape_drives_the_user_count(degraded_hearts: list[str], tmp_path: Path) -> None:
    config = LoadConfig(
        targets=tuple(degraded_hearts),
        work_dir=tmp_path / "load",
        users=2,
        peak_users=6,
        shape="step",
        shape_duration_s=4,
        spawn_rate=20,
    )
    with LoadRun(config) as load:
        load.wait_for_traffic(timeout=30)
        # The shape ends the run by itself after its 4 s.
        assert wait_until(lambda: not load.running(), timeout=20, interval=0.2)
    users = [r.data["users"] for r in load.records()]
    assert max(users) == 6
    assert users[0] < 6

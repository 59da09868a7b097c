"""Per-second statistics: bucketing, percentiles, and the LOAD records made from real runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.load.seconds import SecondStats, load_record, percentile, read_load_records
from chaosgate.timeline import LOAD
from chaosgate.verdicts.records import load_sample

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, 0.0),
        ([7.0], 0.99, 7.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.0),
        ([float(v) for v in range(1, 101)], 0.95, 95.0),
        ([float(v) for v in range(1, 101)], 0.99, 99.0),
        ([float(v) for v in range(1, 11)], 0.99, 10.0),
    ],
)
def test_nearest_rank_percentile(values: list[float], fraction: float, expected: float) -> None:
    assert percentile(values, fraction) == expected


def test_requests_land_in_the_second_they_completed() -> None:
    stats = SecondStats()
    stats.add(100.2, 5.0, failed=False, degraded=False)
    stats.add(100.9, 7.0, failed=False, degraded=True)
    stats.add(101.1, 1.0, failed=True, degraded=False)
    stats.add(101.5, 2.0, failed=True, degraded=True)  # a failure is never "degraded"

    (first,) = stats.pop_finished(now=101.6)
    assert first.summary(users=4) == {
        "second": 100,
        "rps": 2.0,
        "requests": 2,
        "failures": 0,
        "fail_ratio": 0.0,
        "degraded": 1,
        "degraded_ratio": 0.5,
        "p50_ms": 5.0,
        "p95_ms": 7.0,
        "p99_ms": 7.0,
        "max_ms": 7.0,
        "users": 4,
    }
    assert stats.pop_finished(now=101.9) == []  # second 101 is not over yet
    (last,) = stats.pop_all()
    assert (last.second, last.failures, last.degraded) == (101, 2, 0)


def test_a_record_covers_the_second_before_its_timestamp() -> None:
    record = load_record({"second": 100, "requests": 3, "failures": 0})
    assert (record.t, record.kind, record.name) == (101.0, LOAD, "locust")


def test_records_of_a_real_pod_kill_run_parse_as_the_verdicts_read_them() -> None:
    records = read_load_records(DATA / "pod_kill_seconds.jsonl")
    samples = [load_sample(r) for r in records]
    assert len(samples) == 28
    assert sum(s.requests for s in samples) == 2517  # locust's own total for that run
    assert sum(s.failures for s in samples) == 9
    assert all(s.p99_ms is not None and s.p99_ms >= (s.p50_ms or 0) for s in samples)


def test_records_of_a_real_redis_outage_count_degraded_answers() -> None:
    samples = [load_sample(r) for r in read_load_records(DATA / "redis_outage_seconds.jsonl")]
    assert sum(s.failures for s in samples) == 0
    assert max((s.degraded or 0) / s.requests for s in samples) == 1.0


def test_a_half_written_last_line_is_left_for_later(tmp_path: Path) -> None:
    path = tmp_path / "seconds.jsonl"
    path.write_text('{"second": 1, "requests": 1, "failures": 0}\n{"second": 2, "requ')
    assert [r.data["second"] for r in read_load_records(path)] == [1]
    assert read_load_records(tmp_path / "absent.jsonl") == []

"""The Redis outage on real pods is a CLIENT PAUSE: checked against a real redis-server.

The port-forward in front of it (kubectl, a kind cluster) is exercised by the
breaker scenario on kind; here the pause itself is on a redis-server on loopback.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaosgate.kube.pod_faults import FaultResult
from chaosgate.kube.redis_outage import (
    Outage,
    OutagePlan,
    RedisOutageError,
    answers_ping,
    resp,
)
from chaosgate.timeline import Record
from helpers.process_stack import ProcessStack


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    with ProcessStack(tmp_path, replicas=0) as stack:
        yield int(stack.redis_addr.rsplit(":", 1)[1])


def outage(port: int, seconds: float, records: list[Record]) -> tuple[Outage, FaultResult]:
    result = FaultResult("redis_outage", "heart-redis")
    plan = OutagePlan(seconds, silence_probe_s=0.3, back_timeout_s=10)
    return Outage(port, plan, result, records.append, time.time, {"target": "heart-redis"}), result


def test_commands_are_arrays_of_bulk_strings() -> None:
    assert resp("CLIENT", "PAUSE", "1500", "ALL") == (
        b"*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$4\r\n1500\r\n$3\r\nALL\r\n"
    )


def test_a_pause_silences_redis_for_its_length_then_it_answers(redis_port: int) -> None:
    records: list[Record] = []
    pause, result = outage(redis_port, 1.5, records)
    began = time.monotonic()
    pause.pause()
    assert result.landed and result.evidence == "unanswered"
    pause.wait_answering()
    assert time.monotonic() - began >= 1.0  # Redis answered nobody while paused
    assert answers_ping(redis_port, timeout=1.0)
    assert [r.data["phase"] for r in records] == ["landed", "end"]
    assert records[-1].data["answering"] is True


def test_a_refused_pause_is_an_error_and_nothing_landed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def refuse() -> None:
            conn, _ = server.accept()
            with conn:
                conn.recv(512)
                conn.sendall(b"-ERR unknown command 'CLIENT'\r\n")

        threading.Thread(target=refuse, daemon=True).start()
        records: list[Record] = []
        pause, result = outage(server.getsockname()[1], 1.0, records)
        with pytest.raises(RedisOutageError, match="refused CLIENT PAUSE"):
            pause.pause()
    assert not result.landed and records == []

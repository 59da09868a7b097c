"""Real locust, in its subprocess, against real heart-display processes (no containers).

Without Redis every beat is a degraded 200: a success that must be tallied as
degraded. The per-second records must add up to locust's own final totals.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chaosgate.load.locust_summary import requests_by_name
from chaosgate.load.run import LoadConfig, LoadRun
from chaosgate.waiting import wait_until
from helpers.process_stack import ProcessStack

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


class ConnectionCounter(ThreadingHTTPServer):
    """Answers every GET like heart-display's text view; counts the TCP connections it got."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self.lock = threading.Lock()
        counter = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive unless the client says close

            def setup(self) -> None:
                super().setup()
                with counter.lock:
                    counter.connections += 1

            def do_GET(self) -> None:
                with counter.lock:
                    counter.requests += 1
                accept = self.headers.get("Accept", "text/plain")
                body = b"<3\n"
                self.send_response(200)
                self.send_header("Content-Type", accept)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.mark.parametrize("fresh", [False, True], ids=["keep-alive", "fresh"])
def test_fresh_connections_open_one_connection_per_request(tmp_path: Path, fresh: bool) -> None:
    server = ConnectionCounter()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    config = LoadConfig(
        targets=(url,), work_dir=tmp_path / "load", users=2, fresh_connections=fresh
    )
    try:
        with LoadRun(config) as load:
            load.wait_for_traffic(timeout=30)
            assert wait_until(lambda: server.requests >= 40, timeout=20, interval=0.2)
    finally:
        server.shutdown()
        server.server_close()
    if fresh:  # a connection for every request (the last few may be in flight)
        assert server.connections >= server.requests - 2
    else:  # one per user, plus a reconnect or two at most
        assert server.connections <= 4 < server.requests

"""A Prometheus that cannot answer is a note for the report on every backend, not a crash."""

from __future__ import annotations

import socket

from chaosgate.prometheus.api import PrometheusApi
from chaosgate.prometheus.evaluate import answers_or_note
from chaosgate.timeline import WINDOW, Record, Timeline


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_no_answer_is_no_records_and_a_note_naming_prometheus() -> None:
    timeline = Timeline(
        [
            Record(100.0, WINDOW, "baseline", {"window": "baseline", "edge": "start"}),
            Record(110.0, WINDOW, "baseline", {"window": "baseline", "edge": "end"}),
        ]
    )
    api = PrometheusApi(f"http://127.0.0.1:{closed_port()}")
    records, note = answers_or_note(api, timeline, lambda: 120.0, lead_s=5.0)
    assert records == []
    assert note is not None and note.startswith("Prometheus could not be asked the SLO queries")

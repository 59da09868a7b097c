"""Locust's own final totals, from the --json-file it wrote in a real pod-kill run."""

from __future__ import annotations

from pathlib import Path

from chaosgate.load.locust_summary import Totals, final_totals, requests_by_name

DATA = Path(__file__).parent / "data"


def test_totals_of_a_real_run() -> None:
    summary = DATA / "pod_kill_locust.json"
    assert final_totals(summary) == Totals(requests=2517, failures=9)
    assert requests_by_name(summary) == {
        "text": Totals(1516, 7),
        "json": Totals(740, 1),
        "svg": Totals(261, 1),
    }


def test_no_summary_is_none(tmp_path: Path) -> None:
    assert final_totals(tmp_path / "absent.json") is None
    assert requests_by_name(tmp_path / "absent.json") == {}

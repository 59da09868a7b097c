"""Locust's own final statistics (`--json-file`), read to cross-check the per-second counts.

Locust rewrites its `_stats.csv` once a second and not at shutdown, so its last
requests may be missing there; the JSON file is written at shutdown and is exact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Totals:
    requests: int
    failures: int


def requests_by_name(summary_json: Path) -> dict[str, Totals]:
    """Requests and failures per request name ("text", "text (degraded)", ...)."""
    if not summary_json.is_file():
        return {}
    entries = json.loads(summary_json.read_text())
    totals: dict[str, Totals] = {}
    for entry in entries:
        name = str(entry["name"])
        before = totals.get(name, Totals(0, 0))
        totals[name] = Totals(
            before.requests + int(entry["num_requests"]),
            before.failures + int(entry["num_failures"]),
        )
    return totals


def final_totals(summary_json: Path) -> Totals | None:
    """Requests and failures over the whole run; None when locust wrote no summary."""
    if not summary_json.is_file():
        return None
    by_name = requests_by_name(summary_json).values()
    return Totals(sum(t.requests for t in by_name), sum(t.failures for t in by_name))

"""The timeline a scenario records while it runs, and the shape of a verdict.

Everything a verdict judges is a Record in a Timeline: Kubernetes objects seen
by watches (pods, PDBs, HPAs, StatefulSets, nodes, events), scrapes of
heart-display's /metrics, per-second load statistics, and markers of the
scenario's own windows (baseline, fault, recovery) and fault actions. Verdict
functions are pure functions of a Timeline, so one function judges a kind run,
a local run and a stack-runtime run alike.

On disk a timeline is JSON lines, one Record per line, in time order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

# Record kinds. Object kinds carry the object's relevant fields in data.
POD, PDB, HPA, STATEFULSET, NODE, EVENT = "pod", "pdb", "hpa", "statefulset", "node", "event"
METRICS = "metrics"  # a /metrics scrape of one heart-display instance
LOAD = "load"  # one second of locust statistics
WINDOW = "window"  # data: {"window": "baseline"|"fault"|"recovery", "edge": "start"|"end"}
FAULT = "fault"  # data: {"action": ..., "phase": "start"|"end"|"landed", ...}
PROBE = "probe"  # a direct observation by the harness (e.g. an HTTP probe)
PROMQL = "promql"  # one PromQL SLO query over one window, evaluated by Prometheus
PROMQL_SERIES = "promql_series"  # a Prometheus range query over the scenario, for plots
# An interval a watch saw nothing (it failed, then relisted); name: the watch,
# t: when it was whole again, data: {"from": t0, "gap_s": ..., "reason": ...}.
GAP = "gap"


@dataclass(frozen=True)
class Record:
    """One timestamped observation. t is seconds on the wall clock (UNIX time)."""

    t: float
    kind: str
    name: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"t": self.t, "kind": self.kind, "name": self.name, "data": self.data})

    @classmethod
    def from_json(cls, line: str) -> Record:
        raw = json.loads(line)
        return cls(float(raw["t"]), str(raw["kind"]), str(raw["name"]), raw.get("data") or {})


@dataclass(frozen=True)
class Window:
    name: str
    start: float
    end: float

    def contains(self, t: float) -> bool:
        return self.start <= t <= self.end

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Timeline:
    """An immutable, time-ordered sequence of records with simple queries."""

    def __init__(self, records: Iterable[Record]) -> None:
        self.records: tuple[Record, ...] = tuple(sorted(records, key=lambda r: r.t))

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def of_kind(self, kind: str, name: str | None = None) -> list[Record]:
        return [r for r in self.records if r.kind == kind and (name is None or r.name == name)]

    def between(self, start: float, end: float) -> Timeline:
        return Timeline(r for r in self.records if start <= r.t <= end)

    def window(self, name: str) -> Window | None:
        """The named window, or None if it was not both opened and closed."""
        edges = {
            r.data.get("edge"): r.t for r in self.of_kind(WINDOW) if r.data.get("window") == name
        }
        if "start" in edges and "end" in edges:
            return Window(name, edges["start"], edges["end"])
        return None

    def windows(self) -> list[Window]:
        names = dict.fromkeys(str(r.data.get("window")) for r in self.of_kind(WINDOW))
        return [w for w in (self.window(n) for n in names) if w is not None]


TIMELINE_FILE = "timeline.jsonl"
JOURNAL_FILE = "journal.json"  # the Chaos Toolkit journal of the run's experiment
FAULT_RECORDS_FILE = "fault-records.jsonl"  # what the experiment's actions did, and when


class RunFiles:
    """The files every scenario run directory holds, for the results that name one."""

    run_dir: Path

    @property
    def timeline_path(self) -> Path:
        return self.run_dir / TIMELINE_FILE

    @property
    def journal_path(self) -> Path:
        return self.run_dir / JOURNAL_FILE

    @property
    def fault_records_path(self) -> Path:
        """The FAULT records the experiment's actions wrote (chaosgate.fault_records)."""
        return self.run_dir / FAULT_RECORDS_FILE

    def kept(self) -> dict[str, Path]:
        """The report's artefacts: the timeline, and the journal where an experiment ran."""
        kept = {"timeline": self.timeline_path}
        if self.journal_path.is_file():
            kept["journal"] = self.journal_path
        return kept


def write_jsonl(records: Iterable[Record], path: Path) -> None:
    with path.open("w") as out:
        for record in records:
            out.write(record.to_json() + "\n")


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    MARGINAL = "marginal"  # held, but close enough to the limit to say so
    FAIL = "fail"
    ERROR = "error"  # could not be computed (missing data): never a pass


@dataclass(frozen=True)
class Verdict:
    """The judgement of one invariant over a timeline, with its figures."""

    check: str
    outcome: Outcome
    message: str
    figures: Mapping[str, float | int | str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome in (Outcome.PASS, Outcome.MARGINAL)


def missing(check: str, what: str) -> Verdict:
    """The verdict for a check whose data is absent: an error naming what is missing."""
    return Verdict(check, Outcome.ERROR, f"cannot judge {check}: {what}")

"""Windows of a timeline, the samples that matter in them, and how to say when.

A recorder writes an object's state when it changes, so the value in force at
a window's start is the last sample *before* it: a window without its own
samples is still judged by that value. Samples exactly on a window's edge
belong to the window (Timeline.between is inclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from chaosgate.timeline import FAULT, WINDOW, Timeline, Window
from chaosgate.verdicts.judging import InsufficientData


class Timed(Protocol):
    @property
    def t(self) -> float: ...


S = TypeVar("S", bound=Timed)


def require_window(timeline: Timeline, name: str) -> Window:
    """The closed window `name`, or InsufficientData saying why it is unusable."""
    window = timeline.window(name)
    if window is not None:
        if window.end < window.start:
            raise InsufficientData(f"window {name!r} ends before it starts")
        return window
    edges = {r.data.get("edge") for r in timeline.of_kind(WINDOW) if r.data.get("window") == name}
    if "start" in edges:
        raise InsufficientData(f"window {name!r} was opened but never closed")
    raise InsufficientData(f"no {name!r} window was recorded")


def within(samples: Sequence[S], start: float, end: float) -> list[S]:
    """Samples taken from start to end, both included."""
    return [s for s in samples if start <= s.t <= end]


def in_force_and_within(samples: Sequence[S], start: float, end: float) -> list[S]:
    """The sample in force at `start` (the last one before it), then those within.

    A sample taken exactly at `start` supersedes the earlier one, which then held
    for no time inside the window and is left out.
    """
    inside = within(samples, start, end)
    if inside and inside[0].t == start:
        return inside
    before = [s for s in samples if s.t < start]
    return before[-1:] + inside


def require(samples: list[S], what: str) -> list[S]:
    """The samples, or InsufficientData naming what is missing."""
    if not samples:
        raise InsufficientData(what)
    return samples


def timestamp(t: float) -> str:
    """UNIX time as ISO 8601 UTC with milliseconds, e.g. 2024-05-01T12:00:03.250Z."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Origin:
    """The moment a verdict measures time from, e.g. the fault's start."""

    t: float
    label: str

    def since(self, t: float) -> float:
        return t - self.t

    def describe(self, t: float) -> str:
        """`t` as seconds from the origin plus the wall-clock timestamp."""
        return f"{self.since(t):+.1f} s from {self.label} ({timestamp(t)})"


def fault_origin(timeline: Timeline, window: Window) -> Origin:
    """The first fault started inside the window, else the window's own start."""
    for record in timeline.between(window.start, window.end).of_kind(FAULT):
        if record.data.get("phase") == "start":
            return Origin(record.t, f"{record.data.get('action', 'fault')} start")
    return Origin(window.start, f"{window.name} window start")

"""How a verdict is assembled: outcome order, limits, findings, and missing data.

A verdict checks several invariants; each broken one is a finding with its own
outcome and sentence. The verdict's outcome is the worst finding's, and its
message lists every finding, so a gate reader sees all that broke at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from chaosgate.timeline import Outcome, Verdict, missing
from chaosgate.verdicts.records import MalformedRecord

# A value that used more than this share of its limit is reported MARGINAL:
# it held, but a small regression would break it.
MARGINAL_SHARE = 0.8

SEVERITY = {Outcome.PASS: 0, Outcome.MARGINAL: 1, Outcome.FAIL: 2, Outcome.ERROR: 3}

Figure = float | int | str
Figures = dict[str, Figure]


def numbers_of(
    raw: Mapping[str, object], known: Iterable[str], what: str, *, non_negative: bool = False
) -> dict[str, float]:
    """A limits mapping read strictly: an unknown key or a non-number raises ValueError
    naming it, as a typo in a limit must never pass as no limit."""
    known = sorted(known)
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} keys {unknown}; known keys are {known}")
    values: dict[str, float] = {}
    kind = "a non-negative number" if non_negative else "a number"
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{what} {key} must be {kind}, got {value!r}")
        if non_negative and value < 0:
            raise ValueError(f"{what} {key} must be {kind}, got {value!r}")
        values[key] = float(value)
    return values


class InsufficientData(Exception):
    """The timeline lacks what a verdict needs; the verdict becomes an ERROR."""


def worst(outcomes: Iterable[Outcome]) -> Outcome:
    """The most severe outcome (ERROR > FAIL > MARGINAL > PASS); PASS for none."""
    return max(outcomes, key=SEVERITY.__getitem__, default=Outcome.PASS)


def limit_outcome(value: float, limit: float) -> Outcome:
    """FAIL above the limit, MARGINAL above MARGINAL_SHARE of it, else PASS."""
    if value > limit:
        return Outcome.FAIL
    if value > MARGINAL_SHARE * limit:
        return Outcome.MARGINAL
    return Outcome.PASS


def guarded(check: str, compute: Callable[[], Verdict]) -> Verdict:
    """Run a verdict; missing or malformed data becomes an ERROR naming what is missing."""
    try:
        return compute()
    except (InsufficientData, MalformedRecord) as problem:
        return missing(check, str(problem))


@dataclass
class Findings:
    """The broken invariants of one verdict, collected as it checks them."""

    check: str
    figures: Figures = field(default_factory=dict)
    problems: list[tuple[Outcome, str]] = field(default_factory=list)

    def add(self, outcome: Outcome, message: str) -> None:
        if outcome is not Outcome.PASS:
            self.problems.append((outcome, message))

    def verdict(self, held: str) -> Verdict:
        """The verdict: `held` describes success; otherwise the findings, worst first."""
        if not self.problems:
            return Verdict(self.check, Outcome.PASS, held, dict(self.figures))
        ranked = sorted(self.problems, key=lambda p: -SEVERITY[p[0]])
        message = "; ".join(f"{outcome.value.upper()}: {text}" for outcome, text in ranked)
        return Verdict(self.check, ranked[0][0], message, dict(self.figures))

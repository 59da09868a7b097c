"""One verdict for a scenario out of the verdicts of its checks."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from chaosgate.timeline import Outcome, Verdict
from chaosgate.verdicts.judging import Figure, Figures, worst


def combine(verdicts: Sequence[Verdict], check: str = "scenario") -> Verdict:
    """ERROR if any check errored, else FAIL if any failed, else MARGINAL if any, else PASS.

    No verdicts at all is an ERROR: a scenario that judged nothing proved nothing.
    Figures are every check's figures prefixed `<check>.`, plus `checks` and a count
    per outcome; the message names each check that did not pass, with its message.
    """
    if not verdicts:
        return Verdict(check, Outcome.ERROR, f"cannot judge {check}: no checks were run")
    outcome = worst(v.outcome for v in verdicts)
    figures: Figures = {"checks": len(verdicts)}
    for state in Outcome:
        figures[state.value] = sum(1 for v in verdicts if v.outcome is state)
    for verdict in verdicts:
        figures.update({f"{verdict.check}.{k}": value for k, value in verdict.figures.items()})
    return Verdict(check, outcome, _message(verdicts, outcome), figures)


def _message(verdicts: Sequence[Verdict], outcome: Outcome) -> str:
    if outcome is Outcome.PASS:
        return f"all {len(verdicts)} checks passed"
    ranked = [v for state in _SEVERE_FIRST for v in verdicts if v.outcome is state]
    lines = [f"{v.check} {v.outcome.value.upper()}: {v.message}" for v in ranked]
    passed = sum(1 for v in verdicts if v.outcome is Outcome.PASS)
    return f"{passed} of {len(verdicts)} checks passed; " + " | ".join(lines)


_SEVERE_FIRST = (Outcome.ERROR, Outcome.FAIL, Outcome.MARGINAL)


_PER_INSTANCE = re.compile(r"^(?P<figure>[^\[\]]+)\[(?P<instance>[^\[\]]+)\]$")


def per_instance(figures: Mapping[str, Figure], instance: str) -> dict[str, Figure]:
    """Figures of one replica, named `figure[instance]` so replicas do not overwrite each other."""
    return {f"{name}[{instance}]": value for name, value in figures.items()}


def aggregate_figures(figures: Mapping[str, Figure]) -> dict[str, float]:
    """`figure.max` and `figure.min` over the numeric `figure[instance]` figures.

    A gate threshold names the aggregate it bounds: `breaker_open_s.max` is the
    slowest replica's, whichever it was.
    """
    groups: dict[str, list[float]] = {}
    for name, value in figures.items():
        match = _PER_INSTANCE.match(name)
        if match and isinstance(value, int | float) and not isinstance(value, bool):
            groups.setdefault(match["figure"], []).append(float(value))
    aggregates: dict[str, float] = {}
    for figure, values in groups.items():
        aggregates[f"{figure}.max"] = max(values)
        aggregates[f"{figure}.min"] = min(values)
    return aggregates


_AGGREGATE = re.compile(r"^(?P<figure>.+)\.(max|min)$")


def instance_values(figures: Mapping[str, str], aggregate: str) -> list[str]:
    """The `figure[instance]` values behind an aggregate `figure.max` or `figure.min`, as a
    report carries them (empty for a name that is no aggregate, or has no instances)."""
    match = _AGGREGATE.match(aggregate)
    if match is None:
        return []
    return [
        value
        for name, value in figures.items()
        if (instance := _PER_INSTANCE.match(name)) and instance["figure"] == match["figure"]
    ]

"""The circuit breaker through a Redis outage: open fast, shed load gracefully, close after.

The state comes from /metrics scrapes (heart_display_breaker_state), so a
short state can fall between two scrapes. The transition counters cover that
for the open state (closed->open went up), and the half-open step may be
missed entirely: what must hold is closed before, open soon after the outage
starts, and closed at the end of recovery.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from chaosgate.timeline import FAULT, METRICS, Outcome, Timeline, Verdict, Window
from chaosgate.verdicts.combine import per_instance
from chaosgate.verdicts.judging import Findings, InsufficientData, guarded, limit_outcome
from chaosgate.verdicts.load import load_samples, summarize, worst_second
from chaosgate.verdicts.records import (
    BREAKER_CLOSED,
    BREAKER_HALF_OPEN,
    BREAKER_OPEN,
    BREAKER_STATE_NAMES,
    BreakerSample,
    breaker_sample,
    fault_mark,
    parse_all,
)
from chaosgate.verdicts.recovery import fault_landed
from chaosgate.verdicts.slo import add_comparison, latency_comparison
from chaosgate.verdicts.windows import (
    Origin,
    in_force_and_within,
    require,
    require_window,
    timestamp,
    within,
)

OPENED, HALF_OPENED = "closed->open", "open->half-open"  # breaker_transitions keys


@dataclass(frozen=True)
class BreakerLimits:
    """What the breaker's behaviour is held to; None leaves a figure unjudged."""

    open_within_s: float
    max_fail_ratio_open: float = 0.01
    max_p99_open_ms: float | None = None
    close_within_s: float | None = None


def breaker_behaved(
    timeline: Timeline,
    instance: str,
    open_within_s: float,
    *,
    outage_window: str = "fault",
    recovery_window: str = "recovery",
    max_fail_ratio_open: float = 0.01,
    max_p99_open_ms: float | None = None,
    close_within_s: float | None = None,
    baseline_window: str | None = "baseline",
    action: str = "redis_outage",
) -> Verdict:
    """Breaker of `instance`: closed → open within `open_within_s` of the outage → closed.

    While open (from opening to the end of `outage_window`) the load must fail at
    most `max_fail_ratio_open` (answers are degraded, not errors; when the load
    counts degraded answers there must be some), p99 within `max_p99_open_ms` if
    given, and per-second p95 no worse than in `baseline_window` (None skips it).
    At the end of `recovery_window` (opened when Redis is back) it must be closed.
    Figures: breaker_open_s, breaker_close_s, fail_ratio_open, degraded_ratio_open,
    p99_open_ms, requests_open, half_open_seen, sequence, latency_*.
    """
    limits = BreakerLimits(open_within_s, max_fail_ratio_open, max_p99_open_ms, close_within_s)
    check = f"breaker_behaved[{instance}]"

    def judge() -> Verdict:
        outage = require_window(timeline, outage_window)
        recovery = require_window(timeline, recovery_window)
        origin = _outage_start(timeline, action)
        samples = parse_all(timeline.of_kind(METRICS, instance), breaker_sample)
        findings = Findings(check)
        before = _state_before(findings, samples, instance, origin)
        opened = _judge_opening(
            findings, samples, before, origin, outage=outage, budget=limits.open_within_s
        )
        if opened is not None:
            _judge_shedding(findings, timeline, opened, outage, limits=limits, origin=origin)
            if baseline_window is not None:
                comparison = latency_comparison(timeline, baseline_window, opened, outage.end)
                add_comparison(findings, comparison, "p95_ms while open")
        _judge_closing(findings, samples, recovery, limits.close_within_s, origin)
        _describe_sequence(findings, samples, before, recovery.end)
        return findings.verdict(
            f"breaker of {instance} opened {findings.figures.get('breaker_open_s')} s after the "
            f"outage started and closed {findings.figures.get('breaker_close_s')} s into recovery"
        )

    return guarded(check, judge)


def breaker_instances(timeline: Timeline) -> list[str]:
    """The replicas whose /metrics were scraped (METRICS record names: pods or containers)."""
    return sorted({r.name for r in timeline.of_kind(METRICS)})


def breakers_behaved(
    timeline: Timeline, open_within_s: float, close_within_s: float
) -> list[Verdict]:
    """The outage landed, every scraped replica's breaker opened, shed load and closed, and
    the load's latency while they were all open was no worse than in the baseline.

    Each replica's figures are its own (`breaker_open_s[heart-display-0]`); the
    report adds their max and min (chaosgate.verdicts.combine.aggregate_figures).
    """
    verdicts = [fault_landed(timeline, "redis_outage")]
    instances = breaker_instances(timeline)
    if not instances:
        verdicts.append(
            Verdict(
                "breaker_behaved",
                Outcome.ERROR,
                "no replica's /metrics was scraped: no breaker state to judge",
            )
        )
    replicas = [
        breaker_behaved(
            timeline, instance, open_within_s, close_within_s=close_within_s, baseline_window=None
        )
        for instance in instances
    ]
    for instance, verdict in zip(instances, replicas, strict=True):
        verdicts.append(replace(verdict, figures=per_instance(verdict.figures, instance)))
    if replicas:
        verdicts.append(latency_while_open(timeline, replicas))
    return verdicts


def latency_while_open(
    timeline: Timeline,
    replicas: Sequence[Verdict],
    *,
    baseline_window: str = "baseline",
    outage_window: str = "fault",
    action: str = "redis_outage",
) -> Verdict:
    """The load's per-second p95 while every replica's breaker was open, against the baseline.

    The load goes through the Service, not to one replica, so this is one
    verdict for all of them. It starts at the last replica's opening: before
    that, some requests still waited on Redis, which is what the opening
    budget judges. Figures: latency_*.
    """
    check = "latency_while_open"

    def judge() -> Verdict:
        outage = require_window(timeline, outage_window)
        origin = _outage_start(timeline, action)
        delays = [verdict.figures.get("breaker_open_s") for verdict in replicas]
        opened = [delay for delay in delays if isinstance(delay, int | float)]
        if len(opened) < len(replicas):
            raise InsufficientData(
                f"{len(replicas) - len(opened)} of {len(replicas)} breakers never opened: "
                "there is no time with every breaker open to judge"
            )
        every_open = origin.t + max(opened)
        comparison = latency_comparison(timeline, baseline_window, every_open, outage.end)
        findings = Findings(check)
        add_comparison(findings, comparison, "p95_ms while every breaker was open")
        return findings.verdict(
            f"p95 from {origin.describe(every_open)} (every breaker open) to the outage's end "
            f"no worse than {baseline_window}: {comparison.message}"
        )

    return guarded(check, judge)


def _outage_start(timeline: Timeline, action: str) -> Origin:
    for mark in parse_all(timeline.of_kind(FAULT), fault_mark):
        if mark.action == action and mark.phase == "start":
            return Origin(mark.t, f"{action} start")
    raise InsufficientData(f"no {action} fault was started")


def _state_before(
    findings: Findings, samples: Sequence[BreakerSample], instance: str, origin: Origin
) -> BreakerSample:
    before = [s for s in samples if s.t < origin.t]
    if not before:
        raise InsufficientData(f"no breaker state of {instance!r} before the outage started")
    last = before[-1]
    if last.state != BREAKER_CLOSED:
        findings.add(
            Outcome.FAIL,
            f"breaker was {last.state_name}, not closed, before the outage "
            f"(at {origin.describe(last.t)})",
        )
    return last


def _opened_at(samples: Sequence[BreakerSample], before: BreakerSample) -> float | None:
    """First scrape showing open, or showing more closed->open transitions than before.

    The counter is only compared when the scrape before the outage carried it too:
    a counter first seen later may hold openings from long before the outage.
    """
    baseline = before.transitions.get(OPENED)
    for sample in samples:
        count = sample.transitions.get(OPENED)
        if sample.state == BREAKER_OPEN:
            return sample.t
        if baseline is not None and count is not None and count > baseline:
            return sample.t
    return None


def _judge_opening(
    findings: Findings,
    samples: Sequence[BreakerSample],
    before: BreakerSample,
    origin: Origin,
    *,
    outage: Window,
    budget: float,
) -> float | None:
    opened = _opened_at(within(samples, origin.t, outage.end), before)
    if opened is None:
        findings.add(
            Outcome.FAIL,
            f"breaker never opened during the {outage.end - origin.t:.1f} s outage "
            f"({timestamp(origin.t)} to {timestamp(outage.end)})",
        )
        return None
    latency = origin.since(opened)
    findings.figures["breaker_open_s"] = round(latency, 3)
    over = f", {latency - budget:.1f} s over" if latency > budget else ""
    findings.add(
        limit_outcome(latency, budget),
        f"breaker opened {latency:.1f} s after the outage started (budget {budget:g} s{over}), "
        f"at {origin.describe(opened)}",
    )
    return opened


def _judge_shedding(
    findings: Findings,
    timeline: Timeline,
    opened: float,
    outage: Window,
    *,
    limits: BreakerLimits,
    origin: Origin,
) -> None:
    samples = load_samples(timeline, opened, outage.end)
    summary = summarize(samples)
    if summary.fail_ratio is None:
        raise InsufficientData("no requests completed while the breaker was open")
    ratio = summary.fail_ratio
    findings.figures.update({"fail_ratio_open": round(ratio, 6), "requests_open": summary.requests})
    findings.add(
        limit_outcome(ratio, limits.max_fail_ratio_open),
        f"fail ratio {ratio:.4f} while the breaker was open against a limit of "
        f"{limits.max_fail_ratio_open:g} ({summary.failures} of {summary.requests} failed)",
    )
    degraded = summary.degraded_ratio
    if degraded is not None:
        findings.figures["degraded_ratio_open"] = round(degraded, 6)
        if degraded == 0:
            findings.add(
                Outcome.FAIL,
                "no degraded answers while the breaker was open: the fallback path was not used",
            )
    worst = worst_second(samples, "p99_ms")
    if worst is not None:
        findings.figures["p99_open_ms"] = worst.value
    if limits.max_p99_open_ms is not None:
        if worst is None:
            raise InsufficientData("no p99_ms values while the breaker was open")
        findings.add(
            limit_outcome(worst.value, limits.max_p99_open_ms),
            f"p99 {worst.value:g} ms while open against a limit of "
            f"{limits.max_p99_open_ms:g} ms, worst second at {origin.describe(worst.t)}",
        )


def _judge_closing(
    findings: Findings,
    samples: Sequence[BreakerSample],
    recovery: Window,
    budget: float | None,
    origin: Origin,
) -> None:
    judged = require(
        in_force_and_within(samples, recovery.start, recovery.end),
        "no breaker state during the recovery window",
    )
    last = judged[-1]
    if last.state != BREAKER_CLOSED:
        findings.add(
            Outcome.FAIL,
            f"breaker still {last.state_name} at the end of recovery "
            f"({origin.describe(recovery.end)}, last scrape at {origin.describe(last.t)})",
        )
        return
    closed_at = last.t
    for sample in reversed(judged):
        if sample.state != BREAKER_CLOSED:
            break
        closed_at = sample.t
    seconds = max(closed_at, recovery.start) - recovery.start
    findings.figures["breaker_close_s"] = round(seconds, 3)
    if budget is not None:
        findings.add(
            limit_outcome(seconds, budget),
            f"breaker closed {seconds:.1f} s into recovery (budget {budget:g} s) "
            f"at {origin.describe(closed_at)}",
        )


def _describe_sequence(
    findings: Findings, samples: Sequence[BreakerSample], before: BreakerSample, end: float
) -> None:
    """The states scraped from before the outage to the end of recovery, e.g. closed>open>closed."""
    seen = [s for s in samples if before.t <= s.t <= end]
    path = [s.state for i, s in enumerate(seen) if i == 0 or s.state != seen[i - 1].state]
    half_opened = seen[-1].transitions.get(HALF_OPENED, 0.0) > before.transitions.get(
        HALF_OPENED,
        math.inf,  # no counter before the outage: no evidence from it
    )
    findings.figures["sequence"] = ">".join(BREAKER_STATE_NAMES[state] for state in path)
    findings.figures["half_open_seen"] = int(BREAKER_HALF_OPEN in path or half_opened)

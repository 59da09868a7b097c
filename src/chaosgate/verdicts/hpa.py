"""The HorizontalPodAutoscaler under load: out fast, never too far, back in, no flapping."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from chaosgate.timeline import HPA, Outcome, Timeline, Verdict, Window
from chaosgate.verdicts.judging import Findings, InsufficientData, guarded, limit_outcome
from chaosgate.verdicts.records import HpaSample, hpa_sample, parse_all
from chaosgate.verdicts.windows import (
    Origin,
    in_force_and_within,
    require_window,
    timestamp,
    within,
)


def hpa_behaved(
    timeline: Timeline,
    hpa_name: str,
    scale_out_within_s: float,
    max_replicas: int,
    *,
    load_window: str = "load",
    cooldown_window: str = "cooldown",
    flap_limit: int = 2,
) -> Verdict:
    """The HPA scaled out within `scale_out_within_s` of load start and back in after it.

    Starting replicas are desiredReplicas in force at the load window's start.
    Checks: desiredReplicas above the starting count within the budget (MARGINAL
    above 80 % of it; an ERROR if it never rose and the load window was shorter
    than the budget); current and desired replicas never above `max_replicas`;
    desiredReplicas back at or below the starting count by the end of the
    cooldown window; at most `flap_limit` changes of direction of desiredReplicas
    from load start to cooldown end (a clean run has one: up, then down).
    Figures: start_replicas, scale_out_latency_s, peak_replicas, scale_in_latency_s,
    end_replicas, direction_changes.
    """
    check = f"hpa_behaved[{hpa_name}]"

    def judge() -> Verdict:
        load = require_window(timeline, load_window)
        cooldown = require_window(timeline, cooldown_window)
        samples = parse_all(timeline.of_kind(HPA, hpa_name), hpa_sample)
        before = [s for s in samples if s.t < load.start]
        if not before:
            raise InsufficientData(f"no status of HPA {hpa_name!r} before the load started")
        start = before[-1].desired_replicas
        run = in_force_and_within(samples, load.start, cooldown.end)
        origin = Origin(load.start, "load start")
        findings = Findings(check, {"start_replicas": start})
        _judge_scale_out(
            findings,
            within(samples, load.start, load.end),
            start,
            budget=scale_out_within_s,
            load=load,
            origin=origin,
        )
        _judge_ceiling(findings, run, max_replicas, origin)
        _judge_scale_in(findings, run, start, load_end=load.end, cooldown=cooldown, origin=origin)
        _judge_flapping(findings, run, flap_limit)
        figures = findings.figures
        return findings.verdict(
            f"HPA {hpa_name} scaled {start} → {figures.get('peak_replicas')} in "
            f"{figures.get('scale_out_latency_s')} s and back to {figures.get('end_replicas')} "
            f"{figures.get('scale_in_latency_s')} s after the load"
        )

    return guarded(check, judge)


def _judge_scale_out(
    findings: Findings,
    samples: Sequence[HpaSample],
    start: int,
    *,
    budget: float,
    load: Window,
    origin: Origin,
) -> None:
    first = next((s for s in samples if s.desired_replicas > start), None)
    if first is None and load.seconds < budget:
        # The HPA might still have scaled out within budget had the load lasted:
        # a short run is no evidence of a slow HPA.
        raise InsufficientData(
            f"no scale-out in the {load.seconds:.0f} s load window, which is shorter than the "
            f"{budget:g} s scale-out budget, so a slow HPA cannot be told from a short run; "
            f"hold the load for at least the budget"
        )
    if first is None:
        findings.add(
            Outcome.FAIL,
            f"never scaled out: desiredReplicas stayed at or below {start} for the whole "
            f"{load.seconds:.0f} s load window ({timestamp(load.start)} to {timestamp(load.end)})",
        )
        return
    latency = first.t - load.start
    findings.figures["scale_out_latency_s"] = round(latency, 3)
    over = f", {latency - budget:.1f} s over the budget" if latency > budget else ""
    findings.add(
        limit_outcome(latency, budget),
        f"scaled out {latency:.1f} s after load start (budget {budget:g} s{over}): "
        f"desiredReplicas {start} → {first.desired_replicas} at {origin.describe(first.t)}",
    )


def _judge_ceiling(
    findings: Findings, run: Sequence[HpaSample], max_replicas: int, origin: Origin
) -> None:
    top = max(run, key=lambda s: max(s.desired_replicas, s.current_replicas))
    peak = max(top.desired_replicas, top.current_replicas)
    findings.figures["peak_replicas"] = peak
    if peak > max_replicas:
        findings.add(
            Outcome.FAIL,
            f"replicas reached {peak}, above the maximum {max_replicas} by "
            f"{peak - max_replicas}, at {origin.describe(top.t)}",
        )


def _judge_scale_in(
    findings: Findings,
    run: Sequence[HpaSample],
    start: int,
    *,
    load_end: float,
    cooldown: Window,
    origin: Origin,
) -> None:
    last = run[-1]
    findings.figures["end_replicas"] = last.desired_replicas
    if last.desired_replicas > start:
        findings.add(
            Outcome.FAIL,
            f"did not scale back in: desiredReplicas {last.desired_replicas} at the end of "
            f"the cooldown window ({origin.describe(cooldown.end)}), "
            f"{last.desired_replicas - start} above the starting {start}",
        )
        return
    settled = run[-1].t
    for sample in reversed(run):
        if sample.desired_replicas > start:
            break
        settled = sample.t
    findings.figures["scale_in_latency_s"] = round(max(settled - load_end, 0.0), 3)


def direction_changes(values: Sequence[int]) -> int:
    """How many times a series turns from rising to falling or back (plateaus ignored)."""
    steps = [b - a for a, b in pairwise(values) if b != a]
    return sum(1 for a, b in pairwise(steps) if (a > 0) != (b > 0))


def _judge_flapping(findings: Findings, run: Sequence[HpaSample], flap_limit: int) -> None:
    desired = [s.desired_replicas for s in run]
    changes = direction_changes(desired)
    findings.figures["direction_changes"] = changes
    if changes > flap_limit:
        path = " → ".join(str(v) for i, v in enumerate(desired) if i == 0 or v != desired[i - 1])
        findings.add(
            Outcome.FAIL,
            f"flapping: desiredReplicas changed direction {changes} times, "
            f"{changes - flap_limit} more than the limit {flap_limit} ({path})",
        )

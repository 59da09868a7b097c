"""A whole-zone drain: it completed, emptied the zone, and the pods spread out again."""

from __future__ import annotations

from collections.abc import Sequence

from chaosgate.timeline import FAULT, POD, Outcome, Timeline, Verdict
from chaosgate.verdicts.judging import Findings, InsufficientData, guarded
from chaosgate.verdicts.records import (
    FaultMark,
    PodSample,
    belongs_to_statefulset,
    fault_mark,
    latest_per_name,
    parse_all,
    pod_sample,
)
from chaosgate.verdicts.slo import add_comparison, latency_comparison
from chaosgate.verdicts.windows import Origin, require, require_window


def zone_drain_ok(
    timeline: Timeline,
    zone: str,
    zones: Sequence[str],
    *,
    max_skew: int = 1,
    workload: str = "heart-display",
    drain_window: str = "fault",
    recovery_window: str = "recovery",
    baseline_window: str | None = "baseline",
    latency_metric: str = "p95_ms",
) -> Verdict:
    """The drain of `zone` completed, left no Running pod there, and pods re-spread.

    Checks: a zone_drain end record with completed=true; no Running pod of the
    StatefulSet `workload` in `zone` at the end of `drain_window` (the harness
    closes it once the drain finished, before it uncordons); at the end of
    `recovery_window` the Running pods over the other zones differ by at most
    `max_skew`; every pod the drain evicted Running again by then (figures say
    in which zone); and per-second latency during the drain no worse than in
    `baseline_window` (pass None where there is no traffic, e.g. simulated pods).
    Figures: drain_s, evicted, left_in_zone, skew, pods_<zone> per zone, latency_*.
    """
    check = f"zone_drain_ok[{zone}]"

    def judge() -> Verdict:
        findings = Findings(check)
        drained = require_window(timeline, drain_window)
        recovered = require_window(timeline, recovery_window)
        start, end = _drain_marks(timeline, zone)
        origin = Origin(start.t, "zone_drain start")
        _judge_completion(findings, start, end)
        pods = require(
            [p for p in _pods(timeline) if belongs_to_statefulset(p.name, workload)],
            f"no pod records of StatefulSet {workload!r}",
        )
        _judge_emptied(findings, pods, zone, origin, drained.end)
        others = [z for z in zones if z != zone]
        if not others:
            raise InsufficientData(f"no zones besides {zone!r} to re-spread over: {list(zones)}")
        _judge_spread(
            findings, pods, zones, others, max_skew=max_skew, origin=origin, at=recovered.end
        )
        evicted = _evicted_pods(timeline, start, end, workload)
        _judge_evicted_back(findings, pods, evicted, origin, at=recovered.end)
        if baseline_window is not None:
            comparison = latency_comparison(
                timeline, baseline_window, drained.start, drained.end, metric=latency_metric
            )
            add_comparison(findings, comparison, f"{latency_metric} during the drain")
        return findings.verdict(
            f"zone {zone} drained in {findings.figures['drain_s']} s "
            f"({findings.figures.get('evicted', 'an unknown number')} evicted), pods re-spread "
            f"over {', '.join(others)} with skew {findings.figures['skew']}"
        )

    return guarded(check, judge)


def _drain_marks(timeline: Timeline, zone: str) -> tuple[FaultMark, FaultMark]:
    marks = [m for m in parse_all(timeline.of_kind(FAULT), fault_mark) if m.action == "zone_drain"]
    start = next((m for m in marks if m.phase == "start" and _drains(m, zone)), None)
    if start is None:
        raise InsufficientData(f"no zone_drain of zone {zone!r} was started")
    end = next((m for m in marks if m.phase == "end" and m.t >= start.t), None)
    if end is None:
        raise InsufficientData(f"the zone_drain of {zone!r} has no end record")
    return start, end


def _evicted_pods(timeline: Timeline, start: FaultMark, end: FaultMark, workload: str) -> list[str]:
    """The workload's pods the drain evicted (its "landed" marks between start and end)."""
    marks = parse_all(timeline.of_kind(FAULT), fault_mark)
    landed = [m for m in marks if m.action == "zone_drain" and m.phase == "landed"]
    names = {t for m in landed if start.t <= m.t <= end.t for t in m.targets}
    return sorted(n for n in names if belongs_to_statefulset(n, workload))


def _judge_evicted_back(
    findings: Findings,
    pods: Sequence[PodSample],
    evicted: Sequence[str],
    origin: Origin,
    at: float,
) -> None:
    """Where the evicted pods went: each must be Running again by the end of recovery."""
    latest = latest_per_name(pods, at)
    back = [latest[n] for n in evicted if n in latest and latest[n].running]
    for sample in back:
        key = f"evicted_now_in_{sample.zone or 'unknown'}"
        findings.figures[key] = int(findings.figures.get(key, 0)) + 1
    returned = {p.name for p in back}
    missing = [n for n in evicted if n not in returned]
    findings.figures["evicted_running_again"] = len(back)
    if missing:
        states = ", ".join(f"{n} ({_state(latest.get(n))})" for n in missing)
        findings.add(
            Outcome.FAIL,
            f"{len(missing)} evicted pod(s) not Running again at the end of recovery, "
            f"{origin.describe(at)}: {states}",
        )


def _state(sample: PodSample | None) -> str:
    if sample is None:
        return "never seen again"
    return "deleted" if sample.deleted else f"{sample.phase} on {sample.node or 'no node'}"


def _drains(mark: FaultMark, zone: str) -> bool:
    return mark.data.get("zone") == zone or zone in mark.targets


def _pods(timeline: Timeline) -> list[PodSample]:
    return parse_all(timeline.of_kind(POD), pod_sample)


def _judge_completion(findings: Findings, start: FaultMark, end: FaultMark) -> None:
    evicted = end.number("evicted")
    findings.figures["drain_s"] = round(end.t - start.t, 3)
    if evicted is not None:
        findings.figures["evicted"] = evicted
    if end.data.get("completed") is not True:
        reason = end.data.get("reason", "no reason recorded")
        findings.add(
            Outcome.FAIL,
            f"the drain did not complete ({reason}) after {end.t - start.t:.1f} s, "
            f"with {evicted if evicted is not None else 'an unknown number of'} pods evicted",
        )


def _judge_emptied(
    findings: Findings, pods: Sequence[PodSample], zone: str, origin: Origin, at: float
) -> None:
    left = sorted(
        p.name for p in latest_per_name(pods, at).values() if p.running and p.zone == zone
    )
    findings.figures["left_in_zone"] = len(left)
    if left:
        findings.add(
            Outcome.FAIL,
            f"{len(left)} pod(s) still Running in drained zone {zone} at the end of the "
            f"drain window, {origin.describe(at)}: {', '.join(left)}",
        )


def _judge_spread(
    findings: Findings,
    pods: Sequence[PodSample],
    zones: Sequence[str],
    others: Sequence[str],
    *,
    max_skew: int,
    origin: Origin,
    at: float,
) -> None:
    running = [p for p in latest_per_name(pods, at).values() if p.running]
    counts = {z: sum(1 for p in running if p.zone == z) for z in zones}
    findings.figures.update({f"pods_{z}": n for z, n in counts.items()})
    spread = [counts[z] for z in others]
    skew = max(spread) - min(spread) if spread else 0
    findings.figures["skew"] = skew
    if not sum(spread):
        findings.add(
            Outcome.FAIL,
            f"no pod Running in the remaining zones {', '.join(others)} at the end of "
            f"recovery, {origin.describe(at)}",
        )
    elif skew > max_skew:
        per_zone = ", ".join(f"{z} {counts[z]}" for z in others)
        findings.add(
            Outcome.FAIL,
            f"pods not re-spread over the remaining zones: {per_zone}, skew {skew} > "
            f"max_skew {max_skew} (by {skew - max_skew}) at the end of recovery, "
            f"{origin.describe(at)}",
        )

"""Did a fault land, and did the workload recover from it inside its budget?

A kill that never happened would make every recovery check pass, so landing is
its own verdict, judged from evidence: the injector's "landed" record and, for
pods, what the pod watch saw after the fault started (the pod deleted, replaced
by a new uid, its restart count up, its last termination an OOM kill).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from chaosgate.timeline import FAULT, POD, PROBE, STATEFULSET, Outcome, Timeline, Verdict
from chaosgate.verdicts.judging import (
    MARGINAL_SHARE,
    Findings,
    InsufficientData,
    guarded,
    limit_outcome,
)
from chaosgate.verdicts.records import (
    FaultMark,
    PodSample,
    ReadySample,
    fault_mark,
    parse_all,
    pod_sample,
    probe_ready,
    statefulset_ready,
)
from chaosgate.verdicts.windows import Origin, in_force_and_within, require, require_window


class Evidence(StrEnum):
    """What shows a fault took effect. Values are the `evidence` labels of landed records."""

    DELETED = "deleted"
    REPLACED = "replaced"  # the pod came back with a new uid
    RESTARTED = "restarted"  # a container restarted in place
    OOM_KILLED = "OOMKilled"
    EVICTED = "evicted"
    OBSERVED = "observed"  # a landed record without a more specific label

    @classmethod
    def from_label(cls, label: object) -> Evidence:
        return next((e for e in cls if e.value == label), cls.OBSERVED)


# What counts as landed when the caller does not say: a kill shows on the pod, an
# OOM kill only as an OOM kill (a plain restart could be anything), else the record.
DEFAULT_EVIDENCE: dict[str, frozenset[Evidence]] = {
    "pod_kill": frozenset({Evidence.DELETED, Evidence.REPLACED, Evidence.RESTARTED}),
    "oom_kill": frozenset({Evidence.OOM_KILLED}),
    "zone_drain": frozenset({Evidence.EVICTED}),
}


@dataclass(frozen=True)
class Landing:
    """Where a fault started and the first accepted evidence that it took effect."""

    start: FaultMark
    evidence: Evidence | None
    t: float | None  # when the evidence was seen; None if it never was
    observed: bool  # anything at all was seen of the targets after the start
    refusal: str | None  # the injector's own refusal, if it recorded one

    @property
    def origin(self) -> Origin:
        return Origin(self.start.t, f"{self.start.action} start")


def find_landing(
    timeline: Timeline, action: str, expect: Collection[Evidence] | None = None
) -> Landing:
    """The first `action` started in the timeline and the first accepted evidence of it."""
    accepted = frozenset(expect) if expect else DEFAULT_EVIDENCE.get(action, {Evidence.OBSERVED})
    marks = [m for m in parse_all(timeline.of_kind(FAULT), fault_mark) if m.action == action]
    start = next((m for m in marks if m.phase == "start"), None)
    if start is None:
        raise InsufficientData(f"no {action} fault was started")
    seen = _reported(marks, start) + _observed_on_pods(timeline, start)
    hits = sorted((t, e) for t, e in seen if e in accepted)
    refusals = [m for m in marks if m.phase == "refused" and m.t >= start.t]
    return Landing(
        start=start,
        evidence=hits[0][1] if hits else None,
        t=hits[0][0] if hits else None,
        observed=bool(seen) or _pods_seen_after(timeline, start),
        refusal=str(refusals[0].data.get("reason", "refused")) if refusals else None,
    )


def _reported(marks: Sequence[FaultMark], start: FaultMark) -> list[tuple[float, Evidence]]:
    """Landed records of this fault (for its targets, when both name them)."""
    return [
        (m.t, Evidence.from_label(m.data.get("evidence")))
        for m in marks
        if m.phase == "landed"
        and m.t >= start.t
        and (not start.targets or not m.targets or set(m.targets) & set(start.targets))
    ]


def _observed_on_pods(timeline: Timeline, start: FaultMark) -> list[tuple[float, Evidence]]:
    found: list[tuple[float, Evidence]] = []
    for target in start.targets:
        samples = parse_all(timeline.of_kind(POD, target), pod_sample)
        before = [s for s in samples if s.t <= start.t]
        after = [s for s in samples if s.t > start.t]
        found += _pod_changes(before[-1] if before else None, after, since=start.t)
    return found


def _pod_changes(
    before: PodSample | None, after: Sequence[PodSample], *, since: float
) -> list[tuple[float, Evidence]]:
    """Evidence in a pod's samples after the fault, compared with its state before it.

    A restart is dated by the termination it reports when that falls between the
    fault's start and the sample: sampling finds a restart late, and a recovery
    timed from the sample would leave out the time the container was down.
    """
    found = [(s.t, Evidence.DELETED) for s in after if s.deleted]
    if before is None or before.deleted:
        # Without a live pod before the fault, a new uid or restart count proves nothing:
        # a replacement already under way would look the same.
        return found
    for s in after:
        if s.uid != before.uid:
            found.append((s.t, Evidence.REPLACED))
        elif s.restart_count > before.restart_count:
            died = _termination_time(s, since)
            found.append((died, Evidence.RESTARTED))
            if s.last_termination_reason == "OOMKilled":
                found.append((died, Evidence.OOM_KILLED))
        elif _terminated_now(before, s) and s.last_termination_reason == "OOMKilled":
            # A real kubelet reports the killed container (state.terminated) before
            # it restarts it; waiting for the restart would date the kill late.
            found.append((_termination_time(s, since), Evidence.OOM_KILLED))
    return found


def _terminated_now(before: PodSample, sample: PodSample) -> bool:
    """The sample shows a termination `before` did not, with no restart yet."""
    return not sample.ready and sample.last_termination_reason not in (
        None,
        before.last_termination_reason,
    )


def _termination_time(sample: PodSample, since: float) -> float:
    terminated = sample.terminated_at
    return terminated if terminated is not None and since <= terminated <= sample.t else sample.t


def _pods_seen_after(timeline: Timeline, start: FaultMark) -> bool:
    return any(r.t > start.t for target in start.targets for r in timeline.of_kind(POD, target))


def fault_landed(
    timeline: Timeline, action: str, expect: Collection[Evidence] | None = None
) -> Verdict:
    """The first `action` fault took effect, shown by evidence in `expect`.

    `expect` defaults by action: pod_kill → deleted/replaced/restarted, oom_kill →
    OOMKilled, zone_drain → evicted, anything else → any landed record.
    ERROR if no such fault started or nothing was observed of its targets; FAIL if
    they were observed and none shows the effect. Figures: landed_after_s, evidence.
    """
    check = f"fault_landed[{action}]"
    return guarded(check, lambda: _landing_verdict(find_landing(timeline, action, expect), check))


def _landing_verdict(landing: Landing, check: str) -> Verdict:
    start = landing.start
    on = f" on {', '.join(start.targets)}" if start.targets else ""
    if landing.t is None or landing.evidence is None:
        if not landing.observed and landing.refusal is None:
            raise InsufficientData(
                f"nothing was observed of {start.action}{on} after it started at "
                f"{landing.origin.describe(start.t)}"
            )
        refused = f"; the injector reported: {landing.refusal}" if landing.refusal else ""
        return Verdict(
            check,
            Outcome.FAIL,
            f"the {start.action}{on} started at {landing.origin.describe(start.t)} never "
            f"landed: no evidence of it was seen{refused}",
            {"landed": 0},
        )
    return Verdict(
        check,
        Outcome.PASS,
        f"the {start.action}{on} landed ({landing.evidence.value}) at "
        f"{landing.origin.describe(landing.t)}",
        {
            "landed": 1,
            "landed_after_s": round(landing.t - start.t, 3),
            "evidence": landing.evidence.value,
        },
    )


@dataclass(frozen=True)
class Workload:
    """Whose readiness a recovery is judged by: a StatefulSet, or a probed stack workload."""

    name: str
    source: Literal["statefulset", "probe"] = "statefulset"


def ready_series(timeline: Timeline, workload: Workload) -> list[ReadySample]:
    """The workload's ready and desired replica counts over time."""
    if workload.source == "statefulset":
        return parse_all(timeline.of_kind(STATEFULSET, workload.name), statefulset_ready)
    return parse_all(timeline.of_kind(PROBE, workload.name), probe_ready)


def recovered_within(
    timeline: Timeline,
    budget_s: float,
    workload: Workload,
    *,
    action: str = "pod_kill",
    window: str = "recovery",
    expect: Collection[Evidence] | None = None,
) -> Verdict:
    """After `action` landed, the workload was fully ready again within `budget_s` seconds.

    Recovered means ready >= desired from some moment until the end of `window`
    (readiness that comes back and drops again does not count until it stays);
    recovery_s runs from the landing to that moment. A fault that never landed
    leaves nothing to judge: ERROR (fault_landed says FAIL), and so does readiness
    that never dipped after it landed (nothing seen to recover). MARGINAL above 80 % of
    the budget. Figures: recovery_s, landed_after_s, budget_s, min_ready, desired.
    """
    check = f"recovered_within[{workload.name}]"
    return guarded(
        check,
        lambda: _recovered(
            timeline, budget_s, workload, action, window=window, expect=expect, check=check
        ),
    )


def _recovered(
    timeline: Timeline,
    budget_s: float,
    workload: Workload,
    action: str,
    *,
    window: str,
    expect: Collection[Evidence] | None,
    check: str,
) -> Verdict:
    horizon = require_window(timeline, window)
    landing = find_landing(timeline, action, expect)
    if landing.t is None:
        raise InsufficientData(f"the {action} never landed, so there is no recovery to time")
    samples = require(
        in_force_and_within(ready_series(timeline, workload), landing.start.t, horizon.end),
        f"no readiness of {workload.source} {workload.name!r} from the fault to the end "
        f"of the {window} window",
    )
    last = samples[-1]
    if min(s.ready for s in samples) >= last.desired:
        # A 0 s "recovery" with nothing to recover from: the fault did not take a
        # replica out of service, or the readiness that would show it was not seen.
        raise InsufficientData(
            f"{workload.name} never had fewer than {last.desired} ready replicas after the "
            f"{action} landed, so no recovery was seen to time"
        )
    findings = Findings(
        check,
        {
            "landed_after_s": round(landing.t - landing.start.t, 3),
            "budget_s": budget_s,
            "min_ready": min(s.ready for s in samples),
            "desired": last.desired,
        },
    )
    if not last.full:
        findings.add(Outcome.FAIL, _not_recovered(workload, last, landing.origin, horizon.end))
        return findings.verdict("")
    recovered_at = max(_final_full_stretch_start(samples), landing.t)
    recovery_s = recovered_at - landing.t
    findings.figures["recovery_s"] = round(recovery_s, 3)
    findings.add(
        limit_outcome(recovery_s, budget_s),
        f"{workload.name} took {recovery_s:.1f} s to recover after the {action} landed"
        f"{_over_budget(recovery_s, budget_s)}; fully ready again at "
        f"{landing.origin.describe(recovered_at)}",
    )
    return findings.verdict(
        f"{workload.name} recovered {recovery_s:.1f} s after the {action} landed "
        f"(budget {budget_s:g} s)"
    )


def _final_full_stretch_start(samples: Sequence[ReadySample]) -> float:
    """When the last unbroken run of fully-ready samples began."""
    start = samples[-1].t
    for sample in reversed(samples):
        if not sample.full:
            break
        start = sample.t
    return start


def _over_budget(seconds: float, budget_s: float) -> str:
    if seconds > budget_s:
        return f", {seconds - budget_s:.1f} s over the {budget_s:g} s budget"
    return f", within the {budget_s:g} s budget but above {MARGINAL_SHARE:.0%} of it"


def _not_recovered(workload: Workload, last: ReadySample, origin: Origin, end: float) -> str:
    return (
        f"{workload.name} never recovered: {last.ready}/{last.desired} ready "
        f"({last.desired - last.ready} short) at the end of observation, "
        f"{origin.describe(end)}"
    )

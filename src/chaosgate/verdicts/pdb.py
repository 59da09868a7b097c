"""PodDisruptionBudgets during voluntary disruption: never violated, and really enforced."""

from __future__ import annotations

from collections.abc import Sequence

from chaosgate.timeline import FAULT, PDB, POD, Outcome, Timeline, Verdict, Window
from chaosgate.verdicts.judging import Findings, InsufficientData, guarded
from chaosgate.verdicts.records import (
    EVICTION_REFUSED_STATUS,
    FaultMark,
    PdbSample,
    PodSample,
    belongs_to_statefulset,
    fault_mark,
    latest_per_uid,
    parse_all,
    pdb_sample,
    pod_sample,
)
from chaosgate.verdicts.windows import (
    fault_origin,
    in_force_and_within,
    require,
    require_window,
    within,
)


def pdb_held(timeline: Timeline, pdb_name: str, window: str = "fault") -> Verdict:
    """currentHealthy >= desiredHealthy at every PDB sample in force during `window`.

    The sample in force at the window's start (the last one before it) counts too.
    Figures: min_margin (currentHealthy - desiredHealthy, lowest seen), samples,
    violations (samples below the floor), violation_s (seconds spent below it).
    """
    check = f"pdb_held[{pdb_name}]"
    return guarded(check, lambda: _pdb_held(timeline, pdb_name, window, check))


def _pdb_held(timeline: Timeline, pdb_name: str, name: str, check: str) -> Verdict:
    span = require_window(timeline, name)
    samples = parse_all(timeline.of_kind(PDB, pdb_name), pdb_sample)
    judged = require(
        in_force_and_within(samples, span.start, span.end),
        f"no status of PDB {pdb_name!r} before or during the {name} window",
    )
    violations = [s for s in judged if s.margin < 0]
    findings = Findings(
        check,
        {
            "min_margin": min(s.margin for s in judged),
            "samples": len(judged),
            "violations": len(violations),
            "violation_s": round(_seconds_below_floor(judged, span), 3),
        },
    )
    if violations:
        seconds = float(findings.figures["violation_s"])
        findings.add(
            Outcome.FAIL, _violation_message(timeline, pdb_name, span, violations, seconds)
        )
    return findings.verdict(
        f"PDB {pdb_name} held over the {name} window: lowest margin "
        f"{findings.figures['min_margin']} over {len(judged)} samples"
    )


def _seconds_below_floor(samples: Sequence[PdbSample], span: Window) -> float:
    """Each sample holds until the next one (or the window's end); sum the violating ones."""
    total = 0.0
    for sample, following in zip(samples, [*samples[1:], None], strict=True):
        if sample.margin < 0:
            until = following.t if following is not None else span.end
            total += until - max(sample.t, span.start)
    return total


def _violation_message(
    timeline: Timeline, pdb_name: str, span: Window, violations: Sequence[PdbSample], seconds: float
) -> str:
    first = violations[0]
    deepest = min(violations, key=lambda s: s.margin)
    origin = fault_origin(timeline, span)
    worst = (
        f"; worst {-deepest.margin} short at {origin.describe(max(deepest.t, span.start))}"
        if deepest.margin < first.margin
        else ""
    )
    return (
        f"PDB {pdb_name} violated during the {span.name} window: currentHealthy "
        f"{first.current_healthy} < desiredHealthy {first.desired_healthy} "
        f"({-first.margin} short) first at {origin.describe(max(first.t, span.start))}{worst}; "
        f"{seconds:.1f} s below the floor over {len(violations)} violating sample(s)"
    )


def evictions_refused_not_absent(
    timeline: Timeline, pdb_name: str, window: str = "fault", action: str = "zone_drain"
) -> Verdict:
    """If the drain had more pods to evict than the PDB allowed at once, some were refused.

    An eviction the budget forbids is answered HTTP 429; a drain that exceeded the
    budget without a single 429 never exercised the PDB, so "held" proves nothing.
    Figures: pods_to_evict, evictions (accepted), refused_evictions (429s),
    disruptions_allowed_at_start.
    """
    check = f"evictions_refused_not_absent[{pdb_name}]"
    return guarded(check, lambda: _evictions_refused(timeline, pdb_name, window, action, check))


def _evictions_refused(
    timeline: Timeline, pdb_name: str, name: str, action: str, check: str
) -> Verdict:
    span = require_window(timeline, name)
    marks = [m for m in _fault_marks(timeline, span) if m.action == action]
    evicted = {t for m in marks if m.phase == "landed" for t in m.targets}
    refused = [m for m in marks if m.phase == "refused" and _refused_by_budget(m)]
    wanted = evicted | {t for m in refused for t in m.targets}
    if not wanted:
        raise InsufficientData(f"no {action} eviction was recorded in the {name} window")
    allowed = _allowed_at(timeline, pdb_name, fault_origin(timeline, span).t)
    findings = Findings(
        check,
        {
            "pods_to_evict": len(wanted),
            "evictions": len(evicted),
            "refused_evictions": len(refused),
            "disruptions_allowed_at_start": allowed,
        },
    )
    if len(wanted) > allowed and not refused:
        findings.add(
            Outcome.FAIL,
            f"the {action} had {len(wanted)} pods to evict while PDB {pdb_name} allowed "
            f"{allowed} at once, yet no eviction was refused with HTTP "
            f"{EVICTION_REFUSED_STATUS}: the budget was never enforced",
        )
    return findings.verdict(_refusal_summary(pdb_name, len(wanted), allowed, len(refused)))


def _refused_by_budget(mark: FaultMark) -> bool:
    return mark.number("status") == EVICTION_REFUSED_STATUS


def _fault_marks(timeline: Timeline, span: Window) -> list[FaultMark]:
    return within(parse_all(timeline.of_kind(FAULT), fault_mark), span.start, span.end)


def _allowed_at(timeline: Timeline, pdb_name: str, t: float) -> int:
    budgets = parse_all(timeline.of_kind(PDB, pdb_name), pdb_sample)
    return _status_at(budgets, pdb_name, t, "at the drain's start").disruptions_allowed


def _status_at(budgets: Sequence[PdbSample], pdb_name: str, t: float, when: str) -> PdbSample:
    """The PDB status in force at `t` (its last sample at or before it)."""
    in_force = [b for b in budgets if b.t <= t]
    if not in_force:
        raise InsufficientData(f"no status of PDB {pdb_name!r} {when}")
    return in_force[-1]


def _refusal_summary(pdb_name: str, wanted: int, allowed: int, refused: int) -> str:
    if refused:
        return f"PDB {pdb_name} enforced: {refused} eviction(s) refused with HTTP 429"
    return (
        f"PDB {pdb_name} was not exceeded by this drain ({wanted} pods to evict, "
        f"{allowed} allowed at once), so no refusal was needed"
    )


# How late a pod's readiness may reach the recorder after the API server knew it: both
# watch the same server, but the recorder is one Python thread on a busy machine.
WATCH_LAG_S = 1.0


def evictions_within_budget(
    timeline: Timeline,
    pdb_name: str,
    workload: str = "heart-display",
    *,
    window: str = "fault",
    action: str = "zone_drain",
    watch_lag_s: float = WATCH_LAG_S,
) -> Verdict:
    """Each eviction the API accepted left at least the budget's desiredHealthy pods healthy.

    Judged, eviction by eviction, from the pods the recorder saw rather than from
    the PDB's status (the API server decrements it at an eviction and the
    disruption controller recomputes it later, so a status sample trails both):
    at each accepted eviction of a pod of StatefulSet `workload`, its other pods
    that were Ready, not being deleted and not evicted earlier must number at
    least the desiredHealthy of the PDB status then in force. A pod that existed
    at the eviction and was seen turning Ready up to `watch_lag_s` after it counts
    as Ready at it, since the recorder's watch may trail the API server by that much.
    Figures: judged_evictions, desired_healthy, min_healthy_left (the fewest
    healthy pods any eviction left), excess_evictions (accepted below the floor).
    """
    check = f"evictions_within_budget[{pdb_name}]"
    return guarded(
        check,
        lambda: _within_budget(
            timeline,
            pdb_name,
            workload,
            name=window,
            action=action,
            watch_lag_s=watch_lag_s,
            check=check,
        ),
    )


def _within_budget(
    timeline: Timeline,
    pdb_name: str,
    workload: str,
    *,
    name: str,
    action: str,
    watch_lag_s: float,
    check: str,
) -> Verdict:
    span = require_window(timeline, name)
    evictions = require(
        [
            m
            for m in _fault_marks(timeline, span)
            if m.action == action and m.phase == "landed" and _covered(m, pdb_name, workload)
        ],
        f"no accepted eviction of a {workload} pod was recorded in the {name} window",
    )
    pods = [
        p
        for p in parse_all(timeline.of_kind(POD), pod_sample)
        if belongs_to_statefulset(p.name, workload)
    ]
    budgets = parse_all(timeline.of_kind(PDB, pdb_name), pdb_sample)
    evicted: set[str] = set()
    excess: list[str] = []
    left: list[int] = []
    desired = 0
    for eviction in evictions:
        evicted.add(_evicted_uid(eviction))
        desired = _status_at(budgets, pdb_name, eviction.t, "before an eviction").desired_healthy
        healthy = _healthy_at(pods, eviction.t, watch_lag_s, evicted)
        left.append(len(healthy))
        if len(healthy) < desired:
            excess.append(
                f"{', '.join(eviction.targets)} at {eviction.t - span.start:.1f} s into the "
                f"{name} window left {len(healthy)} healthy < desiredHealthy {desired}"
            )
    findings = Findings(
        check,
        {
            "judged_evictions": len(evictions),
            "desired_healthy": desired,
            "min_healthy_left": min(left),
            "excess_evictions": len(excess),
        },
    )
    if excess:
        findings.add(
            Outcome.FAIL,
            f"{len(excess)} eviction(s) accepted beyond PDB {pdb_name}'s budget: "
            + "; ".join(excess),
        )
    return findings.verdict(
        f"each of {len(evictions)} eviction(s) left at least desiredHealthy {desired} "
        f"{workload} pods healthy (fewest {min(left)})"
    )


def _covered(mark: FaultMark, pdb_name: str, workload: str) -> bool:
    pdbs = mark.data.get("pdbs")
    in_budget = pdbs is None or pdb_name in pdbs
    return in_budget and any(belongs_to_statefulset(t, workload) for t in mark.targets)


def _evicted_uid(mark: FaultMark) -> str:
    uid = mark.data.get("uid")
    if not isinstance(uid, str) or not uid:
        raise InsufficientData(f"the eviction of {', '.join(mark.targets)} names no pod uid")
    return uid


def _healthy_at(
    pods: Sequence[PodSample], t: float, watch_lag_s: float, evicted: set[str]
) -> set[str]:
    """Uids of the pods healthy at `t`: not deleted nor evicted, and Ready by t + watch_lag_s."""
    latest = latest_per_uid(pods, t)
    ready_soon = {p.uid for p in pods if p.ready and t < p.t <= t + watch_lag_s}
    # Only pods that existed at `t` count: an eviction's own replacement came after it.
    alive = {uid for uid, p in latest.items() if not p.deleted and uid not in evicted}
    return {uid for uid in alive if latest[uid].ready or uid in ready_soon}

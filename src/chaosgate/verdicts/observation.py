"""Whether the recorder saw the whole run: a watch that was blind during a window voids it.

A watch that fails reconnects and lists again (chaosgate.kube.watch), and the
recorder writes a GAP record for the interval it may have missed events in.
A verdict judged from a window with such a hole may have missed the very
dip or eviction it looks for, so the run is an error there, naming the gap.
"""

from __future__ import annotations

from chaosgate.timeline import GAP, Outcome, Timeline, Verdict
from chaosgate.verdicts.windows import timestamp


def observed_throughout(timeline: Timeline) -> Verdict:
    """PASS when no watch gap overlaps a recorded window; ERROR naming each gap that does.

    Figures: observation_gaps (gaps inside windows), observation_gap_s (their total).
    """
    check = "observed_throughout"
    windows = timeline.windows()
    if not windows:
        return Verdict(check, Outcome.ERROR, "no window was recorded, so nothing was observed")
    holes = []
    for gap in timeline.of_kind(GAP):
        began = float(gap.data.get("from", gap.t))
        hit = [w.name for w in windows if began <= w.end and gap.t >= w.start]
        if hit:
            holes.append(
                f"the {gap.name} watch saw nothing from {timestamp(began)} to "
                f"{timestamp(gap.t)} ({gap.t - began:.1f} s, in {', '.join(hit)}): "
                f"{gap.data.get('reason', 'no reason recorded')}"
            )
    total = sum(g.t - float(g.data.get("from", g.t)) for g in timeline.of_kind(GAP))
    figures = {"observation_gaps": len(holes), "observation_gap_s": round(total, 3)}
    if holes:
        return Verdict(check, Outcome.ERROR, "; ".join(holes), figures)
    return Verdict(check, Outcome.PASS, "every watch saw every window whole", figures)

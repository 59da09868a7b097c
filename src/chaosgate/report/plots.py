"""Draw a scenario's timeline panels as an SVG for the HTML report (matplotlib, no pyplot).

Seven panels share the time axis: load, latency, ready pods per zone, PDB
health, the breaker state of each instance, and what Prometheus scraped
(beats/s per replica, the beat latency's p99); the scenario's windows are
shaded and fault actions drawn as vertical lines on every panel. A panel
without data shrinks to a strip that says so. The SVG keeps its text as text
(no embedded font files) and is inlined, so the report works offline.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory
from matplotlib.typing import RcKeyType

from chaosgate.report.series import FaultEvent, Series, Shade, TimelinePanels
from chaosgate.verdicts.records import BREAKER_STATE_NAMES

PANEL_HEIGHT_IN = 1.7
EMPTY_PANEL_RATIO = 0.22
WIDTH_IN = 11.0
WINDOW_COLOURS = {
    "baseline": "#9e9e9e",
    "fault": "#d62728",
    "recovery": "#2ca02c",
    "load": "#ff7f0e",
    "cooldown": "#1f77b4",
}
OTHER_WINDOW_COLOUR = "#9467bd"
ZONE_COLOURS = ("#4c78a8", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac")
BREAKER_COLOURS = {0: "#2ca02c", 1: "#d62728", 2: "#f2a900"}  # closed, open, half-open
FAULT_LINE_STYLES = {"start": "--", "end": ":"}
TARGET_COLOUR = "#1f2328"  # desired counts: dark and dashed, over the observed ones
_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
# The forms in which matplotlib's SVG writer names and refers to its ids.
_ID_REFERENCE = re.compile(r'((?:\sid="|url\(#|href="#))')
# matplotlib names a clip path by a hash that can include an object's address,
# so the same figure drawn twice may get different names: they are renumbered.
_CLIP_ID = re.compile(r'(?<=id=")p[0-9a-f]{10}(?=")|(?<=url\(#)p[0-9a-f]{10}(?=\))')
# No RDF block (creator, date, format): nothing in the page that names another site.
_NO_METADATA: dict[str, Any] = {"Creator": None, "Date": None, "Format": None, "Type": None}

_STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: selectable, small, no font files embedded
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#e6e6e6",
    "legend.frameon": False,
    "legend.fontsize": 8,
}

Painter = Callable[[Axes, Sequence[Series], float], None]


def timeline_svg(panels: TimelinePanels, id_prefix: str) -> str:
    """The panels as an <svg> element (no XML prologue) to inline in HTML.

    Every id in it starts with id_prefix: the plots of one page share one id
    space, and matplotlib numbers its ids from 1 in every figure.
    """
    # A fixed hash salt makes the output the same for the same timeline.
    with matplotlib.rc_context(_STYLE | {"svg.hashsalt": "chaosgate"}):
        figure = _draw(panels)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    svg = _SVG_PROLOGUE.sub("", buffer.getvalue(), count=1)
    return scope_ids(numbered_clip_ids(svg), id_prefix)


def numbered_clip_ids(svg: str) -> str:
    """svg with its clip path ids renamed clip1, clip2, ... in order of first appearance."""
    names: dict[str, str] = {}
    return _CLIP_ID.sub(lambda m: names.setdefault(m.group(0), f"clip{len(names) + 1}"), svg)


def scope_ids(svg: str, prefix: str) -> str:
    """svg with every id, and every reference to one (url(#..), href="#.."), prefixed."""
    return _ID_REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-", svg)


def _draw(panels: TimelinePanels) -> Figure:
    rows: list[tuple[str, Sequence[Series], Painter, str]] = [
        ("load (req/s)", panels.throughput, _lines, "no load data in this scenario"),
        ("latency (ms)", panels.latency, _lines, "no latency data in this scenario"),
        ("ready pods", panels.replicas, _counts, "no pod or replica data in this scenario"),
        ("PDB pods", panels.pdb, _counts, "no PDB data in this scenario"),
        ("breaker", panels.breaker, _breaker_states, "no breaker data in this scenario"),
        ("beats/s (Prometheus)", panels.beat_rate, _lines, "no Prometheus data in this scenario"),
        ("beat p99 ms (Prom.)", panels.beat_p99, _lines, "no Prometheus data"),
    ]
    # A panel without data keeps its place, so every scenario has the same
    # layout, but shrinks to a strip that says what is missing.
    ratios = [1.0 if series else EMPTY_PANEL_RATIO for _, series, _, _ in rows]
    figure = Figure(figsize=(WIDTH_IN, sum(ratios) * PANEL_HEIGHT_IN + 0.7), layout="constrained")
    axes = figure.subplots(len(rows), 1, sharex=True, height_ratios=ratios)
    end = max(panels.span, 1.0)
    for ax, (title, series, paint, empty_note) in zip(axes, rows, strict=True):
        ax.set_ylabel(title, rotation=0, ha="right", va="center")
        if series:
            paint(ax, series, end)
        else:
            _empty(ax, empty_note)
        _shade_windows(ax, panels.windows)
        _mark_faults(ax, panels.faults)
    _label_windows(axes[0], panels.windows)
    figure.align_ylabels(axes)
    axes[-1].set_xlim(0, end)
    axes[-1].set_xlabel(f"seconds since {_utc(panels.origin)}")
    return figure


def _lines(ax: Axes, series: Sequence[Series], end: float) -> None:
    for line in series:
        ax.plot(
            line.t,
            line.values,
            label=line.label,
            linewidth=1.4,
            drawstyle="steps-post" if line.steps else "default",
        )
    ax.set_ylim(bottom=0)
    _legend(ax)


def _counts(ax: Axes, series: Sequence[Series], end: float) -> None:
    """Pod counts: zones as a stacked area (they add up to the total), the rest as lines."""
    stacked = [line for line in series if line.stacked]
    if stacked:
        ax.stackplot(
            stacked[0].t,
            [line.values for line in stacked],
            labels=[line.label for line in stacked],
            step="post",
            colors=ZONE_COLOURS[: len(stacked)],
            alpha=0.9,
        )
    for line in series:
        if not line.stacked:
            ax.plot(
                line.t,
                line.values,
                label=line.label,
                linewidth=1.5,
                drawstyle="steps-post",
                linestyle="--" if line.target else "-",
                color=TARGET_COLOUR if line.target else None,
            )
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)


def _breaker_states(ax: Axes, series: Sequence[Series], end: float) -> None:
    """One bar per instance, coloured by breaker state; overlapping lines would hide instances."""
    for row, instance in enumerate(series):
        times = [*instance.t, end]
        for start, stop, state in zip(times, times[1:], instance.values, strict=False):
            ax.broken_barh(
                [(start, max(stop - start, 0.0))],
                (row - 0.35, 0.7),
                color=BREAKER_COLOURS.get(int(state), "#777777"),
                linewidth=0,
            )
        # The name sits inside its bar: long pod names as tick labels would
        # widen the left margin of this plot alone and misalign it with others.
        x = instance.t[0] + end * 0.005
        ax.text(x, row, instance.label, va="center", fontsize=7.5, color="white", zorder=4)
    ax.set_yticks([])
    ax.set_ylim(-0.6, len(series) - 0.4)
    ax.invert_yaxis()
    ax.grid(False, axis="y")
    _legend(ax, [Patch(color=BREAKER_COLOURS[s], label=n) for s, n in BREAKER_STATE_NAMES.items()])


def _legend(ax: Axes, handles: list[Patch] | None = None) -> None:
    """The legend outside the plot on the right, where it never covers data."""
    if handles is None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2)


def _empty(ax: Axes, note: str) -> None:
    ax.text(
        0.5,
        0.5,
        note,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="#6e7781",
        fontstyle="italic",
    )
    ax.set_yticks([])
    ax.grid(False)


def _shade_windows(ax: Axes, windows: Sequence[Shade]) -> None:
    for window in windows:
        colour = WINDOW_COLOURS.get(window.name, OTHER_WINDOW_COLOUR)
        alpha = 0.06 if window.name == "baseline" else 0.12
        # Below the data (zorder 0), so a stacked area is not tinted by the shade.
        ax.axvspan(window.start, window.end, color=colour, alpha=alpha, linewidth=0, zorder=0)


def _label_windows(ax: Axes, windows: Sequence[Shade]) -> None:
    """Name each window above the top panel (x in data units, y in axes units)."""
    transform = blended_transform_factory(ax.transData, ax.transAxes)
    for window in windows:
        label = window.name if window.closed else f"{window.name} (never ended)"
        colour = WINDOW_COLOURS.get(window.name, OTHER_WINDOW_COLOUR)
        ax.text(window.start, 1.02, label, transform=transform, fontsize=8, color=colour)


def _mark_faults(ax: Axes, faults: Sequence[FaultEvent]) -> None:
    for fault in faults:
        style = FAULT_LINE_STYLES.get(fault.phase)
        if style is None:
            continue  # "landed"/"refused" come many per action; start and end tell the story
        ax.axvline(fault.t, color="#b22222", linestyle=style, linewidth=1.0, alpha=0.8, zorder=3)


def _utc(unix: float) -> str:
    return datetime.fromtimestamp(unix, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

"""The human report: reports/index.html with a summary table and a timeline plot per scenario.

One self-contained file: CSS inline, plots as inline SVG, no scripts, no
fonts or anything else fetched from elsewhere, so it opens offline, from a
CI artefact or an email attachment alike.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from chaosgate.report.atomic_write import write_atomically
from chaosgate.report.junit import format_figure
from chaosgate.report.model import ScenarioResult
from chaosgate.report.plots import timeline_svg
from chaosgate.report.series import timeline_panels
from chaosgate.timeline import Timeline

INDEX = "index.html"
SHORT_REVISION = 12


def write_html_report(
    results: Sequence[ScenarioResult],
    timelines: Mapping[str, Timeline],
    out_dir: Path,
    score: str | None = None,
) -> Path:
    """Write out_dir/index.html for results (timelines keyed by scenario name); return its path.

    `score` is the run's resilience score as text, shown in the header."""
    path = out_dir / INDEX
    write_atomically(path, render_report(results, timelines, out_dir, score).encode("utf-8"))
    return path


def render_report(
    results: Sequence[ScenarioResult],
    timelines: Mapping[str, Timeline],
    out_dir: Path,
    score: str | None = None,
) -> str:
    """The report as one HTML document; artefact links are relative to out_dir."""
    anchors = [scenario_anchor(index, r.name) for index, r in enumerate(results)]
    body = [
        _header(results, score),
        _summary_table(results, anchors),
        *(
            _scenario_section(r, timelines.get(r.name), anchor, out_dir)
            for r, anchor in zip(results, anchors, strict=True)
        ),
    ]
    return _PAGE.format(css=_CSS, body="\n".join(body))


def scenario_anchor(index: int, name: str) -> str:
    """A unique, URL-safe element id for the index-th scenario."""
    return f"scenario-{index + 1}-{re.sub(r'[^A-Za-z0-9_-]+', '-', name).strip('-')}"


def _header(results: Sequence[ScenarioResult], score: str | None = None) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    tally = " · ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    revisions = sorted({r.revision for r in results if r.revision})
    revision = ", ".join(f"<code>{escape(rev)}</code>" for rev in revisions) or "unknown"
    generated = datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<header><h1>chaosgate report</h1>"
        f'<p class="meta">{len(results)} scenario(s): {escape(tally) or "none"} · '
        f"revision {revision} · generated {generated}</p>"
        + (f'<p class="score">Resilience score: <b>{escape(score)}</b></p>' if score else "")
        + "</header>"
    )


def _summary_table(results: Sequence[ScenarioResult], anchors: Sequence[str]) -> str:
    rows = [
        "<tr>"
        f'<td><a href="#{anchor}">{escape(r.name)}</a></td>'
        f"<td>{escape(r.backend)}</td>"
        f"<td>{_badge(r.status)}</td>"
        f"<td>{_figures_inline(r)}</td>"
        f"<td>{_revision(r.revision)}</td>"
        "</tr>"
        for r, anchor in zip(results, anchors, strict=True)
    ]
    return (
        '<section id="summary"><h2>Summary</h2><table class="summary">'
        "<thead><tr><th>Scenario</th><th>Backend</th><th>Outcome</th>"
        "<th>Key figures</th><th>Revision</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _scenario_section(
    result: ScenarioResult, timeline: Timeline | None, anchor: str, out_dir: Path
) -> str:
    parts = [
        f'<section class="scenario" id="{anchor}">',
        f"<h2>{escape(result.name)} {_badge(result.status)}</h2>",
        _scenario_meta(result),
    ]
    if result.skipped_reason is not None:
        parts.append(f'<p class="note">Skipped: {escape(result.skipped_reason)}</p>')
    parts.append(_notes(result))
    parts += [_verdict_table(result), _plot(result, timeline, anchor), _all_figures(result)]
    parts += [_artefact_links(result, out_dir), "</section>"]
    return "\n".join(part for part in parts if part)


def _notes(result: ScenarioResult) -> str:
    if not result.notes:
        return ""
    items = "".join(f"<li>{escape(note)}</li>" for note in result.notes)
    return f'<ul class="notes">{items}</ul>'


def _scenario_meta(result: ScenarioResult) -> str:
    facts = [f"backend <b>{escape(result.backend)}</b>", f"revision {_revision(result.revision)}"]
    if result.started > 0:
        started = datetime.fromtimestamp(result.started, tz=UTC)
        facts.append(f"started {started:%Y-%m-%d %H:%M:%S} UTC")
    if not result.skipped:
        facts.append(f"took {result.duration_s:.1f} s")
    return f'<p class="meta">{" · ".join(facts)}</p>'


def _verdict_table(result: ScenarioResult) -> str:
    if not result.verdicts:
        return ""
    rows = "".join(
        f"<tr><td>{escape(v.check)}</td><td>{_badge(v.outcome.value)}</td>"
        f"<td>{escape(v.message)}</td></tr>"
        for v in result.verdicts
    )
    return (
        '<table class="verdicts"><thead><tr><th>Check</th><th>Outcome</th><th>Verdict</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _plot(result: ScenarioResult, timeline: Timeline | None, anchor: str) -> str:
    if timeline is None or len(timeline) == 0:
        if result.skipped:
            return ""
        return '<p class="note">No timeline was recorded for this scenario.</p>'
    panels = timeline_panels(timeline)
    caption = "Shaded: scenario windows. Red dashed/dotted lines: fault start/end."
    if panels.malformed:
        caption += f" {panels.malformed} malformed record(s) left out of the plot."
    svg = timeline_svg(panels, id_prefix=f"{anchor}-plot")
    return (
        f'<figure class="timeline" data-scenario="{escape(result.name)}">'
        f"{svg}<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _all_figures(result: ScenarioResult) -> str:
    if not result.figures:
        return ""
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(format_figure(value))}</td></tr>"
        for name, value in result.figures.items()
    )
    return (
        f"<details><summary>All figures ({len(result.figures)})</summary>"
        f'<table class="figures"><tbody>{rows}</tbody></table></details>'
    )


def _artefact_links(result: ScenarioResult, out_dir: Path) -> str:
    if not result.artifacts:
        return ""
    links = " · ".join(
        f'<a href="{escape(_relative_url(path, out_dir))}">{escape(label)}</a>'
        for label, path in result.artifacts.items()
    )
    return f'<p class="artefacts">Artefacts: {links}</p>'


def _relative_url(path: Path, out_dir: Path) -> str:
    """A link that still works when the report directory is moved or downloaded whole."""
    relative = os.path.relpath(path.absolute(), out_dir.absolute())
    return quote(Path(relative).as_posix())


def _figures_inline(result: ScenarioResult) -> str:
    return ", ".join(
        f"{escape(name)} <b>{escape(format_figure(value))}</b>"
        for name, value in result.key_figures()
    )


def _badge(status: str) -> str:
    return f'<span class="badge {escape(status)}">{escape(status)}</span>'


def _revision(revision: str) -> str:
    if not revision:
        return "—"
    return f'<code title="{escape(revision)}">{escape(revision[:SHORT_REVISION])}</code>'


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chaosgate report</title>
<style>{css}</style>
</head>
<body>
{body}
</body>
</html>
"""

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1180px; line-height: 1.45; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { font-size: 1.25rem; margin: 0 0 .4rem; }
.meta { color: #59636e; margin: .2rem 0 .8rem; }
.note { color: #59636e; font-style: italic; }
section { margin-top: 1.6rem; }
section.scenario { border-top: 1px solid #d1d9e0; padding-top: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e6eaef;
         vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
table.figures { width: auto; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .88em; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; color: #fff;
         font-size: .8rem; font-weight: 600; vertical-align: middle; }
.badge.pass { background: #1a7f37; }
.badge.marginal { background: #bf8700; }
.badge.fail { background: #cf222e; }
.badge.error { background: #8250df; }
.badge.skipped { background: #6e7781; }
figure.timeline { margin: .6rem 0; }
figure.timeline svg { width: 100%; height: auto; display: block; }
figcaption { color: #59636e; font-size: .85rem; }
details { margin: .4rem 0; }
"""

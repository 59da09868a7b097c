"""The HTML report's content: summary, one plot per scenario, self-contained, escaped."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chaosgate.report.html import write_html_report
from chaosgate.report.model import ScenarioResult
from chaosgate.timeline import Outcome, Timeline, Verdict

from .samples import REVISION, RenderedReport, gitops_timeline, sample_results


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture
def report(rendered_report: RenderedReport) -> tuple[str, list[ScenarioResult]]:
    assert rendered_report.index.name == "index.html"
    return rendered_report.html, rendered_report.results


def parse(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


def test_summary_table_links_every_scenario(report: tuple[str, list[ScenarioResult]]) -> None:
    html, results = report
    elements = parse(html)

    summary = html[html.index('<table class="summary">') : html.index("</table>")]
    rows = re.findall(r"<tr><td><a href=\"#([^\"]+)\">([^<]+)</a>", summary)
    assert [name for _, name in rows] == [r.name for r in results]
    ids = {a["id"] for a in elements.all("section") if "id" in a}
    assert {anchor for anchor, _ in rows} <= ids
    assert '<span class="badge marginal">marginal</span>' in summary
    assert "recovery_s <b>17.3</b>" in summary
    assert f'<code title="{REVISION}">{REVISION[:12]}</code>' in summary


def test_one_plot_per_scenario_with_a_timeline(report: tuple[str, list[ScenarioResult]]) -> None:
    html, _ = report

    plotted = re.findall(r'<figure class="timeline" data-scenario="([^"]+)"><svg ', html)
    assert plotted == ["gitops", "pod_kill", "az_drain", "hpa", "breaker[stack]"]
    oom = html[html.index('id="scenario-3-oom"') :]
    assert oom.index("No timeline was recorded for this scenario.") < oom.index("</section>")
    skipped = html[html.index('id="scenario-6-breaker"') :]
    skipped = skipped[: skipped.index("</section>")]
    assert "Skipped: the local provider has no traffic through pods" in skipped
    assert "<svg" not in skipped and "No timeline" not in skipped


def test_panels_without_data_say_so(report: tuple[str, list[ScenarioResult]]) -> None:
    html, _ = report
    hpa = html[html.index('id="scenario-5-hpa"') :]
    hpa = hpa[: hpa.index("</section>")]

    assert "no PDB data in this scenario" in hpa
    assert "no breaker data in this scenario" in hpa
    assert "no load data" not in hpa and "HPA desired" in hpa


def test_self_contained(report: tuple[str, list[ScenarioResult]]) -> None:
    html, _ = report
    elements = parse(html)

    assert not elements.all("script") and not elements.all("link") and not elements.all("img")
    assert "@import" not in html and "@font-face" not in html
    # Only XML namespace names may look like URLs; nothing is fetched from elsewhere.
    assert set(re.findall(r"https?://[^\"' )<]+", html)) == {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    links = [a["href"] for a in elements.all("a")]
    assert "timelines/pod_kill.jsonl" in links and "journal.log" in links
    assert all(link.startswith("#") or ":" not in link for link in links)


def test_ids_are_unique_and_references_resolve(report: tuple[str, list[ScenarioResult]]) -> None:
    html, _ = report

    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    references = re.findall(r'(?:url\(#|href="#)([^")]+)', html)
    assert references and set(references) <= set(ids)


def test_text_is_escaped(tmp_path: Path) -> None:
    result = ScenarioResult(
        "pod_kill",
        'kind <b>"x"</b>',
        "rev<1>",
        Outcome.FAIL,
        (Verdict("recovery", Outcome.FAIL, "<script>alert(1)</script> & more"),),
        {"<odd>": "<v>"},
        artifacts={"time<line>": tmp_path / "a b&c.jsonl"},
    )
    html = write_html_report([result], {}, tmp_path).read_text()

    assert "<script>" not in html and '<b>"x"</b>' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "kind &lt;b&gt;&quot;x&quot;&lt;/b&gt;" in html
    assert 'href="a%20b%26c.jsonl"' in html


def test_report_is_reproducible_apart_from_its_date(tmp_path: Path) -> None:
    results, _ = sample_results(tmp_path)
    timelines = {"gitops": gitops_timeline()}
    first = write_html_report(results[:1], timelines, tmp_path / "a").read_text()
    second = write_html_report(results[:1], timelines, tmp_path / "b").read_text()

    def undated(html: str) -> str:
        return re.sub(r"generated [0-9-]+ [0-9:]+ UTC", "", html)

    assert undated(first) == undated(second)


def test_empty_timeline_is_not_plotted(tmp_path: Path) -> None:
    result = ScenarioResult("gitops", "kind", "", Outcome.ERROR)
    html = write_html_report([result], {"gitops": Timeline([])}, tmp_path).read_text()

    assert "No timeline was recorded for this scenario." in html
    assert "<svg" not in html


def test_notes_are_shown_with_their_scenario(tmp_path: Path) -> None:
    notes = ("HPA heart-display reported no CPU utilization within 60 s", "<not markup>")
    result = ScenarioResult("hpa", "local", "", Outcome.ERROR, notes=notes)
    html = write_html_report([result], {}, tmp_path).read_text()
    assert f"<li>{notes[0]}</li>" in html
    assert "<li>&lt;not markup&gt;</li>" in html

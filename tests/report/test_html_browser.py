"""The HTML report in a real headless browser (Debian's chromium): it renders, it shows
the summary and every plot, and the console stays quiet.

Chromium is a test dependency installed by `make setup`; its absence is a
failure, not a skip, so a machine that cannot run this check says so.
"""

from __future__ import annotations

import re
import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import pytest

from chaosgate.process import Completed, run

from .samples import RenderedReport

pytestmark = pytest.mark.slow

WINDOW = (1280, 2000)
# With --enable-logging=stderr chromium logs every console message as
# "...:INFO:CONSOLE:<line>] "<message>", source: ..."; the report has no script,
# so any console line at all is a problem.
CONSOLE_LINE = re.compile(r":CONSOLE(?::\d+)?\]|Uncaught")


def chromium_binary() -> str:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail(
            "chromium is not installed, so the HTML report cannot be checked in a browser; "
            "`make setup` installs it (Debian package chromium)."
        )
    return binary


def headless(profile: Path, *args: str) -> Completed:
    """Run headless chromium, hermetic: its own profile and HOME, no network chatter."""
    argv = [
        chromium_binary(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return run(argv, timeout=180, env={"HOME": str(profile)})


def console_problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE_LINE.search(line)]


class RenderedDom(HTMLParser):
    """What the browser's DOM holds: summary rows, plotted figures, SVG texts."""

    def __init__(self) -> None:
        super().__init__()
        self.summary_tables = 0
        self.summary_rows = 0
        self.figures: list[str] = []
        self.svgs = 0
        self.svg_texts: list[str] = []
        self._in_summary = self._in_svg_text = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("class") == "summary":
            self.summary_tables += 1
            self._in_summary = True
        elif tag == "tr" and self._in_summary:
            self.summary_rows += 1
        elif tag == "figure":
            self.figures.append(attributes.get("data-scenario") or "")
        elif tag == "svg":
            self.svgs += 1
        self._in_svg_text = tag == "text"

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_summary = False
        if tag == "text":
            self._in_svg_text = False

    def handle_data(self, data: str) -> None:
        if self._in_svg_text and data.strip():
            self.svg_texts.append(data.strip())


@pytest.fixture
def report_url(rendered_report: RenderedReport) -> str:
    return rendered_report.index.as_uri()


def test_rendered_dom_has_the_summary_and_every_plot(report_url: str, tmp_path: Path) -> None:
    browser = headless(tmp_path / "profile", "--dump-dom", report_url)

    dom = RenderedDom()
    dom.feed(browser.stdout)
    assert dom.summary_tables == 1
    assert dom.summary_rows == 1 + 7  # header row + one per scenario
    assert dom.figures == ["gitops", "pod_kill", "az_drain", "hpa", "breaker[stack]"]
    assert dom.svgs == len(dom.figures)
    for label in ("requests/s", "p95", "zone-a", "currentHealthy", "half-open", "HPA desired"):
        assert label in dom.svg_texts, label
    assert console_problems(browser.stderr) == []


def test_screenshot_renders_the_page(report_url: str, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    browser = headless(
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        report_url,
    )

    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == WINDOW
    pixels = matplotlib.image.imread(shot)
    assert pixels.std() > 0.1  # text, tables and plots, not a blank page
    assert console_problems(browser.stderr) == []


def test_console_check_catches_script_errors(tmp_path: Path) -> None:
    """The console check above is only worth something if it sees real errors."""
    page = tmp_path / "broken.html"
    page.write_text('<script>console.error("boom"); throw new Error("bang")</script>')

    browser = headless(tmp_path / "profile", "--dump-dom", page.as_uri())

    problems = console_problems(browser.stderr)
    assert any('"boom"' in line for line in problems)
    assert any("Uncaught Error: bang" in line for line in problems)

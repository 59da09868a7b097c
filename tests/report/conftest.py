"""One rendered sample report shared by the report tests (rendering plots takes seconds)."""

from __future__ import annotations

import pytest

from chaosgate.report.html import write_html_report

from .samples import RenderedReport, sample_results


@pytest.fixture(scope="session")
def rendered_report(tmp_path_factory: pytest.TempPathFactory) -> RenderedReport:
    out_dir = tmp_path_factory.mktemp("reports")
    results, timelines = sample_results(out_dir)
    return RenderedReport(write_html_report(results, timelines, out_dir), results)

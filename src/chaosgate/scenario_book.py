"""What scenario tests record, collected into ScenarioResults for the reports.

A suite test asks the `scenario` fixture for a ScenarioRun, adds verdicts,
figures, artefacts and the timeline, and ends with run.assert_passed(). The
plugin writes every run to JUnit (one testcase per scenario) and the HTML
report when the session ends — also for runs whose test failed or errored.
"""

from __future__ import annotations

import logging
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from chaosgate.errors import ChaosgateError
from chaosgate.gate.policy import default_policy_path, load_policy
from chaosgate.gate.score import Score, score_of_tree
from chaosgate.report.html import INDEX, write_html_report
from chaosgate.report.junit import add_suite_properties, junit_tree, write_junit_tree
from chaosgate.report.model import Figure, ScenarioResult
from chaosgate.timeline import Outcome, Timeline, Verdict
from chaosgate.verdicts.combine import aggregate_figures, combine

log = logging.getLogger(__name__)

NOT_STARTED = "none (the scenario did not start)"


class ScenarioFailed(AssertionError):
    """The scenario ran and a verdict did not pass (what assert_passed raises)."""


@dataclass
class ScenarioRun:
    """One scenario as it runs: its verdicts, figures and artefacts so far."""

    name: str
    backend: str
    revision: str = ""
    verdicts: list[Verdict] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    timeline: Timeline | None = None
    started: float = field(default_factory=time.time)
    skipped_reason: str | None = None
    crashed: str | None = None  # the test raised before judging everything
    ended: float | None = None  # set when its test ends (see finish)
    test: str = ""  # the pytest node id of the test that ran it
    notes: list[str] = field(default_factory=list)  # ScenarioResult.notes

    def add(self, verdict: Verdict) -> Verdict:
        """Record a verdict (and its figures, prefixed by nothing: they are the scenario's)."""
        self.verdicts.append(verdict)
        return verdict

    def all_verdicts(self) -> tuple[Verdict, ...]:
        """The verdicts recorded, and an ERROR one saying how the scenario crashed, if it did."""
        crash = (Verdict("harness", Outcome.ERROR, self.crashed),) if self.crashed else ()
        return (*self.verdicts, *crash)

    def overall(self) -> Verdict:
        return combine(list(self.all_verdicts()), check=self.name)

    def assert_passed(self) -> None:
        """Fail the test with the combined message unless every verdict passed."""
        overall = self.overall()
        if not overall.passed:
            raise ScenarioFailed(overall.message)

    def finish(self, error: BaseException | None = None) -> None:
        """The test running this scenario is over: stop its clock; judge how it ended.

        Any exception but ScenarioFailed (or a skip) means the scenario did not
        finish judging, whatever verdicts it already has: it is an error.
        """
        if self.ended is None:
            self.ended = time.time()
        if error is None or isinstance(error, ScenarioFailed) or self.crashed:
            return
        if isinstance(error, pytest.skip.Exception):
            return
        self.crashed = f"the scenario crashed: {type(error).__name__}: {error}"

    def result(self) -> ScenarioResult:
        overall = self.overall()
        return ScenarioResult(
            name=self.name,
            backend=self.backend,
            revision=self.revision,
            outcome=overall.outcome,
            verdicts=self.all_verdicts(),
            figures={**self.figures, **aggregate_figures(self.figures)},
            started=self.started,
            duration_s=(self.ended or time.time()) - self.started,
            artifacts=dict(self.artifacts),
            skipped_reason=self.skipped_reason,
            notes=tuple(dict.fromkeys(self.notes)),  # each once, in order
        )


@dataclass
class ScenarioBook:
    """All scenario runs of one session, and where their reports go."""

    junit: Path
    report_dir: Path
    runs: list[ScenarioRun] = field(default_factory=list)
    current_test: str = ""  # the pytest node id of the test running now (set by the plugin)

    def start(self, name: str, backend: str, revision: str = "") -> ScenarioRun:
        run = ScenarioRun(name, backend, revision, test=self.current_test)
        self.runs.append(run)
        return run

    def started_during(self, name: str, test: str) -> bool:
        """Whether test `test` started a run of scenario `name`."""
        return any(run.name == name and run.test == test for run in self.runs)

    def refused(self, name: str, test: str, reason: str) -> ScenarioRun:
        """Record a scenario its test could not start (a fixture failed): an error testcase."""
        run = ScenarioRun(name, NOT_STARTED, test=test)
        run.crashed = f"the scenario could not start: {reason}"
        run.finish()
        self.runs.append(run)
        return run

    def finish_runs(self, error: BaseException | None = None) -> None:
        """Finish every run still open (those the test that just ended started)."""
        for run in self.runs:
            if run.ended is None:
                run.finish(error)

    def write(self) -> None:
        """Write JUnit and the HTML report for every run recorded (nothing if none)."""
        if not self.runs:
            return
        results = [run.result() for run in self.runs]
        timelines = {run.name: run.timeline for run in self.runs if run.timeline is not None}
        self.junit.parent.mkdir(parents=True, exist_ok=True)
        self.report_dir.mkdir(parents=True, exist_ok=True)
        tree = junit_tree(results, html_report=self.report_dir / INDEX)
        score = self._score(tree)
        if score:
            add_suite_properties(tree, [("resilience_score", f"{score.value:.1f}")])
        write_junit_tree(tree, self.junit)
        write_html_report(results, timelines, self.report_dir, score.describe() if score else None)

    def _score(self, tree: ET.Element) -> Score | None:
        """The run's resilience score under the default gate policy (None if unreadable)."""
        try:
            return score_of_tree(tree, load_policy(default_policy_path()))
        except ChaosgateError as exc:
            log.warning("no resilience score in the reports: %s", exc)
            return None

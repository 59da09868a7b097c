"""What one scenario session was asked for, as one typed object for the CLI and the plugin.

`chaosgate run` builds a SessionOptions and hands it to pytest as an object
(PresetOptions), so no option travels through argv strings; a plain
`pytest suites/ --provider kind` builds the same object from pytest's options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from chaosgate.harness import HarnessOptions


@dataclass(frozen=True)
class SessionOptions:
    """The cluster the harness makes or uses, and where the session's reports go."""

    harness: HarnessOptions = field(default_factory=HarnessOptions)
    report_dir: Path = Path("reports")
    junit: Path | None = None  # the scenario JUnit; None: report_dir/junit.xml

    @property
    def junit_path(self) -> Path:
        return self.junit or self.report_dir / "junit.xml"


OPTIONS = pytest.StashKey[SessionOptions]()


class PresetOptions:
    """A pytest plugin object that gives the session its options (how `chaosgate run` calls
    pytest); the chaosgate plugin reads them instead of its command-line options."""

    def __init__(self, options: SessionOptions) -> None:
        self.options = options

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[OPTIONS] = self.options

"""ScenarioResult: what one scenario run produced, as the reports need it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chaosgate.timeline import Outcome, Verdict

# The scenario names of the CLI contract; a variant such as "breaker[stack]"
# names the same scenario on another backend.
SCENARIOS = ("gitops", "pod_kill", "oom", "az_drain", "hpa", "breaker")

Figure = float | int | str

# Figures a summary shows first when a scenario has them: the ones the default
# gate policy bounds, then the load during the fault.
KEY_FIGURES = (
    "recovery_s",
    "drain_s",
    "hpa_scale_out_s",
    "hpa_scale_in_s",
    "breaker_open_s.max",
    "breaker_close_s.max",
    "sync_s",
    "fail_ratio.fault",
    "p95_ms.fault",
)


@dataclass(frozen=True)
class ScenarioResult:
    """The outcome, verdicts, figures and artefacts of one scenario on one backend.

    A scenario with skipped_reason set did not run (its provider lacked a
    capability, say); its outcome is then not a judgement and reports show it
    as skipped.
    """

    name: str
    backend: str
    revision: str
    outcome: Outcome
    verdicts: tuple[Verdict, ...] = ()
    figures: Mapping[str, Figure] = field(default_factory=dict)
    started: float = 0.0
    duration_s: float = 0.0
    artifacts: Mapping[str, Path] = field(default_factory=dict)
    skipped_reason: str | None = None
    # What the reader must know to trust the figures: what was simulated, what the
    # recorder missed (watch reconnects, dropped samples), what was not as expected.
    notes: tuple[str, ...] = ()

    @property
    def skipped(self) -> bool:
        return self.skipped_reason is not None

    @property
    def status(self) -> str:
        """What a summary shows for this scenario: "skipped", or the outcome's value."""
        return "skipped" if self.skipped else self.outcome.value

    def verdicts_with(self, *outcomes: Outcome) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome in outcomes]

    def key_figures(self, limit: int = 3) -> list[tuple[str, Figure]]:
        """The figures worth a summary column: KEY_FIGURES present, else the first ones."""
        keys = [name for name in KEY_FIGURES if name in self.figures]
        keys += [name for name in self.figures if name not in keys]
        return [(name, self.figures[name]) for name in keys[:limit]]

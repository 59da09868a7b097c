"""What a scenario is, apart from where it runs.

A Scenario names the story (its name is the one spelling the CLI, the
experiment files, the SLO files, the JUnit testcase, the report and the gate
policy all use), the Chaos Toolkit experiment that lands its fault on each
backend family, and what the local provider's kwok pods only simulate of it.
Its verdicts and budgets sit next to it, in its own module of this package
(chaosgate.scenarios.<name>); a backend supplies the target, the observer and
the fault's mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from chaosgate.errors import UsageError
from chaosgate.load.slo import slos_for
from chaosgate.prometheus.slo_file import promql_slo_for
from chaosgate.scenarios.budgets import budget_s
from chaosgate.verdicts.promql import PromqlSlo
from chaosgate.verdicts.slo import Slo
from chaosgate.versions import REPO_ROOT

CHAOS_DIR = REPO_ROOT / "chaos"


class Family(StrEnum):
    """Where a backend lands faults: a Kubernetes cluster (kind, local, existing) or the stack."""

    KUBE = "kube"
    STACK = "stack"


@dataclass(frozen=True)
class Scenario:
    """One scenario: its name, its experiment per backend family, and what kwok simulates."""

    name: str
    families: tuple[Family, ...]  # the backend families it runs on
    kwok_simulates: str = ""  # said in the testcase where kwok plays the kubelet
    experiment_free: bool = False  # driven by load or Argo CD alone (hpa, gitops)

    def experiment(self, family: Family) -> Path:
        """chaos/<name>.<family>.json, the experiment that lands the fault on that family."""
        if self.experiment_free or family not in self.families:
            raise UsageError(
                f"Scenario {self.name} has no {family.value} experiment; it runs on "
                f"{', '.join(f.value for f in self.families)}"
                f"{' without one' if self.experiment_free else ''}."
            )
        return CHAOS_DIR / f"{self.name}.{family.value}.json"

    def budget_s(self, figure: str) -> float:
        """The gate policy's maximum for one of its figures (e.g. "recovery_s")."""
        return budget_s(self.name, figure)

    def load_slos(self) -> dict[str, Slo]:
        """Its per-window load SLOs (loadtests/slo.yaml)."""
        return slos_for(self.name)

    def promql_slo(self) -> PromqlSlo:
        """Its per-window PromQL SLO (monitoring/slo.yaml)."""
        return promql_slo_for(self.name)

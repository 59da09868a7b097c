"""The per-window SLOs of loadtests/slo.yaml, as the Slo values verdicts judge with.

The file has `defaults` (window → limits) and `scenarios` (scenario → window →
the limits that differ). Reading the file is here; judging a timeline against
an Slo is chaosgate.verdicts.slo.slo_held, a pure function.
"""

from __future__ import annotations

from pathlib import Path

from chaosgate.config_file import read_mapping, section
from chaosgate.errors import ConfigError
from chaosgate.verdicts.slo import Slo
from chaosgate.versions import REPO_ROOT

DEFAULT_SLO_FILE = REPO_ROOT / "loadtests" / "slo.yaml"
WINDOWS = ("baseline", "fault", "recovery")


def slos_for(scenario: str, path: Path = DEFAULT_SLO_FILE) -> dict[str, Slo]:
    """The Slo of each window for scenario: the defaults with the scenario's overrides."""
    document = read_mapping(path, "SLO file")
    defaults = section(document.get("defaults"), f"{path}: defaults")
    scenarios = section(document.get("scenarios"), f"{path}: scenarios")
    overrides = section(scenarios.get(scenario), f"{path}: scenarios.{scenario}")
    slos = {}
    for window in WINDOWS:
        merged = {
            **section(defaults.get(window), f"{path}: defaults.{window}"),
            **section(overrides.get(window), f"{path}: scenarios.{scenario}.{window}"),
        }
        try:
            slos[window] = Slo.from_mapping(merged)
        except ValueError as exc:
            raise ConfigError(f"{path} [{scenario}/{window}]: {exc}") from exc
    return slos

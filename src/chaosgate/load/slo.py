"""The per-window SLOs of loadtests/slo.yaml, as the Slo values verdicts judge with.

The file has `defaults` (window → limits) and `scenarios` (scenario → window →
the limits that differ). Reading the file is here; judging a timeline against
an Slo is chaosgate.verdicts.slo.slo_held, a pure function.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from chaosgate.errors import ConfigError
from chaosgate.verdicts.slo import Slo
from chaosgate.versions import REPO_ROOT

DEFAULT_SLO_FILE = REPO_ROOT / "loadtests" / "slo.yaml"
WINDOWS = ("baseline", "fault", "recovery")


def _section(raw: Any, where: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping.")
    return raw


def slos_for(scenario: str, path: Path = DEFAULT_SLO_FILE) -> dict[str, Slo]:
    """The Slo of each window for scenario: the defaults with the scenario's overrides."""
    try:
        document = _section(yaml.safe_load(path.read_text()), str(path))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read the SLO file {path}: {exc}") from exc
    defaults = _section(document.get("defaults"), f"{path}: defaults")
    scenarios = _section(document.get("scenarios"), f"{path}: scenarios")
    overrides = _section(scenarios.get(scenario), f"{path}: scenarios.{scenario}")
    slos = {}
    for window in WINDOWS:
        merged = {
            **_section(defaults.get(window), f"{path}: defaults.{window}"),
            **_section(overrides.get(window), f"{path}: scenarios.{scenario}.{window}"),
        }
        try:
            slos[window] = Slo.from_mapping(merged)
        except ValueError as exc:
            raise ConfigError(f"{path} [{scenario}/{window}]: {exc}") from exc
    return slos

"""monitoring/slo.yaml read into the PromqlSlo of one scenario.

The file has `queries` (name -> PromQL), `plots` (name -> PromQL drawn in the
report), `defaults` (window -> query -> bound) and `scenarios` (scenario ->
window -> the bounds that differ; `null` drops one). Judging is
chaosgate.verdicts.promql.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from chaosgate.errors import ConfigError
from chaosgate.verdicts.promql import PromqlBound, PromqlSlo
from chaosgate.versions import REPO_ROOT

DEFAULT_PROMQL_SLO_FILE = REPO_ROOT / "monitoring" / "slo.yaml"


def promql_slo_for(scenario: str, path: Path = DEFAULT_PROMQL_SLO_FILE) -> PromqlSlo:
    """The scenario's PromQL SLO: the defaults with the scenario's overrides."""
    document = _read(path)
    queries = _strings(document.get("queries"), f"{path}: queries")
    defaults = _mapping(document.get("defaults"), f"{path}: defaults")
    overrides = _mapping(
        _mapping(document.get("scenarios"), f"{path}: scenarios").get(scenario),
        f"{path}: scenarios.{scenario}",
    )
    bounds: dict[str, dict[str, PromqlBound]] = {}
    for window in {**defaults, **overrides}:
        where = f"{path} [{scenario}/{window}]"
        merged = {
            **_mapping(defaults.get(window), f"{path}: defaults.{window}"),
            **_mapping(overrides.get(window), f"{path}: scenarios.{scenario}.{window}"),
        }
        bounds[window] = {
            query: _bound(raw, query, queries, where)
            for query, raw in merged.items()
            if raw is not None
        }
    return PromqlSlo(queries=queries, bounds=bounds)


def slo_queries(path: Path = DEFAULT_PROMQL_SLO_FILE) -> dict[str, str]:
    """Every SLO query, name -> PromQL with {range}: what each window is asked."""
    return _strings(_read(path).get("queries"), f"{path}: queries")


def plotted_queries(path: Path = DEFAULT_PROMQL_SLO_FILE) -> dict[str, str]:
    """The range queries the report plots, name -> PromQL."""
    return _strings(_read(path).get("plots"), f"{path}: plots")


def _read(path: Path) -> Mapping[str, Any]:
    try:
        return _mapping(yaml.safe_load(path.read_text()), str(path))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read the PromQL SLO file {path}: {exc}") from exc


def _bound(raw: Any, query: str, queries: Mapping[str, str], where: str) -> PromqlBound:
    if query not in queries:
        known = ", ".join(queries)
        raise ConfigError(f"{where}: {query!r} is not in queries; known: {known}.")
    try:
        return PromqlBound.from_mapping(_mapping(raw, f"{where} {query}"))
    except ValueError as exc:
        raise ConfigError(f"{where} {query}: {exc}.") from exc


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping.")
    return raw


def _strings(raw: Any, where: str) -> dict[str, str]:
    section = _mapping(raw, where)
    if not all(isinstance(value, str) for value in section.values()):
        raise ConfigError(f"{where}: every entry must be a PromQL string.")
    return dict(section)

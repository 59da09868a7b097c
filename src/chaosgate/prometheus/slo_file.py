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

from chaosgate.config_file import read_mapping, section
from chaosgate.errors import ConfigError
from chaosgate.verdicts.promql import PromqlBound, PromqlSlo
from chaosgate.versions import REPO_ROOT

DEFAULT_PROMQL_SLO_FILE = REPO_ROOT / "monitoring" / "slo.yaml"


def promql_slo_for(scenario: str, path: Path = DEFAULT_PROMQL_SLO_FILE) -> PromqlSlo:
    """The scenario's PromQL SLO: the defaults with the scenario's overrides."""
    document = read_mapping(path, "PromQL SLO file")
    queries = _strings(document.get("queries"), f"{path}: queries")
    defaults = section(document.get("defaults"), f"{path}: defaults")
    overrides = section(
        section(document.get("scenarios"), f"{path}: scenarios").get(scenario),
        f"{path}: scenarios.{scenario}",
    )
    bounds: dict[str, dict[str, PromqlBound]] = {}
    for window in {**defaults, **overrides}:
        where = f"{path} [{scenario}/{window}]"
        merged = {
            **section(defaults.get(window), f"{path}: defaults.{window}"),
            **section(overrides.get(window), f"{path}: scenarios.{scenario}.{window}"),
        }
        bounds[window] = {
            query: _bound(raw, query, queries, where)
            for query, raw in merged.items()
            if raw is not None
        }
    return PromqlSlo(queries=queries, bounds=bounds)


def slo_queries(path: Path = DEFAULT_PROMQL_SLO_FILE) -> dict[str, str]:
    """Every SLO query, name -> PromQL with {range}: what each window is asked."""
    return _strings(read_mapping(path, "PromQL SLO file").get("queries"), f"{path}: queries")


def plotted_queries(path: Path = DEFAULT_PROMQL_SLO_FILE) -> dict[str, str]:
    """The range queries the report plots, name -> PromQL."""
    return _strings(read_mapping(path, "PromQL SLO file").get("plots"), f"{path}: plots")


def _bound(raw: Any, query: str, queries: Mapping[str, str], where: str) -> PromqlBound:
    if query not in queries:
        known = ", ".join(queries)
        raise ConfigError(f"{where}: {query!r} is not in queries; known: {known}.")
    try:
        return PromqlBound.from_mapping(section(raw, f"{where} {query}"))
    except ValueError as exc:
        raise ConfigError(f"{where} {query}: {exc}.") from exc


def _strings(raw: Any, where: str) -> dict[str, str]:
    entries = section(raw, where)
    if not all(isinstance(value, str) for value in entries.values()):
        raise ConfigError(f"{where}: every entry must be a PromQL string.")
    return dict(entries)

"""monitoring/slo.yaml: the shipped file reads for every scenario; bad files say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.errors import ConfigError
from chaosgate.prometheus.slo_file import plotted_queries, promql_slo_for, slo_queries
from chaosgate.verdicts.promql import PromqlBound

# The scenarios with baseline, fault and recovery windows under load.
SCENARIOS = ("pod_kill", "oom", "az_drain", "breaker")


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_shipped_file_bounds_every_window_of_every_scenario(scenario: str) -> None:
    slo = promql_slo_for(scenario)
    assert set(slo.bounds) == {"baseline", "fault", "recovery"}
    assert all(slo.bounds[window] for window in slo.bounds)
    assert set(slo.queries) == set(slo_queries())


def test_a_scenario_overrides_and_drops_bounds() -> None:
    breaker = promql_slo_for("breaker")
    assert breaker.bounds["fault"]["breaker_state_max"] == PromqlBound(min=1)
    assert promql_slo_for("pod_kill").bounds["fault"]["breaker_state_max"] == PromqlBound(max=0)


def test_null_drops_a_default_bound(tmp_path: Path) -> None:
    path = tmp_path / "slo.yaml"
    path.write_text(
        "queries: {a: 'up', b: 'up'}\n"
        "defaults: {fault: {a: {max: 1}, b: {max: 2}}}\n"
        "scenarios: {x: {fault: {a: null}}}\n"
    )
    assert promql_slo_for("x", path).bounds == {"fault": {"b": PromqlBound(max=2)}}
    assert promql_slo_for("y", path).bounds["fault"]["a"] == PromqlBound(max=1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("queries: {a: up}\ndefaults: {fault: {z: {max: 1}}}\n", "'z' is not in queries"),
        ("queries: {a: up}\ndefaults: {fault: {a: {most: 1}}}\n", "unknown bound keys"),
        ("queries: {a: 3}\n", "every entry must be a PromQL string"),
        ("queries: [a]\n", "queries must be a mapping"),
        ("queries: {a: up\n", "Cannot read the PromQL SLO file"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "slo.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        promql_slo_for("fault", path)


def test_plots_are_promql_strings() -> None:
    assert set(plotted_queries()) == {"beat_rate", "beat_p99_ms"}

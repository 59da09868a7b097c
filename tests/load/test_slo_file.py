"""loadtests/slo.yaml: every scenario gets an Slo per window; bad files are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaosgate.errors import ConfigError
from chaosgate.load.slo import WINDOWS, slos_for


@pytest.mark.parametrize("scenario", ["breaker", "pod_kill", "oom", "unlisted"])
def test_the_shipped_file_covers_every_window(scenario: str) -> None:
    slos = slos_for(scenario)
    assert set(slos) == set(WINDOWS)
    assert all(slo.p95_ms_max and slo.p99_ms_max for slo in slos.values())


def test_the_outage_must_not_fail_but_a_kill_may_a_little() -> None:
    assert slos_for("breaker")["fault"].fail_ratio_max == 0.0
    assert slos_for("pod_kill")["fault"].fail_ratio_max == 0.05
    assert slos_for("pod_kill")["baseline"].fail_ratio_max == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "defaults: {baseline: {fail_ratio_max: lots}}",
        "defaults: {baseline: {p95_ms: 10}}",  # a typo must not pass silently
        "defaults: [1, 2]",
        "defaults: {baseline: {p95_ms_max: 10}",
    ],
)
def test_bad_files_are_config_errors(tmp_path: Path, text: str) -> None:
    path = tmp_path / "slo.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        slos_for("pod_kill", path)

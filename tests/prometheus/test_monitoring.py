"""monitoring/: the rules pass promtool's checks and unit tests, the dashboard reads real series,
and heart-display's /metrics is clean for promtool.

Each check is also shown to fail on a broken input, so a pass means something.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml

from chaosgate.process import Completed, run
from chaosgate.prometheus.api import PrometheusError
from chaosgate.prometheus.server import LocalPrometheus
from chaosgate.stack.http_probe import http_call
from chaosgate.tools.cache import tool_path
from chaosgate.versions import REPO_ROOT
from helpers.process_stack import ProcessStack

MONITORING = REPO_ROOT / "monitoring"
RULES = MONITORING / "rules" / "heart-display.rules.yaml"
RULE_TESTS = sorted((MONITORING / "tests").glob("*.test.yaml"))
DASHBOARD = MONITORING / "dashboards" / "heart-display-beats.json"


def promtool(*args: str, input_text: str | None = None) -> Completed:
    argv = [str(tool_path("prometheus", "promtool")), *args]
    return run(argv, timeout=120, input_text=input_text, check=False)


def recorded_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["record"] for group in groups for rule in group["rules"] if "record" in rule}


def dashboard_exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def test_the_rules_pass_promtool_check() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 11 rules found" in checked.stdout


def test_a_broken_rule_fails_promtool_check(tmp_path: Path) -> None:
    broken = tmp_path / "broken.rules.yaml"
    broken.write_text(RULES.read_text().replace("rate(heart_display_beats_total[1m])", "rate(", 1))
    checked = promtool("check", "rules", str(broken))
    assert checked.returncode != 0
    assert "FAILED" in checked.stdout + checked.stderr


def test_the_rule_tests_pass() -> None:
    assert RULE_TESTS, "monitoring/tests has no *.test.yaml"
    tested = promtool("test", "rules", *map(str, RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_a_wrong_expectation_fails_the_rule_tests(tmp_path: Path) -> None:
    [source] = RULE_TESTS
    test = yaml.safe_load(source.read_text())
    test["rule_files"] = [str(RULES)]
    # The outage of the recorded run turned both replicas red; claim they stayed green.
    for case in test["tests"]:
        for expression in case.get("promql_expr_test", []):
            for sample in expression["exp_samples"]:
                if sample["value"] == 2:
                    sample["value"] = 0
    wrong = tmp_path / "wrong.test.yaml"
    wrong.write_text(yaml.safe_dump(test, sort_keys=False, width=10_000))
    tested = promtool("test", "rules", str(wrong))
    assert tested.returncode != 0
    assert "FAILED" in tested.stdout + tested.stderr


def test_the_dashboard_reads_only_recorded_series() -> None:
    names = recorded_names()
    for expr in dashboard_exprs():
        used = set(re.findall(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", expr))
        assert used and used <= names, (expr, used - names)


def test_prometheus_accepts_every_dashboard_query(tmp_path: Path) -> None:
    with LocalPrometheus([], tmp_path) as prometheus:
        for expr in dashboard_exprs():
            prometheus.api.query(expr, time.time())  # raises PrometheusError if refused
        with pytest.raises(PrometheusError, match="refused"):
            prometheus.api.query("rate(broken[", time.time())


def test_heart_display_metrics_are_clean_for_promtool(tmp_path: Path) -> None:
    with ProcessStack(tmp_path, replicas=1) as stack:
        [url] = stack.endpoints
        assert http_call(f"{url}/").ok  # one beat, so the histograms have observations
        metrics = http_call(f"{url}/metrics")
    assert metrics.ok and "beat_latency_seconds_bucket" in metrics.body
    checked = promtool("check", "metrics", input_text=metrics.body)
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked


def test_promtool_check_metrics_can_fail() -> None:
    bad = "# HELP beats_total Beats.\n# TYPE beats_total counter\nbeats_total 1\nBadName{ 2\n"
    assert promtool("check", "metrics", input_text=bad).returncode != 0


@pytest.mark.parametrize("path", RULE_TESTS, ids=lambda p: p.name)
def test_rule_tests_use_recorded_series(path: Path) -> None:
    test = yaml.safe_load(path.read_text())
    series = [s["series"] for case in test["tests"] for s in case["input_series"]]
    assert any(s.startswith("heart_display_beats_total{") for s in series)
    assert any('instance="heart-display-1"' in s for s in series)
